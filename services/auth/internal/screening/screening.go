// Package screening decides whether a password may be chosen, as NIST SP
// 800-63B section 5.1.1.2 asks of a verifier: at least 8 characters, at
// most 128 (never truncated), and not a value known to be commonly used,
// expected or compromised. It imposes no composition rule (no "one digit
// and one symbol"): a long passphrase of plain words is welcome.
//
// Check applies four rules, in this order, and names the first one broken:
//
//  1. length: 8 to 128 characters (see [Check] for how they are counted);
//  2. the list: the password, or the password with trivial changes, is in
//     a list of common and breached passwords shipped with the binary
//     (see common.go);
//  3. the email: the password is built from the account's email address
//     (see email.go);
//  4. the estimate: zxcvbn estimates that fewer than a million guesses find
//     it (see estimate.go).
//
// Rules 2 to 4 use github.com/trustelem/zxcvbn, a Go port of Dropbox's
// zxcvbn estimator, and its word lists.
package screening

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The reasons Check gives, one per rule. They are fixed texts: a reason
// never quotes the password or a part of it, so it may be shown, logged
// or returned to the client.
const (
	reasonShort  = "shorter than 8 characters"
	reasonLong   = "longer than 128 characters"
	reasonCommon = "found in a list of common and breached passwords"
	reasonEmail  = "built from the account's email address"
	reasonWeak   = "too easy to guess: a keyboard pattern, sequence, date, repetition or too few words"
)

// Length bounds, in characters, from NIST SP 800-63B 5.1.1.2: at least 8,
// and at least 64 must be accepted; 128 leaves room for passphrases while
// bounding the work a password costs.
const (
	minLength = 8
	maxLength = 128
)

// WeakError says why a password may not be chosen; Reason never contains
// the password.
type WeakError struct {
	// Reason is one of a few fixed texts, e.g. "shorter than 8 characters".
	Reason string
}

// Error returns "weak password: " followed by the reason.
func (e *WeakError) Error() string {
	return "weak password: " + e.Reason
}

// Check returns nil when password may be chosen by the account of email
// ("" when unknown), else a *WeakError.
//
// Characters are counted after NFKC normalization, the form passwords are
// hashed in: one character is one Unicode code point, whatever the number
// of bytes, so "mot de passe très sûr" has 21. A run of bytes that is not
// UTF-8 counts as one character, U+FFFD (requests cannot carry one: JSON
// decoding has already replaced it, and protobuf refuses it).
//
// Check costs about half a millisecond for a typical password and a few
// milliseconds at most for any input (4 to 8 on a busy two-core machine;
// see window.go for how the estimate is bounded, and BenchmarkCheck).
func Check(password, email string) error {
	p := normalize(password)
	switch n := utf8.RuneCountInString(p); {
	case n < minLength:
		return &WeakError{Reason: reasonShort}
	case n > maxLength:
		return &WeakError{Reason: reasonLong}
	}
	if isCommon(p) {
		return &WeakError{Reason: reasonCommon}
	}
	inputs := userInputs(email)
	first := analyze(firstWindow(p), inputs)
	if isCommonVariant(p, first) {
		return &WeakError{Reason: reasonCommon}
	}
	if isFromEmail(p, first) {
		return &WeakError{Reason: reasonEmail}
	}
	if isGuessable(p, first, inputs) {
		return &WeakError{Reason: reasonWeak}
	}
	return nil
}

// normalize returns s in NFKC, with every invalid byte replaced by U+FFFD.
func normalize(s string) string {
	return norm.NFKC.String(strings.ToValidUTF8(s, string(utf8.RuneError)))
}
