// Package config reads the auth service's configuration from the environment,
// once, into a Config. Every variable is described in README.md beside this
// file.
package config

import (
	"encoding/base64"
	"errors"
	"fmt"
	"net/mail"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/go-webauthn/webauthn/protocol"

	"github.com/infrastructure/platform/internal/envconfig"
	"github.com/infrastructure/platform/internal/tlsreload"
	"github.com/infrastructure/platform/services/auth/internal/grpcauthz"
)

// Config is the whole configuration of the auth service.
type Config struct {
	// DatabaseURL is the PostgreSQL URL (DATABASE_URL, required).
	DatabaseURL string
	// DatabaseDirectURL is a session-mode connection to PostgreSQL, not
	// through a transaction pooler (DATABASE_DIRECT_URL, DATABASE_URL when
	// unset): for the migrations (a session advisory lock), the
	// revocation feed's LISTEN and the mail queue's listener.
	DatabaseDirectURL string
	// DatabaseExecMode is how queries are sent on DATABASE_URL
	// (DATABASE_EXEC_MODE): cache_statement (named prepared statements,
	// cached per connection), exec or simple_protocol (no named prepared
	// statement: through PgBouncer in transaction mode). Default:
	// cache_statement when DATABASE_DIRECT_URL is unset or the same,
	// exec when it differs (DATABASE_URL is then taken for a pooler).
	DatabaseExecMode string
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
	// OTLPProtocol is grpc (the default) or http/protobuf
	// (OTEL_EXPORTER_OTLP_TRACES_PROTOCOL, else OTEL_EXPORTER_OTLP_PROTOCOL).
	OTLPProtocol string
	// Debug turns on debug logs (LOG_LEVEL=debug).
	Debug bool
	// ShutdownTimeout bounds the graceful shutdown (SHUTDOWN_TIMEOUT).
	ShutdownTimeout time.Duration
	// GRPCTLS names the PEM files of gRPC over TLS (GRPC_TLS_CERT,
	// GRPC_TLS_KEY); with a CA (GRPC_CLIENT_CA) only clients with a
	// certificate signed by it are served. All empty: plaintext. The
	// files are re-read when they change.
	GRPCTLS tlsreload.Files
	// GRPCInsecure allows plaintext gRPC (or TLS without client
	// certificates) on a non-loopback GRPC_ADDR (GRPC_INSECURE).
	GRPCInsecure bool
	// GRPCAllow lists the identities allowed per method group
	// (GRPC_ALLOW_VALIDATE, GRPC_ALLOW_READ, GRPC_ALLOW_ADMIN) and the
	// bounds on revocation streams (GRPC_MAX_WATCHERS,
	// GRPC_MAX_WATCHERS_PER_PEER).
	GRPCAllow grpcauthz.Config
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
	// (PASSWORD_HASH_CONCURRENCY; 0: one less than GOMAXPROCS, which follows
	// a container's CPU limit, at least one).
	PasswordHashConcurrency int
	// PasswordHashWait is how long a request waits for a hashing slot
	// before it gets 503 (PASSWORD_HASH_WAIT).
	PasswordHashWait time.Duration
	// SMTPURL is where mail goes: smtp://[user:pass@]host:port (STARTTLS
	// when offered) or smtps://... (SMTP_URL). Empty: mail is queued in
	// the outbox and not sent.
	SMTPURL string
	// MailFrom is the sender of every message (MAIL_FROM).
	MailFrom string
	// PublicURL is the origin that links in messages point to
	// (PUBLIC_URL).
	PublicURL string
	// EmailVerificationRequired: login of an account whose address is not
	// verified answers 403 email_unverified, and register opens no
	// session (EMAIL_VERIFICATION_REQUIRED).
	EmailVerificationRequired bool
	// WebApp serves the reference web app at / on the REST port
	// (WEB_APP); false leaves the port to the API and the pages of the
	// emailed links.
	WebApp bool
	// RPID is the WebAuthn relying party id that passkeys are bound to
	// (RP_ID): a domain, never an IP address. Default: the host of
	// PUBLIC_URL, or "localhost" when that host is an IP address.
	RPID string
	// RPOrigins are the origins whose passkey ceremonies are accepted
	// (RP_ORIGINS), each on RPID or one of its subdomains. Default:
	// PUBLIC_URL's origin, with "localhost" for an IP address host.
	RPOrigins []string
	// RPDisplayName is the relying party name that authenticators show
	// (RP_DISPLAY_NAME). Default: TOTP_ISSUER.
	RPDisplayName string
}

