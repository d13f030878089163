package config_test

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/pkitest"
	"github.com/infrastructure/platform/services/executor/config"
)

// env returns a getenv over vars; unset variables read as "".
func env(vars map[string]string) func(string) string {
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
		HTTPAddr:        ":8081",
		AuthGRPCAddr:    "127.0.0.1:9090",
		AuthCookieName:  "__Host-session",
		AuthTimeout:     2 * time.Second,
		AuthCacheSize:   10000,
		AuthCacheTTL:    30 * time.Second,
		ShutdownTimeout: 15 * time.Second,
	}
	if !reflect.DeepEqual(*c, want) {
		t.Errorf("Load() =\n%+v\nwant\n%+v", *c, want)
	}
	if !c.CacheEnabled() {
		t.Error("the cache is off by default")
	}
}

func TestLoadValidValues(t *testing.T) {
	t.Parallel()
	files := writeCerts(t)
	tests := []struct {
		name     string
		env      map[string]string
		check    func(t *testing.T, c *config.Config)
		warnings []string
	}{
		{"case=addresses", map[string]string{"HTTP_ADDR": " 127.0.0.1:0 ", "AUTH_GRPC_ADDR": "auth.internal:9443", "AUTH_TLS_CA": files.ca}, func(t *testing.T, c *config.Config) {
			if c.HTTPAddr != "127.0.0.1:0" || c.AuthGRPCAddr != "auth.internal:9443" {
				t.Errorf("addresses %q %q", c.HTTPAddr, c.AuthGRPCAddr)
			}
		}, nil},
		{"case=cache off by TTL 0", map[string]string{"AUTH_CACHE_TTL": "0"}, func(t *testing.T, c *config.Config) {
			if c.CacheEnabled() {
				t.Error("cache on")
			}
		}, nil},
		{"case=cache off by size 0", map[string]string{"AUTH_CACHE_SIZE": "0"}, func(t *testing.T, c *config.Config) {
			if c.CacheEnabled() {
				t.Error("cache on")
			}
		}, nil},
		{"case=cache tuned", map[string]string{"AUTH_CACHE_SIZE": "5", "AUTH_CACHE_TTL": "2m"}, func(t *testing.T, c *config.Config) {
			if c.AuthCacheSize != 5 || c.AuthCacheTTL != 2*time.Minute || !c.CacheEnabled() {
				t.Errorf("cache %d %v", c.AuthCacheSize, c.AuthCacheTTL)
			}
		}, nil},
		{"case=debug", map[string]string{"LOG_LEVEL": "DEBUG", "SHUTDOWN_TIMEOUT": "1s"}, func(t *testing.T, c *config.Config) {
			if !c.Debug || c.ShutdownTimeout != time.Second {
				t.Errorf("Debug %v, ShutdownTimeout %v", c.Debug, c.ShutdownTimeout)
			}
		}, nil},
		{"case=TLS with a private CA", map[string]string{"AUTH_TLS_CA": files.ca}, func(t *testing.T, c *config.Config) {
			if c.AuthTLS == nil || c.AuthTLS.CA != files.ca || c.AuthTLS.Cert != "" {
				t.Errorf("AuthTLS %+v", c.AuthTLS)
			}
		}, nil},
		{"case=mutual TLS", map[string]string{"AUTH_TLS_CA": files.ca, "AUTH_TLS_CERT": files.cert, "AUTH_TLS_KEY": files.key}, func(t *testing.T, c *config.Config) {
			if c.AuthTLS == nil || c.AuthTLS.CA != files.ca || c.AuthTLS.Cert != files.cert || c.AuthTLS.Key != files.key {
				t.Errorf("AuthTLS %+v", c.AuthTLS)
			}
		}, nil},
		{"case=client certificate and system roots", map[string]string{"AUTH_TLS_CERT": files.cert, "AUTH_TLS_KEY": files.key}, func(t *testing.T, c *config.Config) {
			if c.AuthTLS == nil || c.AuthTLS.CA != "" || c.AuthTLS.Cert != files.cert {
				t.Errorf("AuthTLS %+v", c.AuthTLS)
			}
		}, nil},
		{"case=plaintext to a remote host", map[string]string{"AUTH_GRPC_ADDR": "10.0.0.7:9090"}, func(t *testing.T, c *config.Config) {
			if c.AuthTLS != nil {
				t.Error("TLS on")
			}
		}, []string{"AUTH_GRPC_ADDR"}},
		{"case=cookie name", map[string]string{"AUTH_COOKIE_NAME": "session"}, func(t *testing.T, c *config.Config) {
			if c.AuthCookieName != "session" {
				t.Errorf("AuthCookieName %q", c.AuthCookieName)
			}
		}, nil},
		{"case=cookie name follows COOKIE_SECURE", map[string]string{"COOKIE_SECURE": "false"}, func(t *testing.T, c *config.Config) {
			if c.AuthCookieName != "session" {
				t.Errorf("AuthCookieName %q", c.AuthCookieName)
			}
		}, nil},
		{"case=plaintext to localhost", map[string]string{"AUTH_GRPC_ADDR": "localhost:9090"}, func(*testing.T, *config.Config) {}, nil},
		{"case=plaintext to IPv6 loopback", map[string]string{"AUTH_GRPC_ADDR": "[::1]:9090"}, func(*testing.T, *config.Config) {}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, warnings, err := config.Load(env(tt.env))
			if err != nil {
				t.Fatalf("Load: %v", err)
			}
			tt.check(t, c)
			if len(warnings) != len(tt.warnings) {
				t.Fatalf("warnings = %q, want %d naming %v", warnings, len(tt.warnings), tt.warnings)
			}
			for i, w := range tt.warnings {
				if !strings.Contains(warnings[i], w) {
					t.Errorf("warning %q does not name %s", warnings[i], w)
				}
			}
		})
	}
}

