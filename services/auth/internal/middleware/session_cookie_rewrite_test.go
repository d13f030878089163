package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// designCookie is the cookie as the generated encoders set it.
func designCookie(value string) *http.Cookie {
	return &http.Cookie{
		Name:     middleware.DesignCookieName,
		Value:    value,
		Path:     "/",
		Secure:   true,
		HttpOnly: true,
		SameSite: http.SameSiteLaxMode,
	}
}

// respond sends a request through SessionCookie(o) to next and returns the
// Set-Cookie lines and cookies the client receives.
func respond(t *testing.T, o middleware.CookieOptions, next http.HandlerFunc) (*http.Response, []*http.Cookie) {
	t.Helper()
	rec := httptest.NewRecorder()
	r := httptest.NewRequest(http.MethodPost, "https://"+testHost+"/login", nil)
	middleware.SessionCookie(o)(next).ServeHTTP(rec, r)
	resp := rec.Result()
	return resp, resp.Cookies()
}

func TestSessionCookieRewrite(t *testing.T) {
	t.Parallel()
	insecure := middleware.CookieOptions{Name: "session", Secure: false}
	writeHeader := func(c *http.Cookie) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, c)
			w.WriteHeader(http.StatusCreated)
			_, _ = w.Write([]byte(`{}`))
		}
	}
	writeOnly := func(c *http.Cookie) http.HandlerFunc {
		return func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, c)
			_, _ = w.Write([]byte(`{}`))
		}
	}
	loose := &http.Cookie{Name: "session", Value: "tok", Domain: "example.com", Path: "/api", SameSite: http.SameSiteNoneMode}
	tests := []struct {
		name       string
		opts       middleware.CookieOptions
		next       http.HandlerFunc
		wantName   string
		wantValue  string
		wantSecure bool
		wantDelete bool
	}{
		{"case=secure", secureOptions, writeHeader(designCookie("tok")), "__Host-session", "tok", true, false},
		{"case=insecure", insecure, writeHeader(designCookie("tok")), "session", "tok", false, false},
		{"case=secure write only", secureOptions, writeOnly(designCookie("tok")), "__Host-session", "tok", true, false},
		{"case=insecure write only", insecure, writeOnly(designCookie("tok")), "session", "tok", false, false},
		{"case=loose attributes tightened", secureOptions, writeHeader(loose), "__Host-session", "tok", true, false},
		{"case=empty value deletes", secureOptions, writeHeader(designCookie("")), "__Host-session", "", true, true},
		{"case=empty value deletes insecure", insecure, writeHeader(designCookie("")), "session", "", false, true},
		{"case=empty value deletes with 204", secureOptions, func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, designCookie(""))
			w.WriteHeader(http.StatusNoContent)
		}, "__Host-session", "", true, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, cookies := respond(t, tt.opts, tt.next)
			lines := resp.Header.Values("Set-Cookie")
			if len(cookies) != 1 || len(lines) != 1 {
				t.Fatalf("Set-Cookie = %q, want one cookie", lines)
			}
			c, line := cookies[0], lines[0]
			if c.Name != tt.wantName || c.Value != tt.wantValue {
				t.Errorf("cookie = %s=%s, want %s=%s (%q)", c.Name, c.Value, tt.wantName, tt.wantValue, line)
			}
			if c.Secure != tt.wantSecure {
				t.Errorf("Secure = %v, want %v (%q)", c.Secure, tt.wantSecure, line)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" {
				t.Errorf("cookie = %q, want HttpOnly, SameSite=Lax, Path=/ and no Domain", line)
			}
			if gotDelete := strings.Contains(line, "Max-Age=0"); gotDelete != tt.wantDelete {
				t.Errorf("cookie = %q, Max-Age=0 present = %v, want %v", line, gotDelete, tt.wantDelete)
			}
			if tt.wantDelete && c.MaxAge >= 0 {
				t.Errorf("MaxAge = %d, want a deletion (< 0)", c.MaxAge)
			}
		})
	}
}

func TestSessionCookieRewriteKeepsOtherCookies(t *testing.T) {
	t.Parallel()
	theme := &http.Cookie{Name: "theme", Value: "dark", Path: "/prefs", Domain: "example.com", MaxAge: 60}
	configured := &http.Cookie{Name: "__Host-session", Value: "raw", Path: "/", Secure: true}
	tests := []struct {
		name    string
		cookies []*http.Cookie
		want    []string // names, in order, as the client sees them
	}{
		{"case=no cookies", nil, nil},
		{"case=only another cookie", []*http.Cookie{theme}, []string{"theme"}},
		{"case=session between others", []*http.Cookie{theme, designCookie("tok"), {Name: "lang", Value: "fr"}}, []string{"theme", "__Host-session", "lang"}},
		{"case=configured name not renamed again", []*http.Cookie{configured}, []string{"__Host-session"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var sent []string
			resp, cookies := respond(t, secureOptions, func(w http.ResponseWriter, _ *http.Request) {
				for _, c := range tt.cookies {
					http.SetCookie(w, c)
				}
				sent = slices.Clone(w.Header().Values("Set-Cookie"))
				w.WriteHeader(http.StatusOK)
			})
			var names []string
			for _, c := range cookies {
				names = append(names, c.Name)
			}
			if !slices.Equal(names, tt.want) {
				t.Fatalf("cookies = %q, want %q", names, tt.want)
			}
			lines := resp.Header.Values("Set-Cookie")
			for i, c := range tt.cookies {
				if c.Name != middleware.DesignCookieName && lines[i] != sent[i] {
					t.Errorf("Set-Cookie[%d] = %q, want it untouched: %q", i, lines[i], sent[i])
				}
			}
		})
	}
}

func TestSessionCookieRewriteOnce(t *testing.T) {
	t.Parallel()
	resp, cookies := respond(t, secureOptions, func(w http.ResponseWriter, _ *http.Request) {
		http.SetCookie(w, designCookie("tok"))
		_, _ = w.Write([]byte("a"))
		_, _ = w.Write([]byte("b"))
	})
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
	if len(cookies) != 1 || cookies[0].Name != "__Host-session" {
		t.Errorf("Set-Cookie = %q, want one __Host-session", resp.Header.Values("Set-Cookie"))
	}
}

func TestSessionCookieWriterUnwraps(t *testing.T) {
	t.Parallel()
	var flushErr error
	resp, _ := respond(t, secureOptions, func(w http.ResponseWriter, _ *http.Request) {
		_, _ = w.Write([]byte("partial"))
		flushErr = http.NewResponseController(w).Flush()
	})
	if flushErr != nil {
		t.Errorf("Flush through the cookie writer: %v", flushErr)
	}
	if resp.StatusCode != http.StatusOK {
		t.Errorf("status = %d, want 200", resp.StatusCode)
	}
}

func TestSessionCookieRewrittenWhateverTheHandlerDoes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		next http.HandlerFunc
	}{
		{"case=returns without writing", func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, designCookie("tok"))
		}},
		{"case=flushes through ResponseController first", func(w http.ResponseWriter, _ *http.Request) {
			http.SetCookie(w, designCookie("tok"))
			_ = http.NewResponseController(w).Flush()
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			resp, cookies := respond(t, secureOptions, tt.next)
			if len(cookies) != 1 || cookies[0].Name != "__Host-session" || !cookies[0].Secure {
				t.Errorf("Set-Cookie = %q, want one Secure __Host-session", resp.Header.Values("Set-Cookie"))
			}
		})
	}
}
