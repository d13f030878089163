package config_test

import (
	"encoding/base64"
	"maps"
	"net/netip"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/pkitest"
	"github.com/infrastructure/platform/services/auth/config"
	"github.com/infrastructure/platform/services/auth/internal/grpcauthz"
)

// validKey is the base64 of 32 bytes, the only required key length.
var validKey = base64.StdEncoding.EncodeToString([]byte("0123456789abcdef0123456789abcdef"))

const validDatabaseURL = "postgres://auth:auth@127.0.0.1:5432/auth?sslmode=disable"

// env returns a getenv over the required variables with overrides applied;
// an override of "" unsets the variable (os.Getenv reports unset as "").
func env(overrides map[string]string) func(string) string {
	vars := map[string]string{
		"DATABASE_URL":        validDatabaseURL,
		"TOTP_ENCRYPTION_KEY": validKey,
	}
	for k, v := range overrides {
		vars[k] = v
	}
	return func(name string) string { return vars[name] }
}

func TestLoadDefaults(t *testing.T) {
	t.Parallel()
	c, warnings, err := config.Load(env(nil))
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if len(warnings) != 0 {
		t.Errorf("warnings = %q, want none", warnings)
	}
	want := config.Config{
		DatabaseURL:            validDatabaseURL,
		DatabaseDirectURL:      validDatabaseURL,
		DatabaseExecMode:       config.ExecModeCacheStatement,
		DatabaseConnectTimeout: 60 * time.Second,
		HTTPAddr:               ":8080",
		GRPCAddr:               "127.0.0.1:9090",
		GRPCAllow: grpcauthz.Config{
			Validate: []string{"*"}, Read: []string{"*"},
			MaxWatchers: 1024, MaxWatchersPerPeer: 16,
		},
		TOTPEncryptionKey:      []byte("0123456789abcdef0123456789abcdef"),
		TOTPIssuer:             "Infrastructure",
		CookieSecure:           true,
		SessionIdleTimeout:     30 * time.Minute,
		SessionAbsoluteTimeout: 12 * time.Hour,
		BcryptCost:             12,
		ShutdownTimeout:        15 * time.Second,
		OTLPProtocol:           "grpc",
		SessionCleanupInterval: 10 * time.Minute,
		SessionRetention:       7 * 24 * time.Hour,
		Throttle: config.Throttle{
			LoginFailures: 10, LoginWindow: 15 * time.Minute,
			SecondFactorFailures: 5, SecondFactorWindow: 15 * time.Minute,
			IPFailures: 100, IPWindow: 15 * time.Minute,
			Registrations: 20, RegistrationWindow: time.Hour,
			KnownIPMemory: 90 * 24 * time.Hour,
			IPv6Prefix:    64, LockoutFailures: 100,
			MailPerAccount: 5, MailPerIP: 20, MailWindow: time.Hour,
			PasskeyChallenges: 60, PasskeyChallengeWindow: time.Minute,
		},
		AttemptsRetention: 90 * 24 * time.Hour,
		PasswordHashWait:  2 * time.Second,
		MailFrom:          "Infrastructure <no-reply@localhost>",
		PublicURL:         "http://127.0.0.1:8080",
		WebApp:            true,
		RPID:              "localhost",
		RPOrigins:         []string{"http://localhost:8080"},
		RPDisplayName:     "Infrastructure",
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", *c, want)
	}
}

