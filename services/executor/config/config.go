// Package config reads the executor's configuration from the environment,
// once, into a Config. Every variable is described in README.md beside this
// file.
package config

import (
	"strings"
	"time"

	"github.com/infrastructure/platform/internal/envconfig"
	"github.com/infrastructure/platform/internal/tlsreload"
	"github.com/infrastructure/platform/services/auth/client"
)

// Config is the whole configuration of the executor.
type Config struct {
	// HTTPAddr is the listen address of the HTTP API (HTTP_ADDR).
	HTTPAddr string
	// AuthGRPCAddr is the auth service's gRPC address (AUTH_GRPC_ADDR).
	AuthGRPCAddr string
	// AuthTLS, when not nil, names the PEM files of TLS to the auth
	// service: a client certificate for mutual TLS when AUTH_TLS_CERT and
	// AUTH_TLS_KEY are set; AUTH_TLS_CA replaces the system roots. The
	// files are re-read for each new connection.
	AuthTLS *tlsreload.Files
	// AuthCookieName is the auth service's session cookie
	// (AUTH_COOKIE_NAME; unset: __Host-session, or session with
	// COOKIE_SECURE=false, as the auth service names it).
	AuthCookieName string
	// AuthTimeout bounds each call to the auth service (AUTH_TIMEOUT).
	AuthTimeout time.Duration
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
	r := envconfig.New(getenv)
	c := &Config{
		HTTPAddr:        r.ListenAddr("HTTP_ADDR", ":8081"),
		AuthGRPCAddr:    r.DialAddr("AUTH_GRPC_ADDR", "127.0.0.1:9090"),
		AuthTLS:         clientTLS(r, "AUTH_TLS_CA", "AUTH_TLS_CERT", "AUTH_TLS_KEY"),
		AuthCookieName:  cookieName(r, "AUTH_COOKIE_NAME"),
		AuthTimeout:     r.Duration("AUTH_TIMEOUT", 2*time.Second),
		AuthCacheSize:   r.NonNegativeInt("AUTH_CACHE_SIZE", 10000),
		AuthCacheTTL:    r.NonNegativeDuration("AUTH_CACHE_TTL", 30*time.Second),
		Debug:           r.Debug("LOG_LEVEL"),
		ShutdownTimeout: r.Duration("SHUTDOWN_TIMEOUT", 15*time.Second),
	}
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if c.AuthTLS == nil && !envconfig.IsLoopback(c.AuthGRPCAddr) {
		warnings = append(warnings, "AUTH_GRPC_ADDR is not a loopback address and AUTH_TLS_* is not set: session tokens travel to the auth service in clear")
	}
	return c, warnings, nil
}

// clientTLS names the CA that signs the auth service's certificate and,
// for mutual TLS, this service's certificate, after checking that they
// load. Any of them turns TLS on.
func clientTLS(r *envconfig.Reader, caVar, certVar, keyVar string) *tlsreload.Files {
	files := &tlsreload.Files{CA: r.String(caVar), Cert: r.String(certVar), Key: r.String(keyVar)}
	if *files == (tlsreload.Files{}) {
		return nil
	}
	if files.CA != "" && r.CertPool(caVar) == nil {
		return nil
	}
	if (files.Cert != "" || files.Key != "") && r.KeyPair(certVar, keyVar) == nil {
		return nil
	}
	return files
}

// cookieName reads the name of the session cookie: unset, the one the
// auth service uses under the same COOKIE_SECURE (so that one setting in
// a shared environment, such as the compose stack's, serves both).
func cookieName(r *envconfig.Reader, name string) string {
	v := r.String(name)
	if v == "" {
		if r.Bool("COOKIE_SECURE", true) {
			return client.DefaultCookieName
		}
		return "session"
	}
	if !validCookieName(v) {
		r.Fail(name, "%q is not a cookie name", v)
	}
	return v
}

// validCookieName: an RFC 6265 token (no separators, controls or spaces).
func validCookieName(v string) bool {
	for _, c := range v {
		if c <= ' ' || c >= 0x7f || strings.ContainsRune("()<>@,;:\\\"/[]?={}", c) {
			return false
		}
	}
	return true
}
