package controllers

import (
	"crypto/hmac"
	"crypto/sha1"
	"encoding/binary"
	"fmt"
	"strings"
	"testing"
	"time"
)

// FuzzMatchStep checks matchStep, which reads a TOTP code, against an
// RFC 4226 reference written here, for any secret, code and clock:
//   - it never panics (empty secrets, clocks before the epoch or at the
//     end of time included);
//   - it returns -1 or a positive step within the skew around the clock;
//   - it returns exactly the latest step of the window whose code is the
//     input, which holds six ASCII digits once surrounding white space is
//     trimmed (pquerna/otp trims it; the design's pattern keeps it out of
//     requests); anything else matches nothing;
//   - the code of the current step always matches.
func FuzzMatchStep(f *testing.F) {
	for _, v := range rfcVectors {
		f.Add(rfcSecret, v.totp[2:], v.unix)
	}
	f.Add(rfcSecret, " 081804\n", int64(1111111109))
	f.Add(rfcSecret, "081804", int64(1111111109+60))
	f.Add(rfcSecret, "０８１８０４", int64(1111111109))
	f.Add([]byte{}, "328482", int64(29))
	f.Add([]byte{0}, "", int64(-1))
	f.Add(rfcSecret, "94287082", int64(1<<62))

	f.Fuzz(func(t *testing.T, secret []byte, code string, unix int64) {
		now := time.Unix(unix, 0)
		current := unix / totpPeriod
		got := matchStep(secret, code, now)

		want := int64(-1)
		if trimmed := strings.TrimSpace(code); isSixDigits(trimmed) {
			for step := max(current-totpSkew, 1); step <= current+totpSkew; step++ {
				if referenceHOTP(secret, step) == trimmed {
					want = step
				}
			}
		}
		if got != want {
			t.Fatalf("matchStep(%x, %q, %d) = %d, want %d", secret, code, unix, got, want)
		}
		if current >= 1 {
			if got := matchStep(secret, referenceHOTP(secret, current), now); got < current {
				t.Fatalf("matchStep(%x) of the code of step %d = %d", secret, current, got)
			}
		}
	})
}

// referenceHOTP is RFC 4226's 6-digit HOTP with HMAC-SHA1, the algorithm
// of the otpauth URLs the service issues.
func referenceHOTP(secret []byte, counter int64) string {
	mac := hmac.New(sha1.New, secret)
	_ = binary.Write(mac, binary.BigEndian, counter)
	sum := mac.Sum(nil)
	offset := sum[len(sum)-1] & 0x0f
	value := binary.BigEndian.Uint32(sum[offset:]) & 0x7fffffff
	return fmt.Sprintf("%06d", value%1_000_000)
}

// isSixDigits reports whether s is six ASCII digits.
func isSixDigits(s string) bool {
	if len(s) != 6 {
		return false
	}
	for i := range len(s) {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}
