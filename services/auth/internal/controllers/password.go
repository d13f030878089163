package controllers

import (
	"crypto/sha256"
	"encoding/base64"
	"fmt"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// passwordHasher hashes passwords with bcrypt without its 72-byte limit.
//
// bcrypt reads at most 72 bytes, so two long passwords that share a prefix
// would collide. The password (NFKC-normalized, as NIST SP 800-63B advises,
// so that the same characters typed on two keyboards match) is first hashed
// with SHA-256 and base64-encoded: 44 bytes, all of them significant, and no
// NUL byte for bcrypt to stop at.
type passwordHasher struct {
	cost  int
	dummy []byte // a real hash at cost, compared against for unknown emails
}

func newPasswordHasher(cost int) (*passwordHasher, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	h := &passwordHasher{cost: cost}
	dummy, err := h.hash("not a password anyone has: it only spends time")
	if err != nil {
		return nil, err
	}
	h.dummy = dummy
	return h, nil
}

func prehash(password string) []byte {
	sum := sha256.Sum256([]byte(norm.NFKC.String(password)))
	out := make([]byte, base64.StdEncoding.EncodedLen(len(sum)))
	base64.StdEncoding.Encode(out, sum[:])
	return out
}

// hash returns the bcrypt hash of password.
func (h *passwordHasher) hash(password string) ([]byte, error) {
	out, err := bcrypt.GenerateFromPassword(prehash(password), h.cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return out, nil
}

// matches reports whether password matches hash. bcrypt compares in
// constant time. A nil hash (unknown account) is compared against the dummy
// hash, so that both cases cost one bcrypt computation.
func (h *passwordHasher) matches(hash []byte, password string) bool {
	if hash == nil {
		_ = bcrypt.CompareHashAndPassword(h.dummy, prehash(password))
		return false
	}
	return bcrypt.CompareHashAndPassword(hash, prehash(password)) == nil
}
