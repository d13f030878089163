// Package envconfig reads the services' configuration from the environment.
// A Reader collects one error per bad variable instead of stopping at the
// first, so that a service names every mistake at start-up; each error starts
// with the variable's name ("HTTP_ADDR: ..."). Service-specific variables
// are read in the service's config package with String and Fail.
package envconfig

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"os"
	"strconv"
	"strings"
	"time"
)

// Reader reads variables through a getenv function (os.Getenv in
// production, a map in tests) and collects their errors.
type Reader struct {
	getenv func(string) string
	errs   []error
}

// New returns a Reader over getenv.
func New(getenv func(string) string) *Reader { return &Reader{getenv: getenv} }

// Err returns every error collected so far, joined (one line each), or nil.
func (r *Reader) Err() error { return errors.Join(r.errs...) }

// Fail records an error about the variable name; the message follows the
// name and a colon. Messages must not echo values that may be secret.
func (r *Reader) Fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

// String returns the variable without surrounding spaces; "" when unset.
func (r *Reader) String(name string) string { return strings.TrimSpace(r.getenv(name)) }

// List returns the non-empty items of a comma-separated variable.
func (r *Reader) List(name string) []string {
	var out []string
	for _, s := range strings.Split(r.String(name), ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

// Bool reads true or false (any form strconv.ParseBool accepts); def when
// unset or invalid.
func (r *Reader) Bool(name string, def bool) bool {
	v := r.String(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.Fail(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

// Int reads an integer from lo to hi; def when unset or invalid.
func (r *Reader) Int(name string, def, lo, hi int) int {
	v := r.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.Fail(name, "must be an integer from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

// NonNegativeInt reads an integer, 0 or more, with no upper bound; def when
// unset or invalid.
func (r *Reader) NonNegativeInt(name string, def int) int {
	v := r.String(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.Fail(name, "must be a whole number, 0 or more, got %q", v)
		return def
	}
	return n
}

// Duration reads a positive duration such as 30m; def when unset.
func (r *Reader) Duration(name string, def time.Duration) time.Duration {
	d, ok := r.duration(name, def)
	if ok && d <= 0 {
		r.Fail(name, "must be positive, got %q", r.String(name))
	}
	return d
}

// NonNegativeDuration reads a duration, 0 or more (0 usually turns
// something off); def when unset.
func (r *Reader) NonNegativeDuration(name string, def time.Duration) time.Duration {
	d, ok := r.duration(name, def)
	if ok && d < 0 {
		r.Fail(name, "must not be negative, got %q", r.String(name))
	}
	return d
}

// duration parses the variable; ok is false when it did not parse (the
// error is recorded and d is def).
func (r *Reader) duration(name string, def time.Duration) (d time.Duration, ok bool) {
	v := r.String(name)
	if v == "" {
		return def, true
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.Fail(name, "must be a duration such as 30m or 12h, got %q", v)
		return def, false
	}
	return d, true
}

// Debug reads a log level, info or debug (in any case), and reports
// whether it is debug; unset means info.
func (r *Reader) Debug(name string) bool {
	switch v := strings.ToLower(r.String(name)); v {
	case "", "info":
		return false
	case "debug":
		return true
	default:
		r.Fail(name, "must be info or debug, got %q", v)
		return false
	}
}

// ListenAddr reads an address to listen on, host:port or :port; def when
// unset. It returns "" when both are empty: the listener is off.
func (r *Reader) ListenAddr(name, def string) string {
	v := r.String(name)
	if v == "" {
		v = def
	}
	if v == "" {
		return ""
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		r.Fail(name, "must be host:port or :port, got %q", v)
		return v
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		r.Fail(name, "has an invalid port %q", port)
	}
	return v
}

// DialAddr reads an address to dial, host:port with a host and a port
// other than 0 (both are fine to listen on, not to dial); def when unset.
func (r *Reader) DialAddr(name, def string) string {
	v := r.String(name)
	if v == "" {
		v = def
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		r.Fail(name, "must be host:port, got %q", v)
		return v
	}
	if n, err := strconv.Atoi(port); err != nil || n <= 0 || n > 65535 {
		r.Fail(name, "has an invalid port %q", port)
	}
	if host == "" {
		r.Fail(name, "must name a host, got %q", v)
	}
	return v
}

// CertPool reads the PEM certificates of the file the variable names, for
// RootCAs or ClientCAs. It returns nil when the variable is unset, and nil
// with an error recorded when the file cannot be read or holds no
// certificate.
func (r *Reader) CertPool(name string) *x509.CertPool {
	file := r.String(name)
	if file == "" {
		return nil
	}
	pem, err := os.ReadFile(file)
	if err != nil {
		r.Fail(name, "cannot read the CA: %v", err)
		return nil
	}
	pool := x509.NewCertPool()
	if !pool.AppendCertsFromPEM(pem) {
		r.Fail(name, "holds no PEM certificate")
		return nil
	}
	return pool
}

// KeyPair loads the PEM certificate and key of the files certVar and keyVar
// name; they go together. It returns nil when neither is set, and nil with
// an error recorded (under certVar) when only one is set or the pair does
// not load.
func (r *Reader) KeyPair(certVar, keyVar string) *tls.Certificate {
	certFile, keyFile := r.String(certVar), r.String(keyVar)
	switch {
	case certFile == "" && keyFile == "":
		return nil
	case certFile == "" || keyFile == "":
		r.Fail(certVar, "and %s must be set together", keyVar)
		return nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		r.Fail(certVar, "cannot load the certificate and key: %v", err)
		return nil
	}
	return &cert
}

// IsLoopback reports whether addr (host:port) names only this host: a
// loopback IP or "localhost". An empty host (":9090", every interface) is
// not loopback.
func IsLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if strings.EqualFold(host, "localhost") {
		return true
	}
	ip, err := netip.ParseAddr(host)
	return err == nil && ip.IsLoopback()
}