func TestLoadValidValues(t *testing.T) {
	t.Parallel()
	rawURLKey := base64.RawURLEncoding.EncodeToString([]byte("\xff\xfe0123456789abcdef0123456789abcd"))
	tests := []struct {
		name  string
		env   map[string]string
		check func(t *testing.T, c *config.Config)
	}{
		{"case=postgresql scheme", map[string]string{"DATABASE_URL": "postgresql://db.internal/auth"}, func(t *testing.T, c *config.Config) {
			if c.DatabaseURL != "postgresql://db.internal/auth" {
				t.Errorf("DatabaseURL = %q", c.DatabaseURL)
			}
		}},
		{"case=key in raw URL base64", map[string]string{"TOTP_ENCRYPTION_KEY": rawURLKey}, func(t *testing.T, c *config.Config) {
			if len(c.TOTPEncryptionKey) != 32 || c.TOTPEncryptionKey[0] != 0xff {
				t.Errorf("TOTPEncryptionKey = %x", c.TOTPEncryptionKey)
			}
		}},
		{"case=surrounding spaces trimmed", map[string]string{"HTTP_ADDR": "  127.0.0.1:8081 ", "BCRYPT_COST": " 14 "}, func(t *testing.T, c *config.Config) {
			if c.HTTPAddr != "127.0.0.1:8081" || c.BcryptCost != 14 {
				t.Errorf("HTTPAddr, BcryptCost = %q, %d", c.HTTPAddr, c.BcryptCost)
			}
		}},
		{"case=metrics address", map[string]string{"METRICS_ADDR": ":9100", "GRPC_ADDR": "[::1]:9091"}, func(t *testing.T, c *config.Config) {
			if c.MetricsAddr != ":9100" || c.GRPCAddr != "[::1]:9091" {
				t.Errorf("MetricsAddr, GRPCAddr = %q, %q", c.MetricsAddr, c.GRPCAddr)
			}
		}},
		{"case=durations", map[string]string{"SESSION_IDLE_TIMEOUT": "5m", "SESSION_ABSOLUTE_TIMEOUT": "1h30m", "SHUTDOWN_TIMEOUT": "2s", "DATABASE_CONNECT_TIMEOUT": "500ms"}, func(t *testing.T, c *config.Config) {
			if c.SessionIdleTimeout != 5*time.Minute || c.SessionAbsoluteTimeout != 90*time.Minute ||
				c.ShutdownTimeout != 2*time.Second || c.DatabaseConnectTimeout != 500*time.Millisecond {
				t.Errorf("durations = %v, %v, %v, %v", c.SessionIdleTimeout, c.SessionAbsoluteTimeout, c.ShutdownTimeout, c.DatabaseConnectTimeout)
			}
		}},
		{"case=origins normalized", map[string]string{"CORS_ALLOWED_ORIGINS": "https://App.Example.com/, ,http://localhost:3000"}, func(t *testing.T, c *config.Config) {
			want := []string{"https://app.example.com", "http://localhost:3000"}
			if !slices.Equal(c.CORSAllowedOrigins, want) {
				t.Errorf("CORSAllowedOrigins = %q, want %q", c.CORSAllowedOrigins, want)
			}
		}},
		{"case=proxies masked and single addresses", map[string]string{"TRUSTED_PROXIES": "10.1.2.3/8, 192.168.0.7,fd00::/8"}, func(t *testing.T, c *config.Config) {
			want := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("192.168.0.7/32"), netip.MustParsePrefix("fd00::/8")}
			if !slices.Equal(c.TrustedProxies, want) {
				t.Errorf("TrustedProxies = %v, want %v", c.TrustedProxies, want)
			}
		}},
		{"case=log level debug", map[string]string{"LOG_LEVEL": "DEBUG"}, func(t *testing.T, c *config.Config) {
			if !c.Debug {
				t.Error("Debug = false, want true")
			}
		}},
		{"case=log level info", map[string]string{"LOG_LEVEL": "info"}, func(t *testing.T, c *config.Config) {
			if c.Debug {
				t.Error("Debug = true, want false")
			}
		}},
		{"case=issuer", map[string]string{"TOTP_ISSUER": "Acme Corp"}, func(t *testing.T, c *config.Config) {
			if c.TOTPIssuer != "Acme Corp" {
				t.Errorf("TOTPIssuer = %q", c.TOTPIssuer)
			}
		}},
		{"case=bcrypt bounds", map[string]string{"BCRYPT_COST": "31"}, func(t *testing.T, c *config.Config) {
			if c.BcryptCost != 31 {
				t.Errorf("BcryptCost = %d", c.BcryptCost)
			}
		}},
		{"case=relying party from public url", map[string]string{"PUBLIC_URL": "https://Auth.Example.com", "TOTP_ISSUER": "Acme"}, func(t *testing.T, c *config.Config) {
			if c.RPID != "auth.example.com" || !slices.Equal(c.RPOrigins, []string{"https://auth.example.com"}) || c.RPDisplayName != "Acme" {
				t.Errorf("RPID, RPOrigins, RPDisplayName = %q, %q, %q", c.RPID, c.RPOrigins, c.RPDisplayName)
			}
		}},
		{"case=relying party ip public url with port", map[string]string{"PUBLIC_URL": "http://[::1]:8443"}, func(t *testing.T, c *config.Config) {
			if c.RPID != "localhost" || !slices.Equal(c.RPOrigins, []string{"http://localhost:8443"}) {
				t.Errorf("RPID, RPOrigins = %q, %q", c.RPID, c.RPOrigins)
			}
		}},
		{"case=relying party explicit", map[string]string{"RP_ID": "example.com", "RP_ORIGINS": "https://app.example.com,https://example.com", "RP_DISPLAY_NAME": "Example"}, func(t *testing.T, c *config.Config) {
			if c.RPID != "example.com" || !slices.Equal(c.RPOrigins, []string{"https://app.example.com", "https://example.com"}) || c.RPDisplayName != "Example" {
				t.Errorf("RPID, RPOrigins, RPDisplayName = %q, %q, %q", c.RPID, c.RPOrigins, c.RPDisplayName)
			}
		}},
		{"case=web app off", map[string]string{"WEB_APP": "false"}, func(t *testing.T, c *config.Config) {
			if c.WebApp {
				t.Error("WebApp = true, want false")
			}
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := config.Load(env(tt.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
		})
	}
}

func TestLoadInvalidVariable(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		variable string
		value    string
	}{
		{"case=database url missing", "DATABASE_URL", ""},
		{"case=database url blank", "DATABASE_URL", "   "},
		{"case=database url mysql", "DATABASE_URL", "mysql://auth:auth@db/auth"},
		{"case=database url without host", "DATABASE_URL", "postgres:///auth"},
		{"case=database url not a url", "DATABASE_URL", "host=db user=auth"},
		{"case=totp key missing", "TOTP_ENCRYPTION_KEY", ""},
		{"case=totp key not base64", "TOTP_ENCRYPTION_KEY", "not base64 at all!"},
		{"case=totp key 16 bytes", "TOTP_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 16))},
		{"case=totp key 33 bytes", "TOTP_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString(make([]byte, 33))},
		{"case=http addr without port", "HTTP_ADDR", "localhost"},
		{"case=http addr port out of range", "HTTP_ADDR", ":65536"},
		{"case=http addr named port", "HTTP_ADDR", ":http"},
		{"case=http addr empty port", "HTTP_ADDR", ":"},
		{"case=grpc addr bad", "GRPC_ADDR", "9090"},
		{"case=metrics addr bad", "METRICS_ADDR", "metrics"},
		{"case=bcrypt cost 3", "BCRYPT_COST", "3"},
		{"case=bcrypt cost 32", "BCRYPT_COST", "32"},
		{"case=bcrypt cost abc", "BCRYPT_COST", "abc"},
		{"case=idle timeout abc", "SESSION_IDLE_TIMEOUT", "abc"},
		{"case=idle timeout negative", "SESSION_IDLE_TIMEOUT", "-1s"},
		{"case=idle timeout zero", "SESSION_IDLE_TIMEOUT", "0"},
		{"case=idle timeout without unit", "SESSION_IDLE_TIMEOUT", "30"},
		{"case=absolute timeout zero", "SESSION_ABSOLUTE_TIMEOUT", "0s"},
		{"case=shutdown timeout bad", "SHUTDOWN_TIMEOUT", "soon"},
		{"case=connect timeout negative", "DATABASE_CONNECT_TIMEOUT", "-5s"},
		{"case=cookie secure maybe", "COOKIE_SECURE", "maybe"},
		{"case=web app yes please", "WEB_APP", "yes please"},
		{"case=cors not an origin", "CORS_ALLOWED_ORIGINS", "app.example.com"},
		{"case=cors with path", "CORS_ALLOWED_ORIGINS", "https://app.example.com/login"},
		{"case=cors with query", "CORS_ALLOWED_ORIGINS", "https://app.example.com?x=1"},
		{"case=cors ftp scheme", "CORS_ALLOWED_ORIGINS", "ftp://app.example.com"},
		{"case=cors one bad among good", "CORS_ALLOWED_ORIGINS", "https://ok.example.com,*"},
		{"case=proxies bad cidr", "TRUSTED_PROXIES", "10.0.0.0/33"},
		{"case=proxies hostname", "TRUSTED_PROXIES", "10.0.0.0/8,proxy.internal"},
		{"case=log level bad", "LOG_LEVEL", "verbose"},
		{"case=totp issuer with colon", "TOTP_ISSUER", "Acme:Auth"},
		{"case=smtp url http", "SMTP_URL", "http://mail.example.com"},
		{"case=smtp url without host", "SMTP_URL", "smtp://"},
		{"case=mail from not an address", "MAIL_FROM", "nobody"},
		{"case=public url with query", "PUBLIC_URL", "https://auth.example.com/?x=1"},
		{"case=public url not http", "PUBLIC_URL", "ftp://auth.example.com"},
		{"case=rp id ip address", "RP_ID", "127.0.0.1"},
		{"case=rp id with port", "RP_ID", "example.com:8443"},
		{"case=rp id with scheme", "RP_ID", "https://example.com"},
		{"case=rp origin of another domain", "RP_ORIGINS", "https://evil.example"},
		{"case=rp origin suffix but not subdomain", "RP_ORIGINS", "https://notlocalhost:8080"},
		{"case=rp origin not an origin", "RP_ORIGINS", "localhost"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, warnings, err := config.Load(env(map[string]string{tt.variable: tt.value}))
			if err == nil {
				t.Fatalf("Load(%s=%q) succeeded, want an error", tt.variable, tt.value)
			}
			if c != nil || warnings != nil {
				t.Errorf("Load returned a config or warnings with an error: %v, %q", c, warnings)
			}
			lines := strings.Split(err.Error(), "\n")
			if len(lines) != 1 || !strings.HasPrefix(lines[0], tt.variable+": ") {
				t.Errorf("error = %q, want one line starting with %q", err, tt.variable+": ")
			}
		})
	}
}

func TestLoadReportsEveryBadVariable(t *testing.T) {
	t.Parallel()
	_, _, err := config.Load(env(map[string]string{
		"DATABASE_URL":  "",
		"BCRYPT_COST":   "abc",
		"LOG_LEVEL":     "loud",
		"COOKIE_SECURE": "maybe",
	}))
	if err == nil {
		t.Fatal("Load succeeded, want an error")
	}
	lines := strings.Split(err.Error(), "\n")
	if len(lines) != 4 {
		t.Errorf("error has %d lines, want 4: %q", len(lines), err)
	}
	for _, name := range []string{"DATABASE_URL", "BCRYPT_COST", "LOG_LEVEL", "COOKIE_SECURE"} {
		if !slices.ContainsFunc(lines, func(l string) bool { return strings.HasPrefix(l, name+": ") }) {
			t.Errorf("error does not name %s: %q", name, err)
		}
	}
}

func TestLoadDoesNotEchoSecrets(t *testing.T) {
	t.Parallel()
	const secret = "s3cr3t-Pa55"
	tests := []struct {
		name     string
		variable string
		value    string
	}{
		{"case=database url wrong scheme", "DATABASE_URL", "mysql://auth:" + secret + "@db/auth"},
		{"case=database url without host", "DATABASE_URL", "postgres://:" + secret + "@/auth"},
		{"case=database url unparsable", "DATABASE_URL", "postgres://auth:" + secret + "@db:port/auth"},
		{"case=database url bad escape", "DATABASE_URL", "postgres://auth:" + secret + "%zz@db/auth"},
		{"case=database url dsn", "DATABASE_URL", "host=db password=" + secret},
		{"case=smtp url with a password", "SMTP_URL", "ftp://mailer:" + secret + "@mail.example.com"},
		{"case=totp key wrong length", "TOTP_ENCRYPTION_KEY", base64.StdEncoding.EncodeToString([]byte(secret))},
		{"case=totp key not base64", "TOTP_ENCRYPTION_KEY", secret + "!"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := config.Load(env(map[string]string{tt.variable: tt.value}))
			if err == nil {
				t.Fatalf("Load(%s) succeeded, want an error", tt.variable)
			}
			if !strings.Contains(err.Error(), tt.variable) {
				t.Errorf("error %q does not name %s", err, tt.variable)
			}
			if strings.Contains(err.Error(), secret) || strings.Contains(err.Error(), tt.value) {
				t.Errorf("error %q echoes the value of %s", err, tt.variable)
			}
		})
	}
}

