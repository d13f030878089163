package mail

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"time"

	"github.com/riverqueue/river"
	"goa.design/clue/log"
)

// Link is an emailed link about to be sent: what the issuer stores.
type Link struct {
	// Purpose is LinkVerifyEmail or LinkResetPassword.
	Purpose string
	// UserID (verification) or Email (reset) says whose link it is.
	UserID string
	Email  string
	// TokenHash is the SHA-256 of the link's token: all that is stored.
	TokenHash []byte
}

// Issuer stores the links' tokens (the repositories implement it).
type Issuer interface {
	// Issue stores the hash of a new token for the link (a reset voids the
	// user's older reset links) and returns the address to send it to and
	// the user, or ok false when there is nothing to send: no such account,
	// a disabled one, or an address verified already.
	Issue(ctx context.Context, l Link) (to, userID string, ok bool, err error)
}

// linkTokenBytes is the entropy of a link's token: 256 bits.
const linkTokenBytes = 32

// NewLinkToken returns a fresh token from crypto/rand, unpadded base64url,
// and its SHA-256.
func NewLinkToken() (token string, hash []byte) {
	b := make([]byte, linkTokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	sum := sha256.Sum256([]byte(token))
	return token, sum[:]
}

// LinkURL is the link of a purpose's page under publicURL, the token in
// the fragment: a browser never sends a fragment to a server, so the token
// reaches no access log and no Referer; the page posts it in a JSON body.
func LinkURL(publicURL, purpose, token string) string {
	page := "/verify-email"
	if purpose == LinkResetPassword {
		page = "/reset-password"
	}
	return strings.TrimRight(publicURL, "/") + page + "#token=" + token
}

// LinkWorker sends the emailed links of the outbox. Each attempt makes a
// new token: the one of a message that could not be sent was never seen.
type LinkWorker struct {
	river.WorkerDefaults[LinkArgs]
	postman
	issuer Issuer
}

// NewLinkWorker returns the worker that stores tokens with issuer and
// sends with s, links pointing to publicURL, logging to logCtx.
func NewLinkWorker(logCtx context.Context, issuer Issuer, s sender, publicURL string) *LinkWorker {
	return &LinkWorker{postman: postman{send: s, publicURL: publicURL, logCtx: logCtx, retryScale: 1}, issuer: issuer}
}

// WithRetryScale multiplies the retry delays by f (tests use a small f).
func (w *LinkWorker) WithRetryScale(f float64) *LinkWorker {
	w.retryScale = f
	return w
}

// Work implements river.Worker: issue a token, render, send.
func (w *LinkWorker) Work(ctx context.Context, job *river.Job[LinkArgs]) error {
	purpose := log.KV{K: "link", V: job.Args.Purpose}
	token, hash := NewLinkToken()
	to, userID, ok, err := w.issuer.Issue(ctx, Link{Purpose: job.Args.Purpose, UserID: job.Args.UserID, Email: job.Args.Email, TokenHash: hash})
	if err != nil {
		log.Print(w.logCtx, log.KV{K: "msg", V: "link not issued yet: will retry"}, log.KV{K: "error", V: err.Error()}, purpose)
		return err
	}
	if !ok {
		return nil // nothing to send; and nothing said, since who asked may not own the address
	}
	m, err := RenderTemplate(job.Args.Purpose, Data{To: to, PublicURL: w.publicURL, Link: LinkURL(w.publicURL, job.Args.Purpose, token)})
	if err != nil {
		log.Error(w.logCtx, err, log.KV{K: "msg", V: "mail cannot be rendered; dropped"}, purpose)
		return river.JobCancel(err)
	}
	return w.deliver(ctx, m, job.Attempt, job.MaxAttempts, purpose, log.KV{K: "user_id", V: userID})
}

// NextRetry implements river.Worker: RetryDelay after the job's attempts.
func (w *LinkWorker) NextRetry(job *river.Job[LinkArgs]) time.Time { return w.nextRetry(job.Attempt) }

// Timeout implements river.Worker.
func (w *LinkWorker) Timeout(*river.Job[LinkArgs]) time.Duration { return 2 * time.Minute }
