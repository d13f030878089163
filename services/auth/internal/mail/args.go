// Package mail delivers the service's mail from its outbox: jobs of the
// River queue (github.com/riverqueue/river) that the repositories insert
// in the transaction of the change they report, so that a committed
// change always has its message and a rolled-back one never does. A
// worker on every replica takes jobs with FOR UPDATE SKIP LOCKED (River),
// renders embedded text and HTML templates and sends them over SMTP
// (github.com/wneessen/go-mail); a failed send is retried with backoff
// and given up, with an error line, after a bounded time. An SMTP outage
// delays mail and loses none; two replicas never take one job at once.
package mail

import (
	"time"

	"github.com/riverqueue/river"
)

// Notice kinds: the security notices mailed to an account's address.
const (
	NoticeSecondFactorLocked     = "second_factor_locked"
	NoticeTOTPEnabled            = "totp_enabled"
	NoticeTOTPDisabled           = "totp_disabled"
	NoticeBackupCodesRegenerated = "backup_codes_regenerated"
	NoticeAccountDisabled        = "account_disabled"
	NoticeMFAReset               = "mfa_reset"
	NoticePasswordChanged        = "password_changed"
	NoticePasswordReset          = "password_reset"
	NoticePasskeyAdded           = "passkey_added"
	NoticePasskeyRemoved         = "passkey_removed"
)

// NoticeArgs is a security notice waiting in the outbox. It holds no
// secret: a kind, the user and the address.
type NoticeArgs struct {
	Notice string `json:"notice"`
	UserID string `json:"user_id"`
	To     string `json:"to"`
}

// Kind implements river.JobArgs.
func (NoticeArgs) Kind() string { return "security_notice" }

// MaxAttempts bounds the retries of a message: with RetryDelay, about a
// day of trying before the worker gives up.
const MaxAttempts = 20

// InsertOpts implements river.JobArgsWithInsertOpts.
func (NoticeArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: MaxAttempts, Queue: Queue}
}

// Link purposes: the emailed links (as ports.LinkPurpose).
const (
	LinkVerifyEmail   = "verify_email"
	LinkResetPassword = "reset_password"
)

// LinkArgs is an emailed link waiting in the outbox: a password reset for
// whatever account has Email, or an email verification for UserID. It
// holds no token: the worker makes one as it sends, so that the token
// exists in the message alone.
type LinkArgs struct {
	Purpose string `json:"purpose"`
	UserID  string `json:"user_id,omitempty"`
	Email   string `json:"email,omitempty"`
}

// Kind implements river.JobArgs.
func (LinkArgs) Kind() string { return "email_link" }

// LinkMaxAttempts bounds the retries of a link: about three hours of
// trying (each attempt makes a fresh token, so a late link still works).
const LinkMaxAttempts = 10

// InsertOpts implements river.JobArgsWithInsertOpts.
func (LinkArgs) InsertOpts() river.InsertOpts {
	return river.InsertOpts{MaxAttempts: LinkMaxAttempts, Queue: Queue}
}

// Queue is the River queue of outgoing mail.
const Queue = "mail"

// RetryDelay is the wait before attempt n+1 after n failures: 10 s
// doubling, at most 2 h.
func RetryDelay(attempt int) time.Duration {
	d := 10 * time.Second
	for range max(attempt-1, 0) {
		d *= 2
		if d >= 2*time.Hour {
			return 2 * time.Hour
		}
	}
	return d
}
