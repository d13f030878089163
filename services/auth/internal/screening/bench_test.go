package screening

import (
	"fmt"
	"strconv"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// worstCases are inputs of 128 characters, the most Check accepts, built
// to be expensive: long, repetitive, dense in substitution characters,
// outside ASCII, or guessable in every window.
func worstCases() []struct{ name, password string } {
	var counting, dates strings.Builder
	for i := 0; counting.Len() < 128; i++ {
		counting.WriteString(strconv.Itoa(i))
	}
	for d := 0; dates.Len() < 128; d++ {
		fmt.Fprintf(&dates, "%04d%02d%02d", 1970+d/336, 1+d/28%12, 1+d%28)
	}
	// Six substitution characters read 24 ways, among letters, in every
	// window, never repeating.
	var sparse strings.Builder
	for i, x := 0, uint32(7); sparse.Len() < 128; i++ {
		if i%3 == 0 {
			sparse.WriteByte("([1|7+"[i/3%6])
			continue
		}
		x = x*1664525 + 1013904223
		sparse.WriteByte("qzjxkvwyhmnpfdur"[x>>28])
	}
	ascii := make([]byte, 128)
	for i := range ascii {
		ascii[i] = byte('!' + i%94)
	}
	return []struct{ name, password string }{
		{"repeated", strings.Repeat("p@ssw0rd", 16)},
		{"counting", counting.String()[:128]},
		{"dates", dates.String()[:128]},
		{"l33t", strings.Repeat("4@8(3691!|$57+%2", 8)},
		{"l33t-sparse", sparse.String()},
		{"ascii-sequence", string(ascii)},
		{"emoji", strings.Repeat("😀😁😂🤣😃😄😅😆", 16)},
		{"passphrase", phrase128},
	}
}

// BenchmarkCheck measures Check on a typical password, a common one, and
// the worst cases; then zxcvbn alone on the whole of each worst case, the
// cost that the windows of window.go bound.
//
// go test -run '^$' -bench Check -benchmem ./services/auth/internal/screening/
func BenchmarkCheck(b *testing.B) {
	for _, bc := range []struct{ name, password string }{
		{"typical", "violet-anchor-drifting-92"},
		{"common", "Password1"},
		{"common-variant", "Password2024!"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			for b.Loop() {
				_ = Check(bc.password, alice)
			}
		})
	}
	for _, bc := range worstCases() {
		if n := utf8.RuneCountInString(bc.password); n != maxLength {
			b.Fatalf("%s has %d characters, want %d", bc.name, n, maxLength)
		}
		b.Run("worst="+bc.name, func(b *testing.B) {
			for b.Loop() {
				_ = Check(bc.password, alice)
			}
		})
	}
	inputs := userInputs(alice)
	for _, bc := range worstCases() {
		b.Run("zxcvbn-whole="+bc.name, func(b *testing.B) {
			for b.Loop() {
				zxcvbn.PasswordStrength(bc.password, inputs)
			}
		})
	}
}