func TestLoadWarnings(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		env  map[string]string
		want []string // substrings, one per expected warning, in order
	}{
		{"case=bcrypt cost 4", map[string]string{"BCRYPT_COST": "4"}, []string{"BCRYPT_COST=4"}},
		{"case=bcrypt cost 9", map[string]string{"BCRYPT_COST": "9"}, []string{"BCRYPT_COST=9"}},
		{"case=bcrypt cost 10", map[string]string{"BCRYPT_COST": "10"}, nil},
		{"case=cookie insecure", map[string]string{"COOKIE_SECURE": "false"}, []string{"COOKIE_SECURE=false"}},
		{"case=idle exceeds absolute", map[string]string{"SESSION_IDLE_TIMEOUT": "2h", "SESSION_ABSOLUTE_TIMEOUT": "1h"}, []string{"SESSION_IDLE_TIMEOUT"}},
		{"case=idle equals absolute", map[string]string{"SESSION_IDLE_TIMEOUT": "1h", "SESSION_ABSOLUTE_TIMEOUT": "1h"}, nil},
		{"case=all", map[string]string{"BCRYPT_COST": "5", "COOKIE_SECURE": "0", "SESSION_IDLE_TIMEOUT": "13h"},
			[]string{"BCRYPT_COST=5", "COOKIE_SECURE=false", "SESSION_IDLE_TIMEOUT"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, warnings, err := config.Load(env(tt.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(warnings) != len(tt.want) {
				t.Fatalf("warnings = %q, want %d matching %q", warnings, len(tt.want), tt.want)
			}
			for i, w := range tt.want {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warnings[%d] = %q, want it to mention %q", i, warnings[i], w)
				}
			}
		})
	}
}

