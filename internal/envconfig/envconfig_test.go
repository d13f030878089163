package envconfig_test

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/envconfig"
	"github.com/infrastructure/platform/internal/pkitest"
)

// tc is a case: the variable V set to value ("" leaves it unset) reads as
// want, with the error text wantErr ("" for none).
type tc[T any] struct {
	name, value string
	want        T
	wantErr     string
}

// run runs each case through fn, in parallel.
func run[T any](t *testing.T, cases []tc[T], fn func(r *envconfig.Reader) T) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			r := envconfig.New(func(name string) string {
				if name == "V" {
					return c.value
				}
				return ""
			})
			if got := fn(r); !reflect.DeepEqual(got, c.want) {
				t.Errorf("read %#v, want %#v", got, c.want)
			}
			var err string
			if e := r.Err(); e != nil {
				err = e.Error()
			}
			if err != c.wantErr {
				t.Errorf("error %q, want %q", err, c.wantErr)
			}
		})
	}
}

func TestString(t *testing.T) {
	t.Parallel()
	run(t, []tc[string]{
		{"case=unset", "", "", ""},
		{"case=trimmed", " \tx y\n", "x y", ""},
	}, func(r *envconfig.Reader) string { return r.String("V") })
}

func TestList(t *testing.T) {
	t.Parallel()
	run(t, []tc[[]string]{
		{"case=unset", "", nil, ""},
		{"case=only commas", " , ,", nil, ""},
		{"case=items trimmed", " a, b ,,c ", []string{"a", "b", "c"}, ""},
	}, func(r *envconfig.Reader) []string { return r.List("V") })
}

func TestBool(t *testing.T) {
	t.Parallel()
	run(t, []tc[bool]{
		{"case=unset is the default", "", true, ""},
		{"case=false", "false", false, ""},
		{"case=0", "0", false, ""},
		{"case=invalid", "yes", true, `V: must be true or false, got "yes"`},
	}, func(r *envconfig.Reader) bool { return r.Bool("V", true) })
}

func TestInt(t *testing.T) {
	t.Parallel()
	run(t, []tc[int]{
		{"case=unset is the default", "", 12, ""},
		{"case=low bound", "4", 4, ""},
		{"case=high bound", "31", 31, ""},
		{"case=below", "3", 12, `V: must be an integer from 4 to 31, got "3"`},
		{"case=above", "32", 12, `V: must be an integer from 4 to 31, got "32"`},
		{"case=not a number", "twelve", 12, `V: must be an integer from 4 to 31, got "twelve"`},
	}, func(r *envconfig.Reader) int { return r.Int("V", 12, 4, 31) })
}

func TestNonNegativeInt(t *testing.T) {
	t.Parallel()
	run(t, []tc[int]{
		{"case=unset is the default", "", 7, ""},
		{"case=zero", "0", 0, ""},
		{"case=large", "1000000000", 1_000_000_000, ""},
		{"case=negative", "-1", 7, `V: must be a whole number, 0 or more, got "-1"`},
		{"case=not a number", "1.5", 7, `V: must be a whole number, 0 or more, got "1.5"`},
	}, func(r *envconfig.Reader) int { return r.NonNegativeInt("V", 7) })
}

func TestDuration(t *testing.T) {
	t.Parallel()
	run(t, []tc[time.Duration]{
		{"case=unset is the default", "", time.Minute, ""},
		{"case=valid", "1h30m", 90 * time.Minute, ""},
		{"case=no unit", "30", time.Minute, `V: must be a duration such as 30m or 12h, got "30"`},
		{"case=zero", "0s", 0, `V: must be positive, got "0s"`},
		{"case=negative", "-1s", -time.Second, `V: must be positive, got "-1s"`},
	}, func(r *envconfig.Reader) time.Duration { return r.Duration("V", time.Minute) })
}

func TestNonNegativeDuration(t *testing.T) {
	t.Parallel()
	run(t, []tc[time.Duration]{
		{"case=unset is the default", "", time.Minute, ""},
		{"case=zero", "0", 0, ""},
		{"case=valid", "2m", 2 * time.Minute, ""},
		{"case=no unit", "30", time.Minute, `V: must be a duration such as 30m or 12h, got "30"`},
		{"case=negative", "-1s", -time.Second, `V: must not be negative, got "-1s"`},
	}, func(r *envconfig.Reader) time.Duration { return r.NonNegativeDuration("V", time.Minute) })
}

func TestDebug(t *testing.T) {
	t.Parallel()
	run(t, []tc[bool]{
		{"case=unset is info", "", false, ""},
		{"case=info", "info", false, ""},
		{"case=debug in any case", " DEBUG ", true, ""},
		{"case=unknown", "Trace", false, `V: must be info or debug, got "trace"`},
	}, func(r *envconfig.Reader) bool { return r.Debug("V") })
}

