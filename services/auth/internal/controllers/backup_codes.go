package controllers

import (
	"crypto/rand"
	"strings"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Backup codes: 10 per set, 10 characters of Crockford's base32 (no i, l,
// o, u: nothing to confuse), 50 bits each, shown as "k7vq2-m9xr4".
const (
	backupCodeCount  = 10
	backupCodeLength = 10
	crockford        = "0123456789abcdefghjkmnpqrstvwxyz"
)

// newBackupCodes returns a set of distinct codes for the user, for
// display, and their hashes (salted with the user id, under the current
// key).
func newBackupCodes(h ports.CodeHasher, userID uuid.UUID) ([]string, []ports.CodeHash) {
	shown := make([]string, 0, backupCodeCount)
	hashes := make([]ports.CodeHash, 0, backupCodeCount)
	seen := make(map[string]bool, backupCodeCount)
	for len(shown) < backupCodeCount {
		raw := randomCode()
		if seen[raw] {
			continue
		}
		seen[raw] = true
		shown = append(shown, raw[:5]+"-"+raw[5:])
		hashes = append(hashes, h.HashCode(userID, raw))
	}
	return shown, hashes
}

func randomCode() string {
	b := make([]byte, backupCodeLength)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	for i := range b {
		b[i] = crockford[b[i]&31] // 256 is a multiple of 32: no bias
	}
	return string(b)
}

// backupCodeSeparators are what the design's pattern of a backup code
// allows between its characters: hyphens and RE2's \s.
const backupCodeSeparators = "- \t\n\f\r"

// normalizeBackupCode lower-cases the input, drops separators (hyphens and
// white space, line breaks included), and reads o as 0 and i, l as 1
// (Crockford). ok is false when what is left cannot be a code.
func normalizeBackupCode(in string) (code string, ok bool) {
	var b strings.Builder
	for _, r := range strings.ToLower(in) {
		switch {
		case strings.ContainsRune(backupCodeSeparators, r):
			continue
		case r == 'o':
			r = '0'
		case r == 'i' || r == 'l':
			r = '1'
		}
		if !strings.ContainsRune(crockford, r) {
			return "", false
		}
		b.WriteRune(r)
	}
	if b.Len() != backupCodeLength {
		return "", false
	}
	return b.String(), true
}
