package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// accessLine waits for the access line of the request with the given id
// and returns it. The line is written after the response, so it may come a
// moment after the client has read it.
func (s *stack) accessLine(t *testing.T, id string) map[string]any {
	t.Helper()
	for range 500 {
		sc := bufio.NewScanner(strings.NewReader(s.logs.String()))
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var line map[string]any
			if json.Unmarshal(sc.Bytes(), &line) == nil && line["msg"] == "request" && line["request_id"] == id {
				return line
			}
		}
		time.Sleep(20 * time.Millisecond)
	}
	t.Fatalf("no access line with request_id %q in:\n%s", id, s.logs.String())
	return nil
}

// TestRouteErrors: a path without a route is 404 not_found and a known path
// with another method 405 method_not_allowed with Allow, both as JSON error
// bodies; the endpoints outside the design still answer.
func TestRouteErrors(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	for _, tt := range []struct {
		name, method, path string
		status             int
		errName, allow     string
	}{
		{"case=unknown path", "GET", "/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=unknown path under the API", "POST", "/auth/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=trailing slash", "POST", "/auth/login/", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=made-up method on an unknown path", "BREW", "/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=GET on a POST route", "GET", "/auth/login", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "POST"},
		{"case=POST on a path with a parameter", "POST", "/auth/sessions/5f0c3a52-3a4b-4c3e-9d6b-0a6f1f9b0c11", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "DELETE"},
		{"case=POST on a GET route", "POST", "/auth/sessions", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
		{"case=POST on livez", "POST", "/livez", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
		{"case=made-up method on a known path", "BREW", "/healthz", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, nil, nil)
			if r.status != tt.status || r.body["name"] != tt.errName {
				t.Fatalf("%s %s: %d %s, want %d %s", tt.method, tt.path, r.status, r.raw, tt.status, tt.errName)
			}
			if ct := r.header.Get("Content-Type"); ct != "application/json" {
				t.Errorf("Content-Type = %q, want application/json", ct)
			}
			if msg, _ := r.body["message"].(string); msg == "" {
				t.Errorf("no message: %s", r.raw)
			}
			if got := r.header.Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
		})
	}
	for _, path := range []string{"/livez", "/healthz", "/metrics"} {
		if r := s.do(t, "GET", path, nil, nil); r.status != http.StatusOK {
			t.Errorf("GET %s: %d %s", path, r.status, r.raw)
		}
	}
	// The sessions list really answers GET (the 405 above lists it).
	token := s.register(t, "ada@example.com", testPassword)
	if r := s.do(t, "GET", "/auth/sessions", nil, bearer(token)); r.status != http.StatusOK {
		t.Errorf("GET /auth/sessions: %d %s", r.status, r.raw)
	}
}

// TestRequestIDOnEveryResponse: every response carries X-Request-Id, the
// request_id of its access line; an error body's id is that same id; a
// client's own X-Request-Id is not taken.
func TestRequestIDOnEveryResponse(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	token := s.register(t, "ada@example.com", testPassword)
	big := `{"email":"big@example.com","password":"` + strings.Repeat("a", 70<<10) + `"}`
	const clientID = "chosen-by-the-client"

	seen := map[string]string{}
	for _, tt := range []struct {
		name, method, path string
		body               any
		header             map[string]string
		status             int
		isError            bool
	}{
		// Successful health checks get an id but no access line (a load
		// balancer makes one every second or two); TestDatabaseOutage
		// checks that a failed one is logged.
		{"case=livez", "GET", "/livez", nil, nil, http.StatusOK, false},
		{"case=healthz", "GET", "/healthz", nil, nil, http.StatusOK, false},
		{"case=metrics", "GET", "/metrics", nil, nil, http.StatusOK, false},
		{"case=profile", "GET", "/auth/profile", nil, bearer(token), http.StatusOK, false},
		{"case=client sends its own id", "GET", "/auth/profile", nil, map[string]string{"Authorization": "Bearer " + token, "X-Request-Id": clientID}, http.StatusOK, false},
		{"case=not found", "GET", "/nope", nil, nil, http.StatusNotFound, true},
		{"case=method not allowed", "DELETE", "/auth/login", nil, nil, http.StatusMethodNotAllowed, true},
		{"case=declared body too large", "POST", "/auth/register", big, nil, http.StatusRequestEntityTooLarge, true},
		{"case=chunked body too large", "POST", "/auth/login", chunked{strings.NewReader(big)}, nil, http.StatusRequestEntityTooLarge, true},
		{"case=invalid input", "POST", "/auth/register", `{"email":"x"}`, nil, http.StatusBadRequest, true},
		{"case=unauthorized", "GET", "/auth/profile", nil, nil, http.StatusUnauthorized, true},
		{"case=invalid credentials", "POST", "/auth/login", map[string]string{"email": "ada@example.com", "password": "wrong password"}, nil, http.StatusUnauthorized, true},
		{"case=forbidden origin", "POST", "/auth/logout", nil, map[string]string{"Cookie": "__Host-session=" + token, "Origin": "https://evil.example"}, http.StatusForbidden, true},
		{"case=unknown session", "DELETE", "/auth/sessions/5f0c3a52-3a4b-4c3e-9d6b-0a6f1f9b0c11", nil, bearer(token), http.StatusNotFound, true},
		{"case=client sends its own id with an error", "GET", "/nope", nil, map[string]string{"X-Request-Id": clientID}, http.StatusNotFound, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, tt.method, tt.path, tt.body, tt.header)
			if r.status != tt.status {
				t.Fatalf("%d %s, want %d", r.status, r.raw, tt.status)
			}
			ids := r.header.Values(logging.RequestIDHeader)
			if len(ids) != 1 || len(ids[0]) != 8 {
				t.Fatalf("X-Request-Id = %q, want one id of 8 characters", ids)
			}
			id := ids[0]
			if other, dup := seen[id]; dup {
				t.Errorf("request id %q also given to %s", id, other)
			}
			seen[id] = tt.name
			if tt.path == "/livez" || tt.path == "/healthz" {
				return
			}
			line := s.accessLine(t, id)
			if line["http.status"] != float64(tt.status) || line["http.method"] != tt.method {
				t.Errorf("access line %v does not describe %s %s -> %d", line, tt.method, tt.path, tt.status)
			}
			if tt.isError && r.body["id"] != id {
				t.Errorf("error body id = %v, want the request id %q: %s", r.body["id"], id, r.raw)
			}
		})
	}
	if strings.Contains(s.logs.String(), clientID) {
		t.Errorf("the client's X-Request-Id reached the logs")
	}
}

