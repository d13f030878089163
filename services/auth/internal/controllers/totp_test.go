package controllers

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/pquerna/otp"
)

// rfcSecret is the SHA-1 seed of RFC 6238 Appendix B.
var rfcSecret = []byte("12345678901234567890")

// rfcVectors are the SHA-1 rows of RFC 6238 Appendix B: Unix time and the
// 8-digit TOTP value, of which a 6-digit code is the last 6 digits.
var rfcVectors = []struct {
	unix int64
	totp string
}{
	{59, "94287082"},
	{1111111109, "07081804"},
	{1111111111, "14050471"},
	{1234567890, "89005924"},
	{2000000000, "69279037"},
	{20000000000, "65353130"},
}

func TestMatchStepRFC6238(t *testing.T) {
	t.Parallel()
	for _, v := range rfcVectors {
		code := v.totp[2:]
		step := v.unix / totpPeriod
		t.Run(fmt.Sprintf("case=t=%d", v.unix), func(t *testing.T) {
			t.Parallel()
			tests := []struct {
				name   string
				offset time.Duration
				want   int64
			}{
				{name: "at=exact", want: step},
				{name: "at=30s before", offset: -30 * time.Second, want: step},
				{name: "at=30s after", offset: 30 * time.Second, want: step},
				{name: "at=60s before", offset: -60 * time.Second, want: -1},
				{name: "at=60s after", offset: 60 * time.Second, want: -1},
			}
			for _, tt := range tests {
				t.Run(tt.name, func(t *testing.T) {
					t.Parallel()
					at := time.Unix(v.unix, 0).Add(tt.offset)
					if at.Unix() < 0 {
						// Before the epoch Go's division truncates towards
						// zero where RFC 6238 floors; no clock is there.
						t.Skip("before the epoch")
					}
					if got := matchStep(rfcSecret, code, at); got != tt.want {
						t.Errorf("matchStep(%s, %d) = %d, want %d", code, at.Unix(), got, tt.want)
					}
				})
			}
		})
	}
}

func TestMatchStepWrongCode(t *testing.T) {
	t.Parallel()
	at := time.Unix(1111111109, 0)
	right := "081804"
	tests := []struct {
		name string
		code string
	}{
		{name: "case=off by one", code: "081805"},
		{name: "case=all zero", code: "000000"},
		{name: "case=empty", code: ""},
		{name: "case=five digits", code: right[:5]},
		{name: "case=seven digits", code: right + "0"},
		{name: "case=eight-digit value", code: "07081804"},
		{name: "case=letters", code: "abcdef"},
		{name: "case=inner space", code: "081 804"},
		{name: "case=full-width digits", code: "０８１８０４"},
	}
	if got := matchStep(rfcSecret, right, at); got != 1111111109/totpPeriod {
		t.Fatalf("matchStep of the right code = %d, want %d", got, 1111111109/totpPeriod)
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if got := matchStep(rfcSecret, tt.code, at); got != -1 {
				t.Errorf("matchStep(%q) = %d, want -1", tt.code, got)
			}
		})
	}
}

func TestMatchStepOtherSecret(t *testing.T) {
	t.Parallel()
	other := bytes.Repeat([]byte{0x42}, totpSecretSize)
	for _, v := range rfcVectors {
		if got := matchStep(other, v.totp[2:], time.Unix(v.unix, 0)); got != -1 {
			t.Errorf("t=%d: the code of another secret matched step %d", v.unix, got)
		}
	}
}

