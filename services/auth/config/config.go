// Package config reads the auth service's configuration from the environment,
// once, into a Config. Every variable is described in README.md beside this
// file and in CONTRACT section 1.
package config

import (
	"crypto/tls"
	"crypto/x509"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/netip"
	"net/url"
	"os"
	"strconv"
	"strings"
	"time"
)

// Config is the whole configuration of the auth service.
type Config struct {
	// DatabaseURL is the PostgreSQL URL (DATABASE_URL, required).
	DatabaseURL string
	// DatabaseConnectTimeout bounds the retries of the first connection
	// (DATABASE_CONNECT_TIMEOUT).
	DatabaseConnectTimeout time.Duration
	// HTTPAddr is the listen address of the REST API (HTTP_ADDR).
	HTTPAddr string
	// GRPCAddr is the listen address of the gRPC API (GRPC_ADDR).
	GRPCAddr string
	// TOTPEncryptionKey is the 32-byte key that encrypts TOTP secrets at rest
	// (TOTP_ENCRYPTION_KEY, base64, required).
	TOTPEncryptionKey []byte
	// TOTPPreviousEncryptionKey, during a key rotation, still opens secrets
	// and checks backup codes made under it (TOTP_PREVIOUS_ENCRYPTION_KEY,
	// optional).
	TOTPPreviousEncryptionKey []byte
	// TOTPIssuer is the issuer shown in authenticator apps (TOTP_ISSUER).
	TOTPIssuer string
	// CookieSecure sets the Secure flag and the __Host- cookie name
	// (COOKIE_SECURE).
	CookieSecure bool
	// SessionIdleTimeout is how long a session lives without a refresh
	// (SESSION_IDLE_TIMEOUT).
	SessionIdleTimeout time.Duration
	// SessionAbsoluteTimeout is how long a session lives at most
	// (SESSION_ABSOLUTE_TIMEOUT).
	SessionAbsoluteTimeout time.Duration
	// BcryptCost is the password hashing cost (BCRYPT_COST).
	BcryptCost int
	// CORSAllowedOrigins are the origins allowed to call with credentials
	// (CORS_ALLOWED_ORIGINS).
	CORSAllowedOrigins []string
	// TrustedProxies are the networks whose X-Forwarded-For is believed
	// (TRUSTED_PROXIES).
	TrustedProxies []netip.Prefix
	// MetricsAddr, when set, serves /metrics there (METRICS_ADDR).
	MetricsAddr string
	// OTLPEndpoint, when set, exports traces over OTLP
	// (OTEL_EXPORTER_OTLP_ENDPOINT, the standard variable; the exporter
	// reads the other OTEL_EXPORTER_OTLP_* variables itself).
	OTLPEndpoint string
	// Debug turns on debug logs (LOG_LEVEL=debug).
	Debug bool
	// ShutdownTimeout bounds the graceful shutdown (SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// GRPCTLS, when not nil, serves gRPC over TLS; with GRPC_CLIENT_CA it
	// also requires client certificates signed by that CA (GRPC_TLS_CERT,
	// GRPC_TLS_KEY, GRPC_CLIENT_CA).
	GRPCTLS *tls.Config
	// SessionCleanupInterval is the time between two clean-ups of ended
	// sessions (SESSION_CLEANUP_INTERVAL).
	SessionCleanupInterval time.Duration
	// SessionRetention is how long an ended session is kept
	// (SESSION_RETENTION).
	SessionRetention time.Duration
	// Throttle holds the limits on authentication attempts (THROTTLE_*).
	Throttle Throttle
	// AttemptsRetention is how long attempts are kept
	// (AUTH_ATTEMPTS_RETENTION).
	AttemptsRetention time.Duration
	// PasswordHashConcurrency bounds the bcrypt computations in flight
	// (PASSWORD_HASH_CONCURRENCY; 0: one less than the CPUs, at least one).
	PasswordHashConcurrency int
	// PasswordHashWait is how long a request waits for a hashing slot
	// before it gets 503 (PASSWORD_HASH_WAIT).
	PasswordHashWait time.Duration
}

// Throttle holds the limits of CONTRACT section 5, each over a sliding
// window.
type Throttle struct {
	LoginFailures        int
	LoginWindow          time.Duration
	SecondFactorFailures int
	SecondFactorWindow   time.Duration
	IPFailures           int
	IPWindow             time.Duration
	Registrations        int
	RegistrationWindow   time.Duration
	KnownIPMemory        time.Duration
}