func TestPublicDevelopmentKey(t *testing.T) {
	t.Parallel()
	const devKey = "ZGV2LWtleS1ub3QtZm9yLXByb2R1Y3Rpb24tdXNlISE="
	for _, tt := range []struct {
		name, secure string
		ok           bool
	}{
		{"case=refused with secure cookies (the default)", "", false},
		{"case=refused with COOKIE_SECURE=true", "true", false},
		{"case=allowed for plain-HTTP development", "false", true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, _, err := config.Load(env(map[string]string{"TOTP_ENCRYPTION_KEY": devKey, "COOKIE_SECURE": tt.secure}))
			if tt.ok != (err == nil) {
				t.Fatalf("Load: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && (!strings.HasPrefix(err.Error(), "TOTP_ENCRYPTION_KEY: ") || strings.Contains(err.Error(), devKey)) {
				t.Errorf("error %q: want it to name TOTP_ENCRYPTION_KEY and not echo the key", err)
			}
		})
	}
}

func TestGRPCAccess(t *testing.T) {
	t.Parallel()
	pki := pkitest.New(t)
	mtls := map[string]string{"GRPC_TLS_CERT": pki.ServerCert, "GRPC_TLS_KEY": pki.ServerKey, "GRPC_CLIENT_CA": pki.CA}
	with := func(base map[string]string, kv ...string) map[string]string {
		out := maps.Clone(base)
		if out == nil {
			out = map[string]string{}
		}
		for i := 0; i < len(kv); i += 2 {
			out[kv[i]] = kv[i+1]
		}
		return out
	}
	tests := []struct {
		name     string
		env      map[string]string
		wantErr  []string // substrings of the error; nil: no error
		warnings []string // substrings, one per expected warning
		check    func(t *testing.T, c *config.Config)
	}{
		{name: "case=default is loopback plaintext", env: nil},
		{name: "case=localhost", env: with(nil, "GRPC_ADDR", "localhost:9090")},
		{name: "case=IPv6 loopback", env: with(nil, "GRPC_ADDR", "[::1]:9090")},
		{name: "case=every interface without a CA", env: with(nil, "GRPC_ADDR", ":9090"), wantErr: []string{"GRPC_ADDR", "GRPC_CLIENT_CA", "GRPC_INSECURE"}},
		{name: "case=public address without a CA", env: with(nil, "GRPC_ADDR", "10.0.0.5:9090"), wantErr: []string{"GRPC_CLIENT_CA"}},
		{name: "case=TLS without client certificates is not enough", env: with(mtls, "GRPC_CLIENT_CA", "", "GRPC_ADDR", ":9090"), wantErr: []string{"GRPC_CLIENT_CA"}},
		{name: "case=insecure allowed with a warning", env: with(nil, "GRPC_ADDR", "0.0.0.0:9090", "GRPC_INSECURE", "true"), warnings: []string{"GRPC_INSECURE=true"}},
		{name: "case=mutual TLS on every interface", env: with(mtls, "GRPC_ADDR", ":9090"), check: func(t *testing.T, c *config.Config) {
			if c.GRPCTLS.CA != pki.CA || c.GRPCTLS.Cert != pki.ServerCert || c.GRPCTLS.Key != pki.ServerKey {
				t.Errorf("GRPCTLS = %+v", c.GRPCTLS)
			}
		}},
		{name: "case=insecure ignored under mutual TLS", env: with(mtls, "GRPC_ADDR", ":9090", "GRPC_INSECURE", "true"), warnings: []string{"GRPC_INSECURE=true is ignored"}},
		{name: "case=allow lists", env: with(mtls, "GRPC_ALLOW_VALIDATE", "spiffe://platform/executor, billing.internal", "GRPC_ALLOW_READ", "", "GRPC_ALLOW_ADMIN", "*"), check: func(t *testing.T, c *config.Config) {
			if !slices.Equal(c.GRPCAllow.Validate, []string{"spiffe://platform/executor", "billing.internal"}) ||
				!slices.Equal(c.GRPCAllow.Read, []string{"*"}) || !slices.Equal(c.GRPCAllow.Admin, []string{"*"}) {
				t.Errorf("GRPCAllow = %+v", c.GRPCAllow)
			}
		}},
		{name: "case=named identities without a CA", env: with(nil, "GRPC_ALLOW_ADMIN", "spiffe://platform/operator"), warnings: []string{"GRPC_ALLOW_ADMIN names identities"}},
		{name: "case=identity with a control character", env: with(mtls, "GRPC_ALLOW_ADMIN", "spiffe://platform/op\x01erator\x7f"), wantErr: []string{"GRPC_ALLOW_ADMIN"}},
		{name: "case=watchers", env: with(nil, "GRPC_MAX_WATCHERS", "10", "GRPC_MAX_WATCHERS_PER_PEER", "2"), check: func(t *testing.T, c *config.Config) {
			if c.GRPCAllow.MaxWatchers != 10 || c.GRPCAllow.MaxWatchersPerPeer != 2 {
				t.Errorf("GRPCAllow = %+v", c.GRPCAllow)
			}
		}},
		{name: "case=watchers zero", env: with(nil, "GRPC_MAX_WATCHERS_PER_PEER", "0"), wantErr: []string{"GRPC_MAX_WATCHERS_PER_PEER"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, warnings, err := config.Load(env(tt.env))
			if tt.wantErr != nil {
				if err == nil {
					t.Fatal("Load succeeded, want an error")
				}
				for _, w := range tt.wantErr {
					if !strings.Contains(err.Error(), w) {
						t.Errorf("error %q does not mention %s", err, w)
					}
				}
				return
			}
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d matching %q", warnings, len(tt.warnings), tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warnings[%d] = %q, want it to mention %q", i, warnings[i], w)
				}
			}
			if tt.check != nil {
				tt.check(t, c)
			}
		})
	}
}

