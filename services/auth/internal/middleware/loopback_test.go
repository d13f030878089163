package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

func TestLoopbackOnly(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name, peer string
		header     map[string]string
		pass       bool
	}{
		{"case=IPv4 loopback", "127.0.0.1:5555", nil, true},
		{"case=other IPv4 loopback", "127.0.0.2:5555", nil, true},
		{"case=IPv6 loopback", "[::1]:5555", nil, true},
		{"case=IPv4-mapped loopback", "[::ffff:127.0.0.1]:5555", nil, true},
		{"case=unrelated header", "127.0.0.1:5555", map[string]string{"Accept": "*/*"}, true},
		{"case=remote IPv4", "203.0.113.7:5555", nil, false},
		{"case=remote IPv6", "[2001:db8::1]:5555", nil, false},
		{"case=private network", "10.0.0.1:5555", nil, false},
		{"case=unspecified", "0.0.0.0:5555", nil, false},
		{"case=garbage peer", "localhost", nil, false},
		{"case=X-Forwarded-For", "127.0.0.1:5555", map[string]string{"X-Forwarded-For": "203.0.113.7"}, false},
		{"case=X-Forwarded-For naming loopback", "127.0.0.1:5555", map[string]string{"X-Forwarded-For": "127.0.0.1"}, false},
		{"case=empty X-Forwarded-For", "127.0.0.1:5555", map[string]string{"X-Forwarded-For": ""}, false},
		{"case=Forwarded", "[::1]:5555", map[string]string{"Forwarded": "for=203.0.113.7"}, false},
		{"case=X-Real-IP", "127.0.0.1:5555", map[string]string{"X-Real-IP": "203.0.113.7"}, false},
		{"case=X-Forwarded-Host", "127.0.0.1:5555", map[string]string{"X-Forwarded-Host": "auth.example"}, false},
		{"case=X-Forwarded-Proto", "127.0.0.1:5555", map[string]string{"X-Forwarded-Proto": "https"}, false},
		{"case=Via", "127.0.0.1:5555", map[string]string{"Via": "1.1 proxy"}, false},
		{"case=lower-case name", "127.0.0.1:5555", map[string]string{"x-forwarded-for": "203.0.113.7"}, false},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			called := false
			h := middleware.LoopbackOnly(http.HandlerFunc(func(http.ResponseWriter, *http.Request) { called = true }))
			r := httptest.NewRequest(http.MethodGet, "/debug?debug-logs=on", nil)
			r.RemoteAddr = tt.peer
			for k, v := range tt.header {
				r.Header[k] = []string{v} // as sent, not canonicalized
			}
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if called != tt.pass {
				t.Fatalf("handler reached: %v, want %v", called, tt.pass)
			}
			if !tt.pass {
				if body := errorBody(t, rec, http.StatusNotFound); body.Name != middleware.NameNotFound {
					t.Errorf("refusal = %+v, want the 404 of an unknown route", body)
				}
			}
		})
	}
}
