package controllers

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
)

// tokenBytes is the entropy of a session token: 256 bits.
const tokenBytes = 32

// tokenLen is the length of a token in unpadded base64url.
var tokenLen = base64.RawURLEncoding.EncodedLen(tokenBytes)

// newToken returns a fresh session token and the SHA-256 hash that is the
// only thing stored.
func newToken() (token string, hash []byte) {
	b := make([]byte, tokenBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (it crashes the program instead)
	token = base64.RawURLEncoding.EncodeToString(b)
	return token, hashToken(token)
}

// hashToken returns the SHA-256 of a token. Looking a token up by its hash
// through a unique index leaks nothing useful through timing: an attacker
// cannot choose hash prefixes.
func hashToken(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// wellFormedToken reports whether token can be one of ours, so that garbage
// is refused without a database read.
func wellFormedToken(token string) bool {
	if len(token) != tokenLen {
		return false
	}
	// Decoders skip \r and \n, and only Strict refuses non-zero padding
	// bits: without both checks, strings that are not ours would pass.
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	return err == nil && len(b) == tokenBytes
}