// TestStrictTransportSecurity: two years of HSTS on every response behind
// TLS (COOKIE_SECURE=true, the default), none for plain-HTTP development.
func TestStrictTransportSecurity(t *testing.T) {
	t.Parallel()
	requests := []struct{ method, path string }{
		{"GET", "/livez"}, {"GET", "/healthz"}, {"GET", "/metrics"}, {"GET", "/auth/profile"},
		{"GET", "/nope"}, {"PUT", "/auth/login"}, {"POST", "/auth/login"},
	}
	for _, tt := range []struct {
		name, secure, want string
	}{
		{"case=COOKIE_SECURE=true", "true", "max-age=63072000; includeSubDomains"},
		{"case=COOKIE_SECURE=false", "false", ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			s := startStack(t, map[string]string{"COOKIE_SECURE": tt.secure})
			for _, rq := range requests {
				r := s.do(t, rq.method, rq.path, nil, nil)
				if got := r.header.Values("Strict-Transport-Security"); strings.Join(got, "|") != tt.want {
					t.Errorf("%s %s (%d): Strict-Transport-Security = %q, want %q", rq.method, rq.path, r.status, got, tt.want)
				}
			}
			big := strings.NewReader(`{"password":"` + strings.Repeat("a", 70<<10) + `"}`)
			if r := s.do(t, "POST", "/auth/register", big, nil); r.header.Get("Strict-Transport-Security") != tt.want {
				t.Errorf("413: Strict-Transport-Security = %q, want %q", r.header.Get("Strict-Transport-Security"), tt.want)
			}
		})
	}
}