// Throttle holds the limits on authentication attempts, each over a
// sliding window.
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
	// IPv6Prefix: IPv6 clients are counted per prefix of this length
	// (THROTTLE_IPV6_PREFIX).
	IPv6Prefix int
	// LockoutFailures: consecutive failed second-factor attempts after
	// which the factor locks (THROTTLE_LOCKOUT_FAILURES).
	LockoutFailures int
	// MailPerAccount, MailPerIP: messages asked for (password reset and
	// verification links) per account and per client network in
	// MailWindow (THROTTLE_MAIL_PER_ACCOUNT, THROTTLE_MAIL_PER_IP,
	// THROTTLE_MAIL_WINDOW).
	MailPerAccount int
	MailPerIP      int
	MailWindow     time.Duration
	// PasskeyChallenges, PasskeyChallengeWindow: passwordless passkey
	// sign-ins begun per client network (THROTTLE_PASSKEY_CHALLENGES,
	// THROTTLE_PASSKEY_CHALLENGE_WINDOW).
	PasskeyChallenges      int
	PasskeyChallengeWindow time.Duration
}

// PublicDevelopmentKey is the TOTP_ENCRYPTION_KEY of db/.env.dev and of the
// compose defaults (base64 ZGV2LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24tdXNlISE=):
// published, so that a fresh clone runs as it is, and refused whenever
// cookies are Secure (anything that looks like production).
const PublicDevelopmentKey = "dev-key-not-for-production-use!!"

// DefaultGRPCAddr is the default of GRPC_ADDR: loopback, so that plaintext
// gRPC without any setting is reachable from this host only.
const DefaultGRPCAddr = "127.0.0.1:9090"

// MinRecommendedBcryptCost is the cost under which Load warns.
const MinRecommendedBcryptCost = 10