func TestListenAddr(t *testing.T) {
	t.Parallel()
	run(t, []tc[string]{
		{"case=unset is the default", "", ":8080", ""},
		{"case=port only", ":9000", ":9000", ""},
		{"case=host and port 0", "127.0.0.1:0", "127.0.0.1:0", ""},
		{"case=no port", "localhost", "localhost", `V: must be host:port or :port, got "localhost"`},
		{"case=port out of range", ":65536", ":65536", `V: has an invalid port "65536"`},
		{"case=port not a number", ":http", ":http", `V: has an invalid port "http"`},
	}, func(r *envconfig.Reader) string { return r.ListenAddr("V", ":8080") })
	run(t, []tc[string]{
		{"case=unset without default is off", "", "", ""},
	}, func(r *envconfig.Reader) string { return r.ListenAddr("V", "") })
}

func TestDialAddr(t *testing.T) {
	t.Parallel()
	run(t, []tc[string]{
		{"case=unset is the default", "", "127.0.0.1:9090", ""},
		{"case=named host", "auth.internal:9443", "auth.internal:9443", ""},
		{"case=no host", ":9090", ":9090", `V: must name a host, got ":9090"`},
		{"case=port 0", "127.0.0.1:0", "127.0.0.1:0", `V: has an invalid port "0"`},
		{"case=URL", "http://auth:9090", "http://auth:9090", `V: must be host:port, got "http://auth:9090"`},
		{"case=no host nor port", ":0", ":0", "V: has an invalid port \"0\"\nV: must name a host, got \":0\""},
	}, func(r *envconfig.Reader) string { return r.DialAddr("V", "127.0.0.1:9090") })
}

func TestCertPoolAndKeyPair(t *testing.T) {
	t.Parallel()
	pki := pkitest.New(t)
	garbage := filepath.Join(t.TempDir(), "garbage.pem")
	if err := os.WriteFile(garbage, []byte("not a certificate\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	missing := filepath.Join(t.TempDir(), "missing.pem")
	tests := []struct {
		name    string
		env     map[string]string
		pool    bool   // CertPool("CA") is not nil
		pair    bool   // KeyPair("CERT", "KEY") is not nil
		wantErr string // the start of each error line, in order
	}{
		{"case=none set", nil, false, false, ""},
		{"case=all set", map[string]string{"CA": pki.CA, "CERT": pki.ClientCert, "KEY": pki.ClientKey}, true, true, ""},
		{"case=CA missing", map[string]string{"CA": missing}, false, false, "CA: cannot read the CA: "},
		{"case=CA not PEM", map[string]string{"CA": garbage}, false, false, "CA: holds no PEM certificate"},
		{"case=cert without key", map[string]string{"CERT": pki.ClientCert}, false, false, "CERT: and KEY must be set together"},
		{"case=key without cert", map[string]string{"KEY": pki.ClientKey}, false, false, "CERT: and KEY must be set together"},
		{"case=key of another certificate", map[string]string{"CERT": pki.ClientCert, "KEY": pki.ServerKey}, false, false, "CERT: cannot load the certificate and key: "},
		{"case=both wrong", map[string]string{"CA": garbage, "CERT": garbage, "KEY": pki.ClientKey}, false, false, "CA: holds no PEM certificate\nCERT: cannot load the certificate and key: "},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := envconfig.New(func(name string) string { return tt.env[name] })
			pool, pair := r.CertPool("CA"), r.KeyPair("CERT", "KEY")
			if (pool != nil) != tt.pool || (pair != nil) != tt.pair {
				t.Errorf("CertPool %v, KeyPair %v; want a pool %v, a pair %v", pool != nil, pair != nil, tt.pool, tt.pair)
			}
			var err string
			if e := r.Err(); e != nil {
				err = e.Error()
			}
			if (err == "") != (tt.wantErr == "") || !strings.HasPrefix(err, tt.wantErr) {
				t.Errorf("error %q, want one starting %q", err, tt.wantErr)
			}
			if n, want := strings.Count(err, "\n"), strings.Count(tt.wantErr, "\n"); err != "" && n != want {
				t.Errorf("error %q has %d lines, want %d", err, n+1, want+1)
			}
		})
	}
}

func TestErrCollectsInOrder(t *testing.T) {
	t.Parallel()
	env := map[string]string{"A": "x", "B": "1", "C": "maybe"}
	r := envconfig.New(func(name string) string { return env[name] })
	r.Int("A", 0, 0, 9)
	r.Int("B", 0, 0, 9)
	r.Bool("C", false)
	r.Fail("D", "is %s", "custom")
	want := "A: must be an integer from 0 to 9, got \"x\"\nC: must be true or false, got \"maybe\"\nD: is custom"
	if err := r.Err(); err == nil || err.Error() != want {
		t.Errorf("Err() = %v, want\n%s", err, want)
	}
	if err := envconfig.New(func(string) string { return "" }).Err(); err != nil {
		t.Errorf("Err() without failures = %v, want nil", err)
	}
}