func TestLoadInvalidValues(t *testing.T) {
	t.Parallel()
	files := writeCerts(t)
	tests := []struct {
		name string
		env  map[string]string
		vars []string // named in the error, in order
	}{
		{"case=HTTP_ADDR without port", map[string]string{"HTTP_ADDR": "localhost"}, []string{"HTTP_ADDR"}},
		{"case=HTTP_ADDR bad port", map[string]string{"HTTP_ADDR": ":99999"}, []string{"HTTP_ADDR"}},
		{"case=AUTH_GRPC_ADDR without host", map[string]string{"AUTH_GRPC_ADDR": ":9090"}, []string{"AUTH_GRPC_ADDR"}},
		{"case=AUTH_GRPC_ADDR port 0", map[string]string{"AUTH_GRPC_ADDR": "127.0.0.1:0"}, []string{"AUTH_GRPC_ADDR"}},
		{"case=AUTH_GRPC_ADDR URL", map[string]string{"AUTH_GRPC_ADDR": "http://auth:9090"}, []string{"AUTH_GRPC_ADDR"}},
		{"case=AUTH_CACHE_SIZE negative", map[string]string{"AUTH_CACHE_SIZE": "-1"}, []string{"AUTH_CACHE_SIZE"}},
		{"case=AUTH_CACHE_SIZE not a number", map[string]string{"AUTH_CACHE_SIZE": "lots"}, []string{"AUTH_CACHE_SIZE"}},
		{"case=AUTH_CACHE_TTL without unit", map[string]string{"AUTH_CACHE_TTL": "30"}, []string{"AUTH_CACHE_TTL"}},
		{"case=AUTH_CACHE_TTL negative", map[string]string{"AUTH_CACHE_TTL": "-1s"}, []string{"AUTH_CACHE_TTL"}},
		{"case=SHUTDOWN_TIMEOUT zero", map[string]string{"SHUTDOWN_TIMEOUT": "0s"}, []string{"SHUTDOWN_TIMEOUT"}},
		{"case=LOG_LEVEL unknown", map[string]string{"LOG_LEVEL": "trace"}, []string{"LOG_LEVEL"}},
		{"case=AUTH_TLS_CA missing file", map[string]string{"AUTH_TLS_CA": filepath.Join(t.TempDir(), "nope.pem")}, []string{"AUTH_TLS_CA"}},
		{"case=AUTH_TLS_CA not PEM", map[string]string{"AUTH_TLS_CA": files.garbage}, []string{"AUTH_TLS_CA"}},
		{"case=AUTH_TLS_CERT without key", map[string]string{"AUTH_TLS_CERT": files.cert}, []string{"AUTH_TLS_CERT"}},
		{"case=AUTH_TLS_KEY without cert", map[string]string{"AUTH_TLS_KEY": files.key}, []string{"AUTH_TLS_CERT"}},
		{"case=AUTH_TLS_CERT not a certificate", map[string]string{"AUTH_TLS_CERT": files.garbage, "AUTH_TLS_KEY": files.key}, []string{"AUTH_TLS_CERT"}},
		{"case=every error at once", map[string]string{"HTTP_ADDR": "x", "AUTH_CACHE_SIZE": "-5", "LOG_LEVEL": "loud"}, []string{"HTTP_ADDR", "AUTH_CACHE_SIZE", "LOG_LEVEL"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c, _, err := config.Load(env(tt.env))
			if err == nil {
				t.Fatalf("Load() = %+v, want an error", c)
			}
			lines := strings.Split(err.Error(), "\n")
			var named []string
			for _, l := range lines {
				named = append(named, strings.SplitN(l, ":", 2)[0])
			}
			if !slices.Equal(named, tt.vars) {
				t.Errorf("error names %v, want %v:\n%v", named, tt.vars, err)
			}
		})
	}
}

// certFiles are PEM files for the TLS variables.
type certFiles struct{ ca, cert, key, garbage string }

// writeCerts writes a CA, a certificate it signs with its key, and a file
// that holds no certificate.
func writeCerts(t *testing.T) certFiles {
	t.Helper()
	pki := pkitest.New(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return certFiles{ca: pki.CA, cert: pki.ClientCert, key: pki.ClientKey, garbage: garbage}
}