// Load reads the configuration through getenv (os.Getenv in production). It
// returns every invalid or missing variable at once, each error naming its
// variable, and warnings about values that are valid but unwise.
func Load(getenv func(string) string) (*Config, []string, error) {
	r := reader{envconfig.New(getenv)}
	c := &Config{
		DatabaseURL:               r.databaseURL("DATABASE_URL"),
		DatabaseDirectURL:         r.directURL("DATABASE_DIRECT_URL", "DATABASE_URL"),
		DatabaseConnectTimeout:    r.Duration("DATABASE_CONNECT_TIMEOUT", 60*time.Second),
		HTTPAddr:                  r.ListenAddr("HTTP_ADDR", ":8080"),
		GRPCAddr:                  r.ListenAddr("GRPC_ADDR", DefaultGRPCAddr),
		TOTPEncryptionKey:         r.key("TOTP_ENCRYPTION_KEY", true),
		TOTPPreviousEncryptionKey: r.key("TOTP_PREVIOUS_ENCRYPTION_KEY", false),
		TOTPIssuer:                r.issuer("TOTP_ISSUER", "Infrastructure"),
		CookieSecure:              r.Bool("COOKIE_SECURE", true),
		SessionIdleTimeout:        r.Duration("SESSION_IDLE_TIMEOUT", 30*time.Minute),
		SessionAbsoluteTimeout:    r.Duration("SESSION_ABSOLUTE_TIMEOUT", 12*time.Hour),
		BcryptCost:                r.Int("BCRYPT_COST", 12, 4, 31),
		CORSAllowedOrigins:        r.origins("CORS_ALLOWED_ORIGINS"),
		TrustedProxies:            r.prefixes("TRUSTED_PROXIES"),
		MetricsAddr:               r.ListenAddr("METRICS_ADDR", ""),
		OTLPEndpoint:              r.String("OTEL_EXPORTER_OTLP_ENDPOINT"),
		OTLPProtocol:              otlpProtocol(r),
		Debug:                     r.Debug("LOG_LEVEL"),
		ShutdownTimeout:           r.Duration("SHUTDOWN_TIMEOUT", 15*time.Second),
		GRPCTLS:                   r.grpcTLS("GRPC_TLS_CERT", "GRPC_TLS_KEY", "GRPC_CLIENT_CA"),
		GRPCInsecure:              r.Bool("GRPC_INSECURE", false),
		GRPCAllow: grpcauthz.Config{
			Validate:           r.identities("GRPC_ALLOW_VALIDATE", grpcauthz.Any),
			Read:               r.identities("GRPC_ALLOW_READ", grpcauthz.Any),
			Admin:              r.identities("GRPC_ALLOW_ADMIN", ""),
			MaxWatchers:        r.Int("GRPC_MAX_WATCHERS", 1024, 1, 1_000_000),
			MaxWatchersPerPeer: r.Int("GRPC_MAX_WATCHERS_PER_PEER", 16, 1, 1_000_000),
		},
		SessionCleanupInterval: r.Duration("SESSION_CLEANUP_INTERVAL", 10*time.Minute),
		SessionRetention:       r.Duration("SESSION_RETENTION", 7*24*time.Hour),
		Throttle: Throttle{
			LoginFailures:          r.Int("THROTTLE_LOGIN_FAILURES", 10, 1, 1_000_000),
			LoginWindow:            r.Duration("THROTTLE_LOGIN_WINDOW", 15*time.Minute),
			SecondFactorFailures:   r.Int("THROTTLE_SECOND_FACTOR_FAILURES", 5, 1, 1_000_000),
			SecondFactorWindow:     r.Duration("THROTTLE_SECOND_FACTOR_WINDOW", 15*time.Minute),
			IPFailures:             r.Int("THROTTLE_IP_FAILURES", 100, 1, 1_000_000),
			IPWindow:               r.Duration("THROTTLE_IP_WINDOW", 15*time.Minute),
			Registrations:          r.Int("THROTTLE_REGISTRATIONS", 20, 1, 1_000_000),
			RegistrationWindow:     r.Duration("THROTTLE_REGISTRATION_WINDOW", time.Hour),
			KnownIPMemory:          r.Duration("THROTTLE_KNOWN_IP_MEMORY", 90*24*time.Hour),
			IPv6Prefix:             r.Int("THROTTLE_IPV6_PREFIX", 64, 16, 128),
			LockoutFailures:        r.Int("THROTTLE_LOCKOUT_FAILURES", 100, 1, 1_000_000),
			MailPerAccount:         r.Int("THROTTLE_MAIL_PER_ACCOUNT", 5, 1, 1_000_000),
			MailPerIP:              r.Int("THROTTLE_MAIL_PER_IP", 20, 1, 1_000_000),
			MailWindow:             r.Duration("THROTTLE_MAIL_WINDOW", time.Hour),
			PasskeyChallenges:      r.Int("THROTTLE_PASSKEY_CHALLENGES", 60, 1, 1_000_000),
			PasskeyChallengeWindow: r.Duration("THROTTLE_PASSKEY_CHALLENGE_WINDOW", time.Minute),
		},
		AttemptsRetention:         r.Duration("AUTH_ATTEMPTS_RETENTION", 90*24*time.Hour),
		PasswordHashConcurrency:   r.Int("PASSWORD_HASH_CONCURRENCY", 0, 0, 1024),
		PasswordHashWait:          r.Duration("PASSWORD_HASH_WAIT", 2*time.Second),
		SMTPURL:                   r.smtpURL("SMTP_URL"),
		MailFrom:                  r.mailFrom("MAIL_FROM", "Infrastructure <no-reply@localhost>"),
		PublicURL:                 r.publicURL("PUBLIC_URL", "http://127.0.0.1:8080"),
		EmailVerificationRequired: r.Bool("EMAIL_VERIFICATION_REQUIRED", false),
		WebApp:                    r.Bool("WEB_APP", true),
	}
	c.DatabaseExecMode = r.execMode("DATABASE_EXEC_MODE", c.DatabaseDirectURL != c.DatabaseURL)
	c.RPID, c.RPOrigins = r.relyingParty("RP_ID", "RP_ORIGINS", c.PublicURL)
	c.RPDisplayName = r.String("RP_DISPLAY_NAME")
	if c.RPDisplayName == "" {
		c.RPDisplayName = c.TOTPIssuer
	}
	if err := r.Err(); err != nil {
		return nil, nil, err
	}
	warnings, err := c.checkGRPC()
	if err != nil {
		return nil, nil, err
	}
	for _, o := range c.RPOrigins {
		if strings.HasPrefix(o, "http://") && c.RPID != "localhost" {
			warnings = append(warnings, fmt.Sprintf("RP_ORIGINS: %s is plain HTTP: browsers offer passkeys only to https origins (and http://localhost)", o))
		}
	}
	if c.BcryptCost < MinRecommendedBcryptCost {
		warnings = append(warnings, fmt.Sprintf("BCRYPT_COST=%d is below %d: passwords are cheap to guess offline", c.BcryptCost, MinRecommendedBcryptCost))
	}
	if !c.CookieSecure {
		warnings = append(warnings, "COOKIE_SECURE=false: session cookies travel over plain HTTP (local development only)")
	}
	if c.CookieSecure && string(c.TOTPEncryptionKey) == PublicDevelopmentKey {
		return nil, nil, errors.New("TOTP_ENCRYPTION_KEY: is the public development key of db/.env.dev and the compose defaults, refused with COOKIE_SECURE=true: set a key of your own (openssl rand -base64 32)")
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

// reader adds the auth service's own variables to the shared reader.
type reader struct{ *envconfig.Reader }

func (r reader) databaseURL(name string) string {
	v := r.String(name)
	if v == "" {
		r.Fail(name, "is required (for example postgres://auth:auth@127.0.0.1:5432/auth?sslmode=disable)")
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		// The value may hold a password: do not echo it.
		r.Fail(name, "must be a postgres:// URL with a host")
	}
	return v
}

// directURL reads the session-mode URL, the main one's when unset.
func (r reader) directURL(name, mainName string) string {
	if r.String(name) == "" {
		return r.String(mainName)
	}
	return r.databaseURL(name)
}

// Exec modes of DATABASE_EXEC_MODE.
const (
	ExecModeCacheStatement = "cache_statement"
	ExecModeExec           = "exec"
	ExecModeSimpleProtocol = "simple_protocol"
	ExecModeCacheDescribe  = "cache_describe"
)

// execMode reads DATABASE_EXEC_MODE; its default depends on whether
// DATABASE_URL goes through a pooler (it differs from DATABASE_DIRECT_URL).
func (r reader) execMode(name string, pooled bool) string {
	v := r.String(name)
	switch v {
	case "":
		if pooled {
			return ExecModeExec
		}
		return ExecModeCacheStatement
	case ExecModeCacheStatement, ExecModeCacheDescribe, ExecModeExec, ExecModeSimpleProtocol:
		return v
	}
	r.Fail(name, "must be cache_statement, cache_describe, exec or simple_protocol")
	return ""
}

func (r reader) key(name string, required bool) []byte {
	v := r.String(name)
	if v == "" {
		if required {
			r.Fail(name, "is required: base64 of 32 random bytes (openssl rand -base64 32)")
		}
		return nil
	}
	for _, enc := range []*base64.Encoding{base64.StdEncoding, base64.RawStdEncoding, base64.URLEncoding, base64.RawURLEncoding} {
		if k, err := enc.DecodeString(v); err == nil {
			if len(k) != 32 {
				r.Fail(name, "must decode to 32 bytes, got %d", len(k))
				return nil
			}
			return k
		}
	}
	r.Fail(name, "is not valid base64")
	return nil
}

func (r reader) issuer(name, def string) string {
	v := r.String(name)
	if v == "" {
		return def
	}
	if strings.Contains(v, ":") {
		r.Fail(name, "must not contain ':' (it separates issuer and account in otpauth URLs)")
	}
	return v
}

func (r reader) origins(name string) []string {
	var out []string
	for _, o := range r.List(name) {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			r.Fail(name, "%q is not an origin such as https://app.example.com", o)
			continue
		}
		out = append(out, u.Scheme+"://"+strings.ToLower(u.Host))
	}
	return out
}

func (r reader) prefixes(name string) []netip.Prefix {
	var out []netip.Prefix
	for _, s := range r.List(name) {
		if p, err := netip.ParsePrefix(s); err == nil {
			out = append(out, p.Masked())
			continue
		}
		if a, err := netip.ParseAddr(s); err == nil {
			out = append(out, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		r.Fail(name, "%q is not a CIDR such as 10.0.0.0/8", s)
	}
	return out
}

// grpcTLS names the server certificate and, for mutual TLS, the CA of the
// clients, after checking that they load (each error names its variable).
func (r reader) grpcTLS(certVar, keyVar, caVar string) tlsreload.Files {
	files := tlsreload.Files{Cert: r.String(certVar), Key: r.String(keyVar), CA: r.String(caVar)}
	if files.Cert == "" && files.Key == "" {
		if files.CA != "" {
			r.Fail(caVar, "needs %s and %s: mutual TLS runs over TLS", certVar, keyVar)
		}
		return tlsreload.Files{}
	}
	if r.KeyPair(certVar, keyVar) == nil {
		return tlsreload.Files{}
	}
	if files.CA != "" && r.CertPool(caVar) == nil {
		return tlsreload.Files{}
	}
	return files
}

// identities reads a list of caller identities: "*", URIs such as
// spiffe://platform/executor, or DNS names. Unset, the list is def
// (empty: nobody).
func (r reader) identities(name, def string) []string {
	list := r.List(name)
	if r.String(name) == "" && def != "" {
		list = []string{def}
	}
	for _, id := range list {
		if strings.ContainsFunc(id, func(c rune) bool { return c <= ' ' || c == 0x7f }) {
			r.Fail(name, "%q is not an identity (a URI SAN such as spiffe://platform/executor, a DNS name, or *)", id)
		}
	}
	return list
}

// checkGRPC applies the rule of who may reach the gRPC port: without a
// client CA (mutual TLS) the port must be loopback, unless GRPC_INSECURE
// says otherwise.
func (c *Config) checkGRPC() ([]string, error) {
	var warnings []string
	mutual := c.GRPCTLS.CA != ""
	switch {
	case mutual && c.GRPCInsecure:
		warnings = append(warnings, "GRPC_INSECURE=true is ignored: GRPC_CLIENT_CA is set, so every caller needs a client certificate")
	case !mutual && !envconfig.IsLoopback(c.GRPCAddr) && !c.GRPCInsecure:
		return nil, fmt.Errorf("GRPC_ADDR: %s is not a loopback address: set GRPC_CLIENT_CA (with GRPC_TLS_CERT and GRPC_TLS_KEY) so that only sibling services with a client certificate can call, or GRPC_INSECURE=true for development", c.GRPCAddr)
	case !mutual && c.GRPCInsecure && !envconfig.IsLoopback(c.GRPCAddr):
		warnings = append(warnings, "GRPC_INSECURE=true: gRPC on "+c.GRPCAddr+" serves callers without a client certificate, who may then call every method group whose list is * (development only; set GRPC_CLIENT_CA)")
	}
	if !mutual {
		lists := []struct {
			name string
			ids  []string
		}{{"GRPC_ALLOW_VALIDATE", c.GRPCAllow.Validate}, {"GRPC_ALLOW_READ", c.GRPCAllow.Read}, {"GRPC_ALLOW_ADMIN", c.GRPCAllow.Admin}}
		for _, l := range lists {
			if slices.ContainsFunc(l.ids, func(id string) bool { return id != grpcauthz.Any }) {
				warnings = append(warnings, l.name+" names identities, but without GRPC_CLIENT_CA callers have none: only * admits anyone")
			}
		}
	}
	return warnings, nil
}

// smtpURL reads the SMTP server's URL; the value may hold a password,
// never echoed.
func (r reader) smtpURL(name string) string {
	v := r.String(name)
	if v == "" {
		return ""
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "smtp" && u.Scheme != "smtps") || u.Hostname() == "" {
		r.Fail(name, "must be smtp://[user:pass@]host:port or smtps://[user:pass@]host:port")
	}
	return v
}

// mailFrom reads a sender address ("Name <addr>" or "addr").
func (r reader) mailFrom(name, def string) string {
	v := r.String(name)
	if v == "" {
		return def
	}
	if _, err := mail.ParseAddress(v); err != nil {
		r.Fail(name, "%q is not an address such as Infrastructure <no-reply@example.com>", v)
	}
	return v
}

// publicURL reads the origin of links in messages.
func (r reader) publicURL(name, def string) string {
	v := r.String(name)
	if v == "" {
		return def
	}
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		r.Fail(name, "%q is not an origin such as https://auth.example.com", v)
		return v
	}
	return strings.TrimSuffix(v, "/")
}

// otlpProtocol reads the OTLP protocol of traces: grpc or http/protobuf.
func otlpProtocol(r reader) string {
	name := "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL"
	v := r.String(name)
	if v == "" {
		name = "OTEL_EXPORTER_OTLP_PROTOCOL"
		v = r.String(name)
	}
	switch v {
	case "", "grpc":
		return "grpc"
	case "http/protobuf":
		return v
	default:
		r.Fail(name, "must be grpc or http/protobuf, got %q", v)
		return "grpc"
	}
}

// relyingParty reads the WebAuthn relying party id and origins. Browsers
// refuse an IP address as an RP id, so with PUBLIC_URL on one (the
// development default, http://127.0.0.1:8080) the defaults are
// "localhost" and PUBLIC_URL's origin on localhost: open the app at
// http://localhost:8080 to use passkeys there.
func (r reader) relyingParty(idName, originsName, publicURL string) (string, []string) {
	var defID, defOrigin string
	if u, err := url.Parse(publicURL); err == nil && u.Hostname() != "" {
		defID = strings.ToLower(u.Hostname())
		host := defID
		if _, err := netip.ParseAddr(defID); err == nil {
			defID, host = "localhost", "localhost"
		}
		if u.Port() != "" {
			host += ":" + u.Port()
		}
		defOrigin = u.Scheme + "://" + host
	}
	id := strings.ToLower(r.String(idName))
	if id == "" {
		id = defID
	}
	if err := protocol.ValidateRPID(id); err != nil || strings.ContainsAny(id, "/:") {
		r.Fail(idName, "%q is not a domain such as auth.example.com (never an IP address, a scheme or a port)", id)
		return id, nil
	}
	origins := r.origins(originsName)
	if len(r.List(originsName)) == 0 {
		origins = []string{defOrigin}
	}
	for _, o := range origins {
		u, _ := url.Parse(o)
		if h := u.Hostname(); h != id && !strings.HasSuffix(h, "."+id) {
			r.Fail(originsName, "%q is not on %s or one of its subdomains (RP_ID)", o, id)
		}
	}
	return id, origins
}
