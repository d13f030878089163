package controllers

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/crypto/bcrypt"
)

// newTestHasher returns a hasher at the lowest cost. It is safe to share
// between parallel tests: it is never written after creation.
func newTestHasher(t *testing.T) *passwordHasher {
	t.Helper()
	h, err := newPasswordHasher(testCost)
	if err != nil {
		t.Fatalf("newPasswordHasher: %v", err)
	}
	return h
}

func TestPasswordMatches(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t)
	long72 := strings.Repeat("a", 72)
	long100 := strings.Repeat("0123456789", 10)
	wide := strings.Repeat("密", 30) // 90 bytes, 30 characters
	tests := []struct {
		name    string
		stored  string
		attempt string
		want    bool
	}{
		{name: "case=same", stored: testPassword, attempt: testPassword, want: true},
		{name: "case=different case", stored: testPassword, attempt: strings.ToUpper(testPassword)},
		{name: "case=prefix", stored: testPassword, attempt: testPassword[:len(testPassword)-1]},
		{name: "case=longer", stored: testPassword, attempt: testPassword + " "},
		// bcrypt alone reads 72 bytes and would accept these.
		{name: "case=differs after 72 bytes", stored: long72 + "X", attempt: long72 + "Y"},
		{name: "case=differs after 100 bytes", stored: long100 + "X", attempt: long100 + "Y"},
		{name: "case=extended after 72 bytes", stored: long72, attempt: long72 + "Y"},
		{name: "case=differs after 72 bytes of multibyte", stored: wide + "1", attempt: wide + "2"},
		{name: "case=long same", stored: long100 + "X", attempt: long100 + "X", want: true},
		{name: "case=unicode same", stored: "pässwörd-密码-🔑-Ελληνικά", attempt: "pässwörd-密码-🔑-Ελληνικά", want: true},
		{name: "case=unicode differs", stored: "pässwörd-密码-🔑", attempt: "passwörd-密码-🔑"},
		{name: "case=unicode differs in emoji", stored: "pässwörd-密码-🔑", attempt: "pässwörd-密码-🔒"},
		// NFKC makes compatible forms equal: what two keyboards type for
		// the same characters.
		{name: "case=nfkc ligature", stored: "\ufb01nal password", attempt: "final password", want: true},
		{name: "case=nfkc ligature reversed", stored: "final password", attempt: "\ufb01nal password", want: true},
		{name: "case=nfkc composed and decomposed", stored: "caf\u00e9 au lait", attempt: "cafe\u0301 au lait", want: true},
		{name: "case=nfkc full width", stored: "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", attempt: "password", want: true},
		// NFKC is no case folding: ß and ss stay apart.
		{name: "case=nfkc does not fold", stored: "straße-password", attempt: "strasse-password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hash, err := h.hash(tt.stored)
			if err != nil {
				t.Fatalf("hash: %v", err)
			}
			if !h.matches(hash, tt.stored) {
				t.Fatal("the hash does not match its own password")
			}
			if got := h.matches(hash, tt.attempt); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPasswordMatchesNoHash(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t)
	tests := []struct {
		name     string
		hash     []byte
		password string
	}{
		{name: "case=nil hash", hash: nil, password: testPassword},
		{name: "case=nil hash, empty password", hash: nil, password: ""},
		// The dummy hash's own password must not open unknown accounts.
		{name: "case=nil hash, dummy password", hash: nil, password: "not a password anyone has: it only spends time"},
		{name: "case=empty hash", hash: []byte{}, password: testPassword},
		{name: "case=not a bcrypt hash", hash: []byte("plaintext"), password: "plaintext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if h.matches(tt.hash, tt.password) {
				t.Error("matches = true, want false")
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t)
	first, err := h.hash(testPassword)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	second, err := h.hash(testPassword)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	if bytes.Equal(first, second) {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !h.matches(first, testPassword) || !h.matches(second, testPassword) {
		t.Error("a hash does not match its password")
	}
	if bytes.Contains(first, []byte(testPassword)) {
		t.Error("the hash contains the password")
	}
	if cost, err := bcrypt.Cost(first); err != nil || cost != testCost {
		t.Errorf("cost = %d, %v; want %d", cost, err, testCost)
	}
}

func TestPrehash(t *testing.T) {
	t.Parallel()
	for _, password := range []string{"", testPassword, strings.Repeat("密", 128)} {
		got := prehash(password)
		// 44 bytes fit in bcrypt's 72, and a NUL would end its input.
		if len(got) != 44 || bytes.IndexByte(got, 0) >= 0 {
			t.Errorf("prehash(%d bytes) = %q, want 44 bytes without NUL", len(password), got)
		}
	}
}

func TestNewPasswordHasherCost(t *testing.T) {
	t.Parallel()
	for _, cost := range []int{-1, 0, bcrypt.MinCost - 1, bcrypt.MaxCost + 1} {
		if h, err := newPasswordHasher(cost); err == nil || h != nil {
			t.Errorf("newPasswordHasher(%d) = %v, %v; want an error", cost, h, err)
		}
	}
}
