package controllers

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/bcrypt"
	"golang.org/x/text/unicode/norm"
)

// errPasswordsBusy means too many passwords are being hashed: the request
// waited its turn for too long.
var errPasswordsBusy = errors.New("too many password checks in progress")

// passwordHasher hashes passwords with bcrypt without its 72-byte limit,
// and at most a few at a time.
//
// bcrypt reads at most 72 bytes, so two long passwords that share a prefix
// would collide. The password (NFKC-normalized, as NIST SP 800-63B advises,
// so that the same characters typed on two keyboards match) is first hashed
// with SHA-256 and base64-encoded: 44 bytes, all of them significant, and no
// NUL byte for bcrypt to stop at.
//
// bcrypt is meant to be slow: a login flood would take every CPU and starve
// session validation and health checks. A semaphore (one slot per CPU by
// default) bounds the hashes in flight; a request that cannot get a slot
// within the wait fails with errPasswordsBusy (503) instead of queueing
// forever.
type passwordHasher struct {
	cost  int
	dummy []byte // a real hash at cost, compared against for unknown emails
	slots chan struct{}
	wait  time.Duration
}

func newPasswordHasher(cost, concurrency int, wait time.Duration) (*passwordHasher, error) {
	if cost < bcrypt.MinCost || cost > bcrypt.MaxCost {
		return nil, fmt.Errorf("bcrypt cost %d out of range %d..%d", cost, bcrypt.MinCost, bcrypt.MaxCost)
	}
	if concurrency < 1 {
		return nil, fmt.Errorf("password hashing concurrency %d: at least 1", concurrency)
	}
	h := &passwordHasher{cost: cost, slots: make(chan struct{}, concurrency), wait: wait}
	dummy, err := bcrypt.GenerateFromPassword(prehash("not a password anyone has: it only spends time"), cost)
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

// acquire takes a hashing slot, waiting at most h.wait.
func (h *passwordHasher) acquire(ctx context.Context) (release func(), err error) {
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	default:
	}
	t := time.NewTimer(h.wait)
	defer t.Stop()
	select {
	case h.slots <- struct{}{}:
		return func() { <-h.slots }, nil
	case <-t.C:
		return nil, errPasswordsBusy
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}

// hash returns the bcrypt hash of password.
func (h *passwordHasher) hash(ctx context.Context, password string) ([]byte, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return nil, err
	}
	defer release()
	out, err := bcrypt.GenerateFromPassword(prehash(password), h.cost)
	if err != nil {
		return nil, fmt.Errorf("hash password: %w", err)
	}
	return out, nil
}

// matches reports whether password matches hash. bcrypt compares in
// constant time. A nil hash (unknown account) is compared against the dummy
// hash, so that both cases cost one bcrypt computation.
func (h *passwordHasher) matches(ctx context.Context, hash []byte, password string) (bool, error) {
	release, err := h.acquire(ctx)
	if err != nil {
		return false, err
	}
	defer release()
	if hash == nil {
		_ = bcrypt.CompareHashAndPassword(h.dummy, prehash(password))
		return false, nil
	}
	return bcrypt.CompareHashAndPassword(hash, prehash(password)) == nil, nil
}
