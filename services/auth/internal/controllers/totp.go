package controllers

import (
	"bytes"
	"crypto/rand"
	"encoding/base32"
	"encoding/base64"
	"fmt"
	"image/png"
	"net/url"
	"strings"
	"time"

	"github.com/pquerna/otp"
	"github.com/pquerna/otp/hotp"
)

// RFC 6238 parameters of services/auth/README.md, TOTP and backup codes.
const (
	totpPeriod     = 30 // seconds per time step
	totpSkew       = 1  // steps accepted on each side of the current one
	totpSecretSize = 20 // bytes: 160 bits
	qrSize         = 256
)

var (
	totpEncoding = base32.StdEncoding.WithPadding(base32.NoPadding)
	hotpOpts     = hotp.ValidateOpts{Digits: otp.DigitsSix, Algorithm: otp.AlgorithmSHA1}
)

// newTOTPSecret returns 160 random bits.
func newTOTPSecret() []byte {
	b := make([]byte, totpSecretSize)
	_, _ = rand.Read(b) // crypto/rand.Read never fails
	return b
}

// matchStep returns the time step, within the skew around now, whose code
// is code, or -1. Every candidate is checked, in constant time each
// (pquerna/otp compares with subtle.ConstantTimeCompare), so the time taken
// does not tell which step matched. When several match, the latest wins.
func matchStep(secret []byte, code string, now time.Time) int64 {
	b32 := totpEncoding.EncodeToString(secret)
	current := now.Unix() / totpPeriod
	matched := int64(-1)
	for step := current - totpSkew; step <= current+totpSkew; step++ {
		if step < 1 {
			continue
		}
		ok, err := hotp.ValidateCustom(code, uint64(step), b32, hotpOpts)
		if err == nil && ok {
			matched = step
		}
	}
	return matched
}

// otpauthURL builds the key URI of services/auth/README.md, TOTP and backup codes, in its parameter
// order, which Google Authenticator, 1Password and oathtool all read.
func otpauthURL(issuer, account string, secret []byte) string {
	return "otpauth://totp/" + url.PathEscape(issuer) + ":" + url.PathEscape(account) +
		"?secret=" + totpEncoding.EncodeToString(secret) +
		"&issuer=" + queryEscape(issuer) +
		"&algorithm=SHA1&digits=6&period=30"
}

// queryEscape escapes a query value: unlike url.PathEscape it escapes '&',
// '=' and '+' (an issuer "R&D" would otherwise read as "R"), and unlike
// url.QueryEscape it writes a space as %20, which authenticator apps expect.
func queryEscape(s string) string {
	return strings.ReplaceAll(url.QueryEscape(s), "+", "%20")
}

// qrDataURI draws the URL as a PNG QR code in a data URI.
func qrDataURI(u string) (string, error) {
	key, err := otp.NewKeyFromURL(u)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	img, err := key.Image(qrSize, qrSize)
	if err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	var buf bytes.Buffer
	if err := png.Encode(&buf, img); err != nil {
		return "", fmt.Errorf("qr code: %w", err)
	}
	return "data:image/png;base64," + base64.StdEncoding.EncodeToString(buf.Bytes()), nil
}
