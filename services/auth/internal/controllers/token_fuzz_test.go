package controllers

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"strings"
	"testing"
)

// FuzzWellFormedToken checks wellFormedToken, which decides whether a
// bearer token or cookie value is worth a database read, on any string:
//   - it never panics;
//   - a string it accepts is the one unpadded base64url spelling of 32
//     bytes (no line breaks, padding bits or padding): one token, one
//     string, one hash;
//   - the spelling of any 32 bytes is accepted and of any other length
//     refused, so every token newToken can issue is well formed;
//   - hashToken is the SHA-256 of the string as sent.
func FuzzWellFormedToken(f *testing.F) {
	const token = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8" // bytes 0 to 31
	f.Add(token, bytes.Repeat([]byte{0xff}, tokenBytes))
	f.Add(token[:tokenLen-1]+"B", []byte{})             // non-zero padding bits
	f.Add(token[:20]+"\n"+token[21:], make([]byte, 31)) // a line break
	f.Add(strings.TrimRight(base64.URLEncoding.EncodeToString(make([]byte, tokenBytes)), "=")+"=", make([]byte, 33))
	f.Add(strings.Repeat("+", tokenLen), []byte("0123456789abcdef0123456789abcdef"))
	f.Add("Bearer "+token, []byte(nil))

	f.Fuzz(func(t *testing.T, s string, raw []byte) {
		if wellFormedToken(s) {
			b, err := base64.RawURLEncoding.Strict().DecodeString(s)
			if err != nil || len(b) != tokenBytes || base64.RawURLEncoding.EncodeToString(b) != s {
				t.Fatalf("wellFormedToken(%q) accepted what is not the spelling of %d bytes", s, tokenBytes)
			}
		}
		spelled := base64.RawURLEncoding.EncodeToString(raw)
		if got := wellFormedToken(spelled); got != (len(raw) == tokenBytes) {
			t.Fatalf("wellFormedToken(%q), the spelling of %d bytes = %t", spelled, len(raw), got)
		}
		if sum := sha256.Sum256([]byte(s)); !bytes.Equal(hashToken(s), sum[:]) {
			t.Fatalf("hashToken(%q) is not its SHA-256", s)
		}
	})
}
