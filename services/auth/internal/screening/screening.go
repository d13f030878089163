// Package screening is a placeholder until the real screening lands.
package screening

import "unicode/utf8"

// WeakError says why a password may not be chosen.
type WeakError struct{ Reason string }

func (e *WeakError) Error() string { return "weak password: " + e.Reason }

// Check returns nil when password may be chosen.
func Check(password, email string) error {
	switch n := utf8.RuneCountInString(password); {
	case n < 8:
		return &WeakError{Reason: "shorter than 8 characters"}
	case n > 128:
		return &WeakError{Reason: "longer than 128 characters"}
	}
	return nil
}