// TestMetricsIgnoreClientHeaders: 1,000 requests with distinct Host (and
// port), User-Agent and forwarding headers add no series to the HTTP
// metrics.
func TestMetricsIgnoreClientHeaders(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	send := func(i int) {
		t.Helper()
		req, err := http.NewRequest("GET", s.baseURL+"/auth/profile", nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Host = fmt.Sprintf("host-%d.example:%d", i, 1024+i)
		req.Header.Set("User-Agent", fmt.Sprintf("agent/%d", i))
		req.Header.Set("X-Forwarded-Proto", "https")
		req.Header.Set("X-Forwarded-Host", fmt.Sprintf("fwd-%d.example", i))
		req.Header.Set("Forwarded", fmt.Sprintf("for=192.0.2.%d;host=f%d.example;proto=https", i%250, i))
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusUnauthorized {
			t.Fatalf("request %d: %d, want 401", i, res.StatusCode)
		}
	}
	// One request of the kind first, so that its series exist.
	send(0)
	series := func() []string {
		t.Helper()
		var lines []string
		for line := range strings.Lines(s.do(t, "GET", "/metrics", nil, nil).raw) {
			if strings.HasPrefix(line, "http_server_") {
				lines = append(lines, line)
			}
		}
		return lines
	}
	before := series()
	if len(before) == 0 {
		t.Fatal("no http_server_ series in /metrics")
	}
	for i := 1; i <= 1000; i++ {
		send(i)
	}
	after := series()
	if len(after) != len(before) {
		t.Errorf("%d http_server_ series before 1,000 requests with distinct Host headers, %d after", len(before), len(after))
	}
	for _, leak := range []string{"host-", "agent/", "fwd-", "server_address", "server_port", "user_agent", "https"} {
		for _, line := range after {
			if strings.Contains(line, leak) {
				t.Errorf("a series carries %q: %s", leak, line)
				break
			}
		}
	}
}

// TestDebugSwitchOnMetricsAddr: with METRICS_ADDR, the debug log switch is
// served there and not at all on the public port, even to loopback.
func TestDebugSwitchOnMetricsAddr(t *testing.T) {
	t.Parallel()
	addr := "127.0.0.1:" + freePort(t)
	s := startStack(t, map[string]string{"METRICS_ADDR": addr})
	if r := s.do(t, "GET", "/debug?debug-logs=on", nil, nil); r.status != http.StatusNotFound || r.body["name"] != middleware.NameNotFound {
		t.Errorf("public /debug: %d %s, want 404 not_found", r.status, r.raw)
	}
	if r := s.do(t, "GET", "/metrics", nil, nil); r.status != http.StatusNotFound {
		t.Errorf("public /metrics: %d, want 404", r.status)
	}
	res, err := http.Get("http://" + addr + "/debug?debug-logs=off")
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	body, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusOK || !strings.Contains(string(body), `"debug-logs":"off"`) {
		t.Errorf("METRICS_ADDR /debug: %d %s", res.StatusCode, body)
	}
}

// TestDebugSwitchOnPublicPort: without METRICS_ADDR, the debug log switch
// answers a loopback peer that sent no forwarding header, and a request
// relayed by a reverse proxy on the same machine gets 404 and switches
// nothing.
func TestDebugSwitchOnPublicPort(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	t.Cleanup(func() { debugLogs.Set(false) }) // should a refused request have switched it
	state := func(t *testing.T) string {
		t.Helper()
		r := s.do(t, "GET", "/debug", nil, nil)
		if r.status != http.StatusOK {
			t.Fatalf("GET /debug from loopback: %d %s", r.status, r.raw)
		}
		v, _ := r.body["debug-logs"].(string)
		return v
	}
	if r := s.do(t, "GET", "/debug?debug-logs=off", nil, nil); r.status != http.StatusOK || r.body["debug-logs"] != "off" {
		t.Fatalf("GET /debug?debug-logs=off from loopback: %d %s", r.status, r.raw)
	}

	for _, tt := range []struct {
		name   string
		header map[string]string
	}{
		{"case=X-Forwarded-For", map[string]string{"X-Forwarded-For": "203.0.113.7"}},
		{"case=X-Forwarded-For naming loopback", map[string]string{"X-Forwarded-For": "127.0.0.1"}},
		{"case=Forwarded", map[string]string{"Forwarded": "for=203.0.113.7"}},
		{"case=X-Real-IP", map[string]string{"X-Real-IP": "203.0.113.7"}},
		{"case=X-Forwarded-Host", map[string]string{"X-Forwarded-Host": "auth.example"}},
		{"case=Via", map[string]string{"Via": "1.1 proxy"}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := s.do(t, "GET", "/debug?debug-logs=on", nil, tt.header)
			if r.status != http.StatusNotFound || r.body["name"] != middleware.NameNotFound {
				t.Errorf("%d %s, want 404 not_found", r.status, r.raw)
			}
			if got := state(t); got != "off" {
				t.Errorf("debug logs %s after a refused request", got)
			}
		})
	}

	t.Run("case=through a local reverse proxy", func(t *testing.T) {
		target, _ := url.Parse(s.baseURL)
		proxy := httptest.NewServer(httputil.NewSingleHostReverseProxy(target))
		defer proxy.Close()
		res, err := http.Get(proxy.URL + "/debug?debug-logs=on")
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if res.StatusCode != http.StatusNotFound {
			t.Errorf("through the proxy: %d %s, want 404", res.StatusCode, body)
		}
		if got := state(t); got != "off" {
			t.Errorf("debug logs %s after a relayed request", got)
		}
	})
}