func TestSessionCookieName(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		secure string
		want   string
	}{
		{"case=default is secure", "", "__Host-session"},
		{"case=secure", "true", "__Host-session"},
		{"case=insecure", "false", "session"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := config.Load(env(map[string]string{"COOKIE_SECURE": tt.secure}))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			if got := c.SessionCookieName(); got != tt.want {
				t.Errorf("SessionCookieName() = %q, want %q", got, tt.want)
			}
		})
	}
}

// TestDatabaseURLs: the direct URL defaults to DATABASE_URL, and the exec
// mode to what a transaction pooler needs when the two differ.
func TestDatabaseURLs(t *testing.T) {
	t.Parallel()
	const pooler = "postgres://auth:auth@pgbouncer:6432/auth?sslmode=disable"
	tests := []struct {
		name, direct, mode string
		wantDirect         string
		wantMode           string
		wantErr            string
	}{
		{name: "case=one URL", wantDirect: pooler, wantMode: config.ExecModeCacheStatement},
		{name: "case=a pooler and a direct URL", direct: validDatabaseURL, wantDirect: validDatabaseURL, wantMode: config.ExecModeExec},
		{name: "case=mode chosen", direct: validDatabaseURL, mode: "simple_protocol", wantDirect: validDatabaseURL, wantMode: config.ExecModeSimpleProtocol},
		{name: "case=unknown mode", mode: "fast", wantErr: "DATABASE_EXEC_MODE"},
		{name: "case=bad direct URL", direct: "mysql://x", wantErr: "DATABASE_DIRECT_URL"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{
				"DATABASE_URL": pooler, "TOTP_ENCRYPTION_KEY": validKey,
				"DATABASE_DIRECT_URL": tt.direct, "DATABASE_EXEC_MODE": tt.mode,
			}
			cfg, _, err := config.Load(func(k string) string { return env[k] })
			if tt.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErr) {
					t.Fatalf("err = %v, want one naming %s", err, tt.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if cfg.DatabaseDirectURL != tt.wantDirect || cfg.DatabaseExecMode != tt.wantMode {
				t.Errorf("direct %q mode %q, want %q %q", cfg.DatabaseDirectURL, cfg.DatabaseExecMode, tt.wantDirect, tt.wantMode)
			}
		})
	}
}
