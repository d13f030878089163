package controllers

import (
	"strings"
	"testing"
	"unicode"

	genhttp "github.com/infrastructure/platform/services/auth/gen/http/auth/server"
)

// FuzzNormalizeBackupCode checks normalizeBackupCode on any input:
//   - it never panics, and a refusal returns no code;
//   - an accepted code is 10 symbols of Crockford's base32, lower case;
//   - normalizing is idempotent and blind to presentation: the code as
//     shown (xxxxx-xxxxx) or in upper case normalizes to itself;
//   - an accepted input has exactly 10 characters besides separators;
//   - every input that the design's pattern lets through, and whose letters
//     are Crockford symbols or their aliases (o, i, l), is accepted: a code
//     the API lets in is never refused for its separators.
func FuzzNormalizeBackupCode(f *testing.F) {
	for _, seed := range []string{
		"k7vq2-m9xr4", "K7VQ2 M9XR4", " k7vq2\tm9xr4 ", "-k-7-v-q-2-m-9-x-r-4-",
		"o0Ooo-00000", "iIlL1-11111", "uuuuu-uuuuu", "k7vq2-m9xr", "k7vq2-m9xr4x",
		"k7vq2_m9xr4", "k7vq2-m9xré", "k7vq2-m9xr４", "\u212a7vq2-m9xr4", "",
	} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, in string) {
		code, ok := normalizeBackupCode(in)
		if !ok {
			if code != "" {
				t.Fatalf("normalizeBackupCode(%q) refused it but returned %q", in, code)
			}
			if crockfordUnderPattern(in) {
				t.Fatalf("normalizeBackupCode(%q) refused a code that the design's pattern lets in", in)
			}
			return
		}
		if len(code) != backupCodeLength || strings.Trim(code, crockford) != "" {
			t.Fatalf("normalizeBackupCode(%q) = %q, want %d symbols of %q", in, code, backupCodeLength, crockford)
		}
		for _, shown := range []string{code, code[:5] + "-" + code[5:], strings.ToUpper(code)} {
			if again, ok := normalizeBackupCode(shown); !ok || again != code {
				t.Fatalf("normalizeBackupCode(%q) = %q, %t; want %q, the code of %q", shown, again, ok, code, in)
			}
		}
		if n := len([]rune(strings.Map(dropSeparators, in))); n != backupCodeLength {
			t.Fatalf("normalizeBackupCode(%q) accepted %d characters besides separators", in, n)
		}
	})
}

// crockfordUnderPattern reports whether the design's pattern of a backup
// code accepts in and every letter of it is a Crockford symbol or alias.
func crockfordUnderPattern(in string) bool {
	if genhttp.ValidateBackupVerifyRequestBody(&genhttp.BackupVerifyRequestBody{Code: &in}) != nil {
		return false
	}
	for _, r := range strings.ToLower(in) {
		if unicode.IsLetter(r) && !strings.ContainsRune(crockford+"oil", r) {
			return false
		}
	}
	return true
}

// dropSeparators removes the characters that the design's pattern treats
// as separators (RE2's \s and the hyphen), for strings.Map. It spells
// them out rather than use backupCodeSeparators: it is the test's own
// reading of the pattern.
func dropSeparators(r rune) rune {
	if strings.ContainsRune("\t\n\f\r -", r) {
		return -1
	}
	return r
}
