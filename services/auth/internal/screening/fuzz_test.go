package screening

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"
)

// reasons are every text a WeakError may carry.
var reasons = []string{reasonShort, reasonLong, reasonCommon, reasonEmail, reasonWeak}

// FuzzCheck checks any password and email and that:
//   - it never panics and always answers nil or a *WeakError;
//   - the reason is one of the fixed texts, and Error is "weak password: "
//     and the reason;
//   - the answer does not depend on anything but the input;
//   - the reason never contains a password of 4 characters or more, unless
//     that password happens to be part of a fixed text ("characters"): a
//     fixed text cannot quote the password.
func FuzzCheck(f *testing.F) {
	for _, seed := range [][2]string{
		{"", ""},
		{"password", ""},
		{"Password2024!", alice},
		{"AliceSmith2024", alice},
		{"violet anchor drifting slowly", alice},
		{"characters", ""},
		{"shorter than 8", ""},
		{"\xff\xfe\xfd", "\xff@\xfe"},
		{"ｐａｓｓｗｏｒｄ", "@"},
		{"P@$$w0rd!(2024)-my-long-and-private-passphrase", "a@b@c"},
		{strings.Repeat("4@8(3691!|$57+%2", 8), ""},
		{strings.Repeat("😀😁😂🤣", 32), "😀@😁.😂"},
		{phrase128, alice},
	} {
		f.Add(seed[0], seed[1])
	}
	f.Fuzz(func(t *testing.T, password, email string) {
		err := Check(password, email)
		if err == nil {
			return
		}
		var weak *WeakError
		if !errors.As(err, &weak) {
			t.Fatalf("Check(%q, %q) = %T %v, want a *WeakError", password, email, err, err)
		}
		known := false
		for _, r := range reasons {
			known = known || weak.Reason == r
		}
		if !known {
			t.Fatalf("Check(%q, %q) reason %q, not a fixed text", password, email, weak.Reason)
		}
		if got, want := err.Error(), "weak password: "+weak.Reason; got != want {
			t.Fatalf("Error() = %q, want %q", got, want)
		}
		if again := Check(password, email); again == nil || again.Error() != err.Error() {
			t.Fatalf("Check(%q, %q) = %v, then %v", password, email, err, again)
		}
		if utf8.RuneCountInString(password) >= 4 && strings.Contains(weak.Reason, password) && !inReasons(password) {
			t.Fatalf("Check(%q, %q) reason %q contains the password", password, email, weak.Reason)
		}
	})
}

// inReasons reports whether s is part of a fixed text.
func inReasons(s string) bool {
	for _, r := range reasons {
		if strings.Contains(r, s) {
			return true
		}
	}
	return false
}
