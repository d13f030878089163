// Package config reads the executor's configuration from the environment,
// once, into a Config. Every variable is described in README.md beside this
// file.
package config

import (
	"crypto/tls"
	"net"
	"time"

	"github.com/infrastructure/platform/internal/envconfig"
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
	r := envconfig.New(getenv)
	c := &Config{
		HTTPAddr:        r.ListenAddr("HTTP_ADDR", ":8081"),
		AuthGRPCAddr:    r.DialAddr("AUTH_GRPC_ADDR", "127.0.0.1:9090"),
		AuthTLS:         clientTLS(r, "AUTH_TLS_CA", "AUTH_TLS_CERT", "AUTH_TLS_KEY"),
		AuthCacheSize:   r.NonNegativeInt("AUTH_CACHE_SIZE", 10000),
		AuthCacheTTL:    r.NonNegativeDuration("AUTH_CACHE_TTL", 30*time.Second),
		Debug:           r.Debug("LOG_LEVEL"),
		ShutdownTimeout: r.Duration("SHUTDOWN_TIMEOUT", 15*time.Second),
	}
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if c.AuthTLS == nil && !isLoopback(c.AuthGRPCAddr) {
		warnings = append(warnings, "AUTH_GRPC_ADDR is not a loopback address and AUTH_TLS_* is not set: session tokens travel to the auth service in clear")
	}
	return c, warnings, nil
}

// clientTLS reads the CA that signs the auth service's certificate and,
// for mutual TLS, this service's certificate. Any of them turns TLS on.
func clientTLS(r *envconfig.Reader, caVar, certVar, keyVar string) *tls.Config {
	if r.String(caVar) == "" && r.String(certVar) == "" && r.String(keyVar) == "" {
		return nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if r.String(caVar) != "" {
		if cfg.RootCAs = r.CertPool(caVar); cfg.RootCAs == nil {
			return nil
		}
	}
	if r.String(certVar) != "" || r.String(keyVar) != "" {
		cert := r.KeyPair(certVar, keyVar)
		if cert == nil {
			return nil
		}
		cfg.Certificates = []tls.Certificate{*cert}
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