// MinRecommendedBcryptCost is the cost under which Load warns.
const MinRecommendedBcryptCost = 10

// Load reads the configuration through getenv (os.Getenv in production). It
// returns every invalid or missing variable at once, each error naming its
// variable, and warnings about values that are valid but unwise.
func Load(getenv func(string) string) (*Config, []string, error) {
	r := reader{getenv: getenv}
	c := &Config{
		DatabaseURL:               r.databaseURL("DATABASE_URL"),
		DatabaseConnectTimeout:    r.duration("DATABASE_CONNECT_TIMEOUT", 60*time.Second),
		HTTPAddr:                  r.addr("HTTP_ADDR", ":8080", true),
		GRPCAddr:                  r.addr("GRPC_ADDR", ":9090", true),
		TOTPEncryptionKey:         r.key("TOTP_ENCRYPTION_KEY", true),
		TOTPPreviousEncryptionKey: r.key("TOTP_PREVIOUS_ENCRYPTION_KEY", false),
		TOTPIssuer:                r.issuer("TOTP_ISSUER", "Infrastructure"),
		CookieSecure:              r.boolean("COOKIE_SECURE", true),
		SessionIdleTimeout:        r.duration("SESSION_IDLE_TIMEOUT", 30*time.Minute),
		SessionAbsoluteTimeout:    r.duration("SESSION_ABSOLUTE_TIMEOUT", 12*time.Hour),
		BcryptCost:                r.intRange("BCRYPT_COST", 12, 4, 31),
		CORSAllowedOrigins:        r.origins("CORS_ALLOWED_ORIGINS"),
		TrustedProxies:            r.prefixes("TRUSTED_PROXIES"),
		MetricsAddr:               r.addr("METRICS_ADDR", "", false),
		OTLPEndpoint:              r.get("OTEL_EXPORTER_OTLP_ENDPOINT"),
		Debug:                     r.logLevel("LOG_LEVEL"),
		ShutdownTimeout:           r.duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		GRPCTLS:                   r.grpcTLS("GRPC_TLS_CERT", "GRPC_TLS_KEY", "GRPC_CLIENT_CA"),
		SessionCleanupInterval:    r.duration("SESSION_CLEANUP_INTERVAL", 10*time.Minute),
		SessionRetention:          r.duration("SESSION_RETENTION", 7*24*time.Hour),
		Throttle: Throttle{
			LoginFailures:        r.intRange("THROTTLE_LOGIN_FAILURES", 10, 1, 1_000_000),
			LoginWindow:          r.duration("THROTTLE_LOGIN_WINDOW", 15*time.Minute),
			SecondFactorFailures: r.intRange("THROTTLE_SECOND_FACTOR_FAILURES", 5, 1, 1_000_000),
			SecondFactorWindow:   r.duration("THROTTLE_SECOND_FACTOR_WINDOW", 15*time.Minute),
			IPFailures:           r.intRange("THROTTLE_IP_FAILURES", 100, 1, 1_000_000),
			IPWindow:             r.duration("THROTTLE_IP_WINDOW", 15*time.Minute),
			Registrations:        r.intRange("THROTTLE_REGISTRATIONS", 20, 1, 1_000_000),
			RegistrationWindow:   r.duration("THROTTLE_REGISTRATION_WINDOW", time.Hour),
			KnownIPMemory:        r.duration("THROTTLE_KNOWN_IP_MEMORY", 90*24*time.Hour),
		},
		AttemptsRetention:       r.duration("AUTH_ATTEMPTS_RETENTION", 90*24*time.Hour),
		PasswordHashConcurrency: r.intRange("PASSWORD_HASH_CONCURRENCY", 0, 0, 1024),
		PasswordHashWait:        r.duration("PASSWORD_HASH_WAIT", 2*time.Second),
	}
	if err := errors.Join(r.errs...); err != nil {
		return nil, nil, err
	}
	var warnings []string
	if c.BcryptCost < MinRecommendedBcryptCost {
		warnings = append(warnings, fmt.Sprintf("BCRYPT_COST=%d is below %d: passwords are cheap to guess offline", c.BcryptCost, MinRecommendedBcryptCost))
	}
	if !c.CookieSecure {
		warnings = append(warnings, "COOKIE_SECURE=false: session cookies travel over plain HTTP (local development only)")
	}
	if c.TOTPPreviousEncryptionKey != nil && string(c.TOTPPreviousEncryptionKey) == string(c.TOTPEncryptionKey) {
		return nil, nil, errors.New("TOTP_PREVIOUS_ENCRYPTION_KEY: must differ from TOTP_ENCRYPTION_KEY")
	}
	if c.SessionIdleTimeout > c.SessionAbsoluteTimeout {
		warnings = append(warnings, "SESSION_IDLE_TIMEOUT exceeds SESSION_ABSOLUTE_TIMEOUT: sessions end at the absolute timeout")
	}
	return c, warnings, nil
}