func TestOtpauthURL(t *testing.T) {
	t.Parallel()
	const b32 = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ" // base32 of rfcSecret
	tests := []struct {
		name    string
		issuer  string
		account string
		want    string
	}{
		{
			name: "case=plain", issuer: "Infrastructure", account: "ada@example.com",
			want: "otpauth://totp/Infrastructure:ada@example.com?secret=" + b32 + "&issuer=Infrastructure&algorithm=SHA1&digits=6&period=30",
		},
		{
			name: "case=space in issuer", issuer: "Test Issuer", account: "ada@example.com",
			want: "otpauth://totp/Test%20Issuer:ada@example.com?secret=" + b32 + "&issuer=Test%20Issuer&algorithm=SHA1&digits=6&period=30",
		},
		{
			name: "case=ampersand in issuer", issuer: "R&D", account: "ada@example.com",
			want: "otpauth://totp/R&D:ada@example.com?secret=" + b32 + "&issuer=R%26D&algorithm=SHA1&digits=6&period=30",
		},
		{
			name: "case=plus in issuer and account", issuer: "A+B", account: "ada+mfa@example.com",
			want: "otpauth://totp/A+B:ada+mfa@example.com?secret=" + b32 + "&issuer=A%2BB&algorithm=SHA1&digits=6&period=30",
		},
		{
			name: "case=non-ascii issuer", issuer: "Ünïcode", account: "ada@example.com",
			want: "otpauth://totp/%C3%9Cn%C3%AFcode:ada@example.com?secret=" + b32 + "&issuer=%C3%9Cn%C3%AFcode&algorithm=SHA1&digits=6&period=30",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := otpauthURL(tt.issuer, tt.account, rfcSecret)
			if got != tt.want {
				t.Errorf("otpauthURL =\n%s\nwant\n%s", got, tt.want)
			}
			// What an authenticator app reads back.
			key, err := otp.NewKeyFromURL(got)
			if err != nil {
				t.Fatalf("NewKeyFromURL: %v", err)
			}
			if key.Type() != "totp" || key.Issuer() != tt.issuer || key.AccountName() != tt.account || key.Secret() != b32 {
				t.Errorf("key = %s, %q, %q, %s; want totp, %q, %q, %s", key.Type(), key.Issuer(), key.AccountName(), key.Secret(), tt.issuer, tt.account, b32)
			}
			if key.Period() != 30 || key.Digits() != otp.DigitsSix || key.Algorithm() != otp.AlgorithmSHA1 {
				t.Errorf("key parameters = %d, %v, %v; want 30, 6, SHA1", key.Period(), key.Digits(), key.Algorithm())
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatalf("url.Parse: %v", err)
			}
			if q := u.Query(); len(q) != 5 || q.Get("issuer") != tt.issuer {
				t.Errorf("query = %v, want 5 parameters with issuer %q", q, tt.issuer)
			}
		})
	}
}

func TestNewTOTPSecret(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		secret := newTOTPSecret()
		if len(secret) != 20 {
			t.Fatalf("secret of %d bytes, want 20 (160 bits)", len(secret))
		}
		b32 := totpEncoding.EncodeToString(secret)
		if len(b32) != 32 || strings.ContainsRune(b32, '=') {
			t.Fatalf("base32 %q: want 32 characters without padding", b32)
		}
		if seen[b32] {
			t.Fatal("secret returned twice")
		}
		seen[b32] = true
	}
}

func TestQRDataURI(t *testing.T) {
	t.Parallel()
	const prefix = "data:image/png;base64,"
	uri, err := qrDataURI(otpauthURL("Test Issuer", "ada@example.com", rfcSecret))
	if err != nil {
		t.Fatalf("qrDataURI: %v", err)
	}
	if !strings.HasPrefix(uri, prefix) {
		t.Fatalf("qr code %.40q... does not start with %q", uri, prefix)
	}
	raw, err := base64.StdEncoding.DecodeString(strings.TrimPrefix(uri, prefix))
	if err != nil {
		t.Fatalf("base64: %v", err)
	}
	img, err := png.Decode(bytes.NewReader(raw))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	if b := img.Bounds(); b.Dx() != qrSize || b.Dy() != qrSize {
		t.Errorf("image %dx%d, want %dx%d", b.Dx(), b.Dy(), qrSize, qrSize)
	}
}

func TestQRDataURIInvalidURL(t *testing.T) {
	t.Parallel()
	if uri, err := qrDataURI("otpauth://%zz"); err == nil || uri != "" {
		t.Errorf("qrDataURI of a malformed URL = %.40q, %v; want an error", uri, err)
	}
}
