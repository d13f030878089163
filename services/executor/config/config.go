// Package config reads the executor's configuration from the environment,
// once, into a Config. Every variable is described in README.md beside this
// file.
package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of the executor.
type Config struct {
	// HTTPAddr is the listen address of the HTTP API (HTTP_ADDR).
	HTTPAddr string
	// AuthGRPCAddr is the auth service's gRPC address (AUTH_GRPC_ADDR).
	AuthGRPCAddr string
	// AuthTLS, when not nil, dials the auth service over TLS, with a client
	// certificate for mutual TLS when AUTH_TLS_CERT and AUTH_TLS_KEY are
	// set; AUTH_TLS_CA replaces the system roots.
	AuthTLS *tls.Config
	// AuthCacheSize is how many validations are cached (AUTH_CACHE_SIZE);
	// 0 disables the cache.
	AuthCacheSize int
	// AuthCacheTTL is how long a validation is cached at most
	// (AUTH_CACHE_TTL); 0 disables the cache.
	AuthCacheTTL time.Duration
	// Debug turns on debug logs (LOG_LEVEL=debug).
	Debug bool
	// ShutdownTimeout bounds the graceful shutdown (SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
}

// CacheEnabled reports whether validations are cached.
func (c *Config) CacheEnabled() bool { return c.AuthCacheSize > 0 && c.AuthCacheTTL > 0 }

// Load reads the configuration through getenv (os.Getenv in production). It
// returns every invalid variable at once, each error naming its variable,
// and warnings about values that are valid but unwise.
func Load(getenv func(string) string) (*Config, []string, error) {
	r := reader{getenv: getenv}
	c := &Config{
		HTTPAddr:        r.addr("HTTP_ADDR", ":8081", false),
		AuthGRPCAddr:    r.addr("AUTH_GRPC_ADDR", "127.0.0.1:9090", true),
		AuthTLS:         r.clientTLS("AUTH_TLS_CA", "AUTH_TLS_CERT", "AUTH_TLS_KEY"),
		AuthCacheSize:   r.nonNegativeInt("AUTH_CACHE_SIZE", 10000),
		AuthCacheTTL:    r.nonNegativeDuration("AUTH_CACHE_TTL", 30*time.Second),
		Debug:           r.logLevel("LOG_LEVEL"),
		ShutdownTimeout: r.positiveDuration("SHUTDOWN_TIMEOUT", 15*time.Second),
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if c.AuthTLS == nil && !isLoopback(c.AuthGRPCAddr) {
		warnings = append(warnings, "AUTH_GRPC_ADDR is not a loopback address and AUTH_TLS_* is not set: session tokens travel to the auth service in clear")
	}
	return c, warnings, nil
}

// reader collects one error per bad variable.
type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) fail(name, format string, args ...any) {
	r.errs = append(r.errs, fmt.Errorf("%s: %s", name, fmt.Sprintf(format, args...)))
}

func (r *reader) get(name string) string { return strings.TrimSpace(r.getenv(name)) }

// addr reads host:port; needHost refuses ":port", which is fine to listen
// on but not to dial.
func (r *reader) addr(name, def string, needHost bool) string {
	v := r.get(name)
	if v == "" {
		v = def
	}
	host, port, err := net.SplitHostPort(v)
	if err != nil {
		r.fail(name, "must be host:port, got %q", v)
		return v
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 || (needHost && n == 0) {
		r.fail(name, "has an invalid port %q", port)
	}
	if needHost && host == "" {
		r.fail(name, "must name a host, got %q", v)
	}
	return v
}

func (r *reader) nonNegativeInt(name string, def int) int {
	v := r.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.fail(name, "must be a whole number, 0 or more, got %q", v)
		return def
	}
	return n
}

func (r *reader) duration(name string, def time.Duration) (time.Duration, bool) {
	v := r.get(name)
	if v == "" {
		return def, true
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(name, "must be a duration such as 30s or 5m, got %q", v)
		return def, false
	}
	return d, true
}

func (r *reader) nonNegativeDuration(name string, def time.Duration) time.Duration {
	d, ok := r.duration(name, def)
	if ok && d < 0 {
		r.fail(name, "must not be negative, got %q", r.get(name))
	}
	return d
}

func (r *reader) positiveDuration(name string, def time.Duration) time.Duration {
	d, ok := r.duration(name, def)
	if ok && d <= 0 {
		r.fail(name, "must be positive, got %q", r.get(name))
	}
	return d
}

func (r *reader) logLevel(name string) bool {
	switch v := strings.ToLower(r.get(name)); v {
	case "", "info":
		return false
	case "debug":
		return true
	default:
		r.fail(name, "must be info or debug, got %q", v)
		return false
	}
}

// clientTLS reads the CA that signs the auth service's certificate and,
// for mutual TLS, this service's certificate. Any of them turns TLS on.
func (r *reader) clientTLS(caVar, certVar, keyVar string) *tls.Config {
	caFile, certFile, keyFile := r.get(caVar), r.get(certVar), r.get(keyVar)
	if caFile == "" && certFile == "" && keyFile == "" {
		return nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if caFile != "" {
		pem, err := os.ReadFile(caFile)
		if err != nil {
			r.fail(caVar, "cannot read the CA: %v", err)
			return nil
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			r.fail(caVar, "holds no PEM certificate")
			return nil
		}
		cfg.RootCAs = pool
	}
	switch {
	case certFile == "" && keyFile == "":
	case certFile == "" || keyFile == "":
		r.fail(certVar, "and %s must be set together", keyVar)
		return nil
	default:
		cert, err := tls.LoadX509KeyPair(certFile, keyFile)
		if err != nil {
			r.fail(certVar, "cannot load the certificate and key: %v", err)
			return nil
		}
		cfg.Certificates = []tls.Certificate{cert}
	}
	return cfg
}

func isLoopback(addr string) bool {
	host, _, err := net.SplitHostPort(addr)
	if err != nil {
		return false
	}
	if host == "localhost" {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
