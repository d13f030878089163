package controllers

import (
	"bytes"
	"math"
	"regexp"
	"strings"
	"testing"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// backupCodeShape is how a backup code is shown: two groups of five
// characters of Crockford's base32, lower case.
var backupCodeShape = regexp.MustCompile(`^[0-9a-z]{5}-[0-9a-z]{5}$`)

// requireBackupCodes fails unless codes is a fresh set of the user whose
// hashes, in order, are the keyring's salted (version 2) hashes of the
// normalized codes.
func requireBackupCodes(t *testing.T, f fixture, userID uuid.UUID, codes []string, hashes []ports.CodeHash) {
	t.Helper()
	if len(codes) != 10 || len(hashes) != 10 {
		t.Fatalf("%d codes and %d hashes, want 10 of each", len(codes), len(hashes))
	}
	seen := map[string]bool{}
	for i, code := range codes {
		if !backupCodeShape.MatchString(code) {
			t.Errorf("code %d %q is not shaped xxxxx-xxxxx", i, code)
		}
		if strings.ContainsAny(code, "ilou") {
			t.Errorf("code %d %q has a letter outside Crockford's alphabet", i, code)
		}
		normalized, ok := normalizeBackupCode(code)
		if !ok {
			t.Fatalf("code %d %q does not normalize", i, code)
		}
		if seen[normalized] {
			t.Errorf("code %q appears twice", code)
		}
		seen[normalized] = true
		want := f.keys.HashCode(userID, normalized)
		if !bytes.Equal(hashes[i].Hash, want.Hash) || hashes[i].KeyVersion != want.KeyVersion || hashes[i].HashVersion != ports.CodeHashV2 {
			t.Errorf("hash %d = %x@%d/v%d, want HashCode(%q) = %x@%d/v2", i, hashes[i].Hash, hashes[i].KeyVersion, hashes[i].HashVersion, normalized, want.Hash, want.KeyVersion)
		}
		if bytes.Contains(hashes[i].Hash, []byte(normalized)) {
			t.Errorf("hash %d contains its code", i)
		}
	}
}

func TestNewBackupCodes(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	all := map[string]bool{}
	user := uuid.New()
	for range 20 {
		codes, hashes := newBackupCodes(f.keys, user)
		requireBackupCodes(t, f, user, codes, hashes)
		for _, c := range codes {
			if all[c] {
				t.Fatalf("code %q in two sets", c)
			}
			all[c] = true
		}
	}
}

func TestBackupCodeEntropy(t *testing.T) {
	t.Parallel()
	if len(crockford) != 32 {
		t.Fatalf("alphabet of %d characters, want 32", len(crockford))
	}
	seen := map[rune]bool{}
	for _, r := range crockford {
		if seen[r] || strings.ContainsRune("ilou", r) {
			t.Fatalf("alphabet %q repeats or has an ambiguous letter", crockford)
		}
		seen[r] = true
	}
	if bits := float64(backupCodeLength) * math.Log2(float64(len(crockford))); bits < 50 {
		t.Errorf("a code carries %.0f bits, want at least 50", bits)
	}
}

// TestRandomCodeAlphabet checks that every character of the alphabet turns
// up, so that none is unreachable (and the entropy real).
func TestRandomCodeAlphabet(t *testing.T) {
	t.Parallel()
	count := map[rune]int{}
	for range 1000 {
		code := randomCode()
		if len(code) != backupCodeLength {
			t.Fatalf("randomCode = %q, want %d characters", code, backupCodeLength)
		}
		for _, r := range code {
			if !strings.ContainsRune(crockford, r) {
				t.Fatalf("randomCode = %q, outside the alphabet", code)
			}
			count[r]++
		}
	}
	if len(count) != len(crockford) {
		t.Errorf("%d characters of %d seen in 10000", len(count), len(crockford))
	}
}

func TestNormalizeBackupCode(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		in   string
		want string // "" when refused
	}{
		{name: "case=as shown", in: "k7vq2-m9xr4", want: "k7vq2m9xr4"},
		{name: "case=no hyphen", in: "k7vq2m9xr4", want: "k7vq2m9xr4"},
		{name: "case=upper case", in: "K7VQ2-M9XR4", want: "k7vq2m9xr4"},
		{name: "case=mixed case", in: "K7vQ2-m9Xr4", want: "k7vq2m9xr4"},
		{name: "case=spaces", in: " k7vq2 m9xr4 ", want: "k7vq2m9xr4"},
		{name: "case=tab", in: "k7vq2\tm9xr4", want: "k7vq2m9xr4"},
		{name: "case=hyphens everywhere", in: "-k-7-v-q-2-m-9-x-r-4-", want: "k7vq2m9xr4"},
		{name: "case=groups of two", in: "k7 vq 2m 9x r4", want: "k7vq2m9xr4"},
		{name: "case=o as zero", in: "o0Ooo-00000", want: "0000000000"},
		{name: "case=i and l as one", in: "iIlL1-11111", want: "1111111111"},
		{name: "case=too short", in: "k7vq2-m9xr", want: ""},
		{name: "case=too long", in: "k7vq2-m9xr4x", want: ""},
		{name: "case=empty", in: "", want: ""},
		{name: "case=only hyphens and spaces", in: " - - ", want: ""},
		{name: "case=u refused", in: "uuuuu-uuuuu", want: ""},
		{name: "case=one u", in: "k7vq2-m9xru", want: ""},
		{name: "case=underscore", in: "k7vq2_m9xr4", want: ""},
		{name: "case=dot", in: "k7vq2.m9xr4", want: ""},
		{name: "case=punctuation", in: "k7vq2!m9xr4", want: ""},
		{name: "case=newline", in: "k7vq2\nm9xr4", want: "k7vq2m9xr4"},
		{name: "case=line breaks and form feed", in: "\r\nk7vq2\r\n\fm9xr4\r\n", want: "k7vq2m9xr4"},
		{name: "case=vertical tab", in: "k7vq2\vm9xr4", want: ""},
		{name: "case=nul byte", in: "k7vq2\x00m9xr4", want: ""},
		{name: "case=non-ascii letter", in: "k7vq2-m9xré", want: ""},
		{name: "case=full-width digit", in: "k7vq2-m9xr４", want: ""},
		{name: "case=eleven characters with hyphen", in: "k7vq2m-9xr4a", want: ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got, ok := normalizeBackupCode(tt.in)
			if ok != (tt.want != "") || got != tt.want {
				t.Errorf("normalizeBackupCode(%q) = %q, %v; want %q, %v", tt.in, got, ok, tt.want, tt.want != "")
			}
		})
	}
}
