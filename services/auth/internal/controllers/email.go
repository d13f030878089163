package controllers

import "strings"

// normalizeEmail trims the address and lower-cases it: emails are compared
// case-insensitively (CONTRACT section 3) and stored in this form. The design
// has already checked its shape.
func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
