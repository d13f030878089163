package controllers

import "strings"

// normalizeEmail trims the address and lower-cases it: emails are compared
// case-insensitively (services/auth/README.md, Endpoints) and stored in this form. The design
// has already checked its shape.
func normalizeEmail(email string) string {
	return strings.ToLower(strings.TrimSpace(email))
}