// SessionCookieName is the name of the session cookie: "__Host-session" when
// cookies are Secure (the prefix makes browsers enforce Secure, Path=/ and no
// Domain), "session" otherwise.
func (c *Config) SessionCookieName() string {
	if c.CookieSecure {
		return "__Host-session"
	}
	return "session"
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

func (r *reader) databaseURL(name string) string {
	v := r.get(name)
	if v == "" {
		r.fail(name, "is required (for example postgres://auth:auth@127.0.0.1:5432/auth?sslmode=disable)")
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		// The value may hold a password: do not echo it.
		r.fail(name, "must be a postgres:// URL with a host")
	}
	return v
}

func (r *reader) addr(name, def string, required bool) string {
	v := r.get(name)
	if v == "" {
		v = def
	}
	if v == "" && !required {
		return ""
	}
	_, port, err := net.SplitHostPort(v)
	if err != nil {
		r.fail(name, "must be host:port or :port, got %q", v)
		return v
	}
	if n, err := strconv.Atoi(port); err != nil || n < 0 || n > 65535 {
		r.fail(name, "has an invalid port %q", port)
	}
	return v
}

func (r *reader) key(name string, required bool) []byte {
	v := r.get(name)
	if v == "" {
		if required {
			r.fail(name, "is required: base64 of 32 random bytes (openssl rand -base64 32)")
		}
		return nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil {
			if len(k) != 32 {
				r.fail(name, "must decode to 32 bytes, got %d", len(k))
				return nil
			}
			return k
		}
	}
	r.fail(name, "is not valid base64")
	return nil
}

func (r *reader) issuer(name, def string) string {
	v := r.get(name)
	if v == "" {
		return def
	}
	if strings.Contains(v, ":") {
		r.fail(name, "must not contain ':' (it separates issuer and account in otpauth URLs)")
	}
	return v
}

func (r *reader) boolean(name string, def bool) bool {
	v := r.get(name)
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.fail(name, "must be true or false, got %q", v)
		return def
	}
	return b
}

func (r *reader) duration(name string, def time.Duration) time.Duration {
	v := r.get(name)
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		r.fail(name, "must be a duration such as 30m or 12h, got %q", v)
		return def
	}
	if d <= 0 {
		r.fail(name, "must be positive, got %q", v)
	}
	return d
}

func (r *reader) intRange(name string, def, lo, hi int) int {
	v := r.get(name)
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < lo || n > hi {
		r.fail(name, "must be an integer from %d to %d, got %q", lo, hi, v)
		return def
	}
	return n
}

func (r *reader) origins(name string) []string {
	var out []string
	for _, o := range splitList(r.get(name)) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			r.fail(name, "%q is not an origin such as https://app.example.com", o)
			continue
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return out
}

func (r *reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range splitList(r.get(name)) {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		r.fail(name, "%q is not a CIDR such as 10.0.0.0/8", s)
	}
	return out
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

// grpcTLS reads the server certificate and, for mutual TLS, the CA of the
// clients.
func (r *reader) grpcTLS(certVar, keyVar, caVar string) *tls.Config {
	certFile, keyFile, caFile := r.get(certVar), r.get(keyVar), r.get(caVar)
	if certFile == "" && keyFile == "" {
		if caFile != "" {
			r.fail(caVar, "needs %s and %s: mutual TLS runs over TLS", certVar, keyVar)
		}
		return nil
	}
	if certFile == "" || keyFile == "" {
		r.fail(certVar, "and %s must be set together", keyVar)
		return nil
	}
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		r.fail(certVar, "cannot load the certificate and key: %v", err)
		return nil
	}
	cfg := &tls.Config{Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}
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
		cfg.ClientCAs = pool
		cfg.ClientAuth = tls.RequireAndVerifyClientCert
	}
	return cfg
}

func splitList(v string) []string {
	var out []string
	for _, s := range strings.Split(v, ",") {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}
