package main

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	stdlog "log"
	"net"
	"net/http"
	"net/http/httputil"
	"net/netip"
	"os"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"goa.design/clue/log"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/config"
	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// fuzzPeer is the address every fuzzed request comes from: a trusted proxy,
// so that X-Forwarded-For is read.
const fuzzPeer = "10.0.0.2:40000"

// FuzzHTTPRequest sends arbitrary requests to the REST API as main serves
// it (newHTTPServer: the generated handlers with RequestDecoder and
// FormatError behind the whole middleware chain, on net/http's server) over
// a service stub, through an in-memory connection. For every request it
// checks that:
//   - the server answers (a panic in a handler would close the connection
//     without an answer) and logs nothing (a panic, a second WriteHeader);
//   - the answer is not a 5xx: parsing, decoding, validation, the session
//     cookie, the body limit, client addresses and CORS refuse bad input
//     with a 4xx;
//   - the service sees only payloads that pass the design's validations;
//   - no refused request sets a session cookie.
func FuzzHTTPRequest(f *testing.F) {
	for _, seed := range httpSeeds {
		r := seed.req
		f.Add(r.method, r.target, r.authorization, r.cookie, r.origin, r.forwardedFor, []byte(r.body), r.chunked)
	}
	stub := &stubService{}
	srv := newFuzzServer(f, stub)
	f.Fuzz(func(t *testing.T, method, target, authorization, cookie, origin, forwardedFor string, body []byte, chunked bool) {
		req := fuzzRequest{method, target, authorization, cookie, origin, forwardedFor, string(body), chunked}
		res, serverLog := srv.do(t, stub, req)
		defer res.Body.Close()
		if res.StatusCode >= 500 {
			msg, _ := io.ReadAll(res.Body)
			t.Fatalf("%s %q answered %d %s; server log: %s", method, target, res.StatusCode, msg, serverLog)
		}
		if serverLog != "" {
			t.Fatalf("%s %q: the server logged %s", method, target, serverLog)
		}
		if err := stub.violation(); err != nil {
			t.Fatalf("%s %q reached the service with an invalid payload: %v", method, target, err)
		}
		if res.StatusCode >= 400 {
			for _, c := range res.Cookies() {
				if (c.Name == "__Host-session" || c.Name == middleware.DesignCookieName) && c.Value != "" {
					t.Fatalf("%s %q answered %d and set the session cookie", method, target, res.StatusCode)
				}
			}
		}
	})
}

// TestHTTPFuzzHarness checks that the seeds of FuzzHTTPRequest get the
// answers of the real service's transport: a harness that answered 400 to
// everything would let the target pass without reaching a handler.
func TestHTTPFuzzHarness(t *testing.T) {
	t.Parallel()
	stub := &stubService{} // one request at a time: the subtests are sequential
	srv := newFuzzServer(t, stub)
	for _, seed := range httpSeeds {
		t.Run(seed.name, func(t *testing.T) {
			res, serverLog := srv.do(t, stub, seed.req)
			defer res.Body.Close()
			if res.StatusCode != seed.status {
				msg, _ := io.ReadAll(res.Body)
				t.Errorf("answered %d %s, want %d; server log: %s", res.StatusCode, msg, seed.status, serverLog)
			}
		})
	}
}

// fuzzRequest is what FuzzHTTPRequest varies in a request.
type fuzzRequest struct {
	method, target                              string
	authorization, cookie, origin, forwardedFor string
	body                                        string
	chunked                                     bool
}

// httpSeeds are the seeds of FuzzHTTPRequest with the status that each
// gets from the stub.
var httpSeeds = []struct {
	name   string
	req    fuzzRequest
	status int
}{
	{"case=login", fuzzRequest{method: "POST", target: "/auth/login", body: seedLogin}, 200},
	{"case=register chunked behind a proxy", fuzzRequest{method: "POST", target: "/auth/register", origin: "https://app.example.com", forwardedFor: "198.51.100.1", body: seedLogin, chunked: true}, 201},
	{"case=password over the bound", fuzzRequest{method: "POST", target: "/auth/login", body: `{"email":"ada@example.com","password":"` + strings.Repeat("a", 1025) + `"}`}, 400},
	{"case=password of the wrong type", fuzzRequest{method: "POST", target: "/auth/login", body: `{"email":"ada@example.com","password":12345678}`}, 400},
	{"case=unknown field", fuzzRequest{method: "POST", target: "/auth/login", body: `{"email":"a@b.co","password":"` + testPassword + `","admin":true}`}, 400},
	{"case=chunked body over the limit", fuzzRequest{method: "POST", target: "/auth/login", body: `{"password":"` + strings.Repeat("a", 70<<10) + `"}`, chunked: true}, 413},
	{"case=no body", fuzzRequest{method: "POST", target: "/auth/login"}, 400},
	{"case=bearer", fuzzRequest{method: "GET", target: "/auth/profile", authorization: "Bearer " + stubToken}, 200},
	{"case=cookie", fuzzRequest{method: "GET", target: "/auth/profile", cookie: "__Host-session=" + stubToken}, 200},
	{"case=other scheme", fuzzRequest{method: "GET", target: "/auth/profile", authorization: "Basic YWRhOnB3"}, 401},
	{"case=cookie from another origin", fuzzRequest{method: "POST", target: "/auth/logout", cookie: "__Host-session=" + stubToken, origin: "https://evil.example"}, 403},
	{"case=totp code", fuzzRequest{method: "POST", target: "/auth/totp/verify", authorization: "Bearer " + stubToken, body: `{"code":"123456"}`}, 200},
	{"case=short totp code", fuzzRequest{method: "POST", target: "/auth/totp/disable", authorization: "Bearer " + stubToken, body: `{"code":"12345"}`}, 400},
	{"case=backup code", fuzzRequest{method: "POST", target: "/auth/backup/verify", authorization: "Bearer " + stubToken, body: `{"code":"k7vq2-m9xr4"}`}, 200},
	{"case=backup code with spaces", fuzzRequest{method: "POST", target: "/auth/backup/verify", cookie: "__Host-session=" + stubToken, body: `{"code":" K7VQ2 M9XR4\n"}`}, 200},
	{"case=regenerate", fuzzRequest{method: "POST", target: "/auth/backup/regenerate", authorization: "Bearer " + stubToken, body: `{"password":"` + testPassword + `"}`}, 200},
	{"case=generate with a body", fuzzRequest{method: "POST", target: "/auth/totp/generate", authorization: "Bearer " + stubToken, body: "{}"}, 200},
	{"case=refresh", fuzzRequest{method: "POST", target: "/auth/session/refresh", authorization: "Bearer " + stubToken}, 200},
	{"case=sessions behind proxies", fuzzRequest{method: "GET", target: "/auth/sessions", authorization: "Bearer " + stubToken, forwardedFor: "10.0.0.9, 2001:db8::1"}, 200},
	{"case=delete session", fuzzRequest{method: "DELETE", target: "/auth/sessions/" + stubID, authorization: "Bearer " + stubToken}, 204},
	{"case=delete session not a uuid", fuzzRequest{method: "DELETE", target: "/auth/sessions/not-a-uuid", authorization: "Bearer " + stubToken}, 400},
	{"case=activity with a query", fuzzRequest{method: "GET", target: "/auth/activity?limit=5", authorization: "bearer  " + stubToken, forwardedFor: "nonsense, 1.2.3.4"}, 401},
	{"case=options without a preflight", fuzzRequest{method: "OPTIONS", target: "/auth/login", origin: "https://app.example.com"}, 405},
	{"case=health", fuzzRequest{method: "GET", target: "/healthz"}, 200},
	{"case=web app", fuzzRequest{method: "GET", target: "/", cookie: "__Host-session=" + stubToken}, 200},
	{"case=web app module", fuzzRequest{method: "GET", target: "/assets/app/main.js"}, 200},
	{"case=web app posted to", fuzzRequest{method: "POST", target: "/", body: seedLogin}, 405},
	{"case=debug switch through a proxy", fuzzRequest{method: "GET", target: "/debug?debug-logs=on", forwardedFor: "127.0.0.1"}, 404},
	{"case=dot segments", fuzzRequest{method: "GET", target: "/auth/../auth/profile"}, 404},
	{"case=asterisk", fuzzRequest{method: "PUT", target: "*"}, 404},
	{"case=broken request line", fuzzRequest{method: "GET /auth/profile", target: "HTTP/1.0"}, 400},
}

// seedLogin is a valid login body.
const seedLogin = `{"email":"ada@example.com","password":"correct horse battery"}`

// do sends req and returns the answer and what the server logged
// meanwhile, or fails tb when there is no answer.
func (s *fuzzServer) do(tb testing.TB, stub *stubService, req fuzzRequest) (*http.Response, string) {
	tb.Helper()
	stub.reset()
	raw := req.raw()
	out, serverLog := s.serve(tb, raw)
	res, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(out)), nil)
	if err != nil {
		tb.Fatalf("no answer to %q: %v; server log: %s", raw, err, serverLog)
	}
	return res, serverLog
}

// raw writes r as an HTTP/1.1 request. Fuzzed fields lose their line
// breaks, so that the request is framed by its Content-Length or chunks
// alone: a request that claimed a longer body would wait for it forever.
func (r fuzzRequest) raw() []byte {
	oneLine := strings.NewReplacer("\r", "", "\n", "")
	var b bytes.Buffer
	fmt.Fprintf(&b, "%s %s HTTP/1.1\r\nHost: auth.example.com\r\nConnection: close\r\nContent-Type: application/json\r\n",
		oneLine.Replace(r.method), oneLine.Replace(r.target))
	for _, h := range [][2]string{
		{"Authorization", r.authorization},
		{"Cookie", r.cookie},
		{"Origin", r.origin},
		{"X-Forwarded-For", r.forwardedFor},
	} {
		if h[1] != "" {
			fmt.Fprintf(&b, "%s: %s\r\n", h[0], oneLine.Replace(h[1]))
		}
	}
	if !r.chunked {
		fmt.Fprintf(&b, "Content-Length: %d\r\n\r\n%s", len(r.body), r.body)
		return b.Bytes()
	}
	b.WriteString("Transfer-Encoding: chunked\r\n\r\n")
	w := httputil.NewChunkedWriter(&b)
	for chunk := range slices.Chunk([]byte(r.body), 4096) {
		_, _ = w.Write(chunk)
	}
	_ = w.Close()
	b.WriteString("\r\n")
	return b.Bytes()
}

// fuzzServer is newHTTPServer serving connections made in memory.
type fuzzServer struct {
	conns chan net.Conn
	log   *syncBuffer
}

// newFuzzServer starts the HTTP server of main over svc, with the settings
// that reach the middleware: secure cookies, one allowed origin, trusted
// proxies in 10.0.0.0/8, /metrics and /debug on the same port.
func newFuzzServer(tb testing.TB, svc *stubService) *fuzzServer {
	tb.Helper()
	ctx := logging.New(io.Discard, log.FormatJSON, &logging.Switch{})
	cfg := &config.Config{
		WebApp:             true,
		CookieSecure:       true,
		CORSAllowedOrigins: []string{"https://app.example.com"},
		TrustedProxies:     []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")},
	}
	tel, err := newTelemetry(ctx, cfg, nil)
	if err != nil {
		tb.Fatal(err)
	}
	endpoints := genauth.NewEndpoints(svc)
	endpoints.Use(middleware.MethodLabel)
	srv, err := newHTTPServer(ctx, cfg, endpoints, stubPinger{}, tel)
	if err != nil {
		tb.Fatal(err)
	}
	s := &fuzzServer{conns: make(chan net.Conn), log: &syncBuffer{}}
	srv.ErrorLog = stdlog.New(s.log, "", 0)
	ln := &memListener{conns: s.conns, done: make(chan struct{})}
	go func() { _ = srv.Serve(ln) }()
	tb.Cleanup(func() {
		_ = srv.Close()
		_ = tel.shutdown(context.Background())
	})
	return s
}

// serve sends raw on a new connection and returns what the server wrote
// before closing it (the request asks for Connection: close), and what
// the server logged meanwhile (a recovered panic, say).
func (s *fuzzServer) serve(tb testing.TB, raw []byte) (out []byte, serverLog string) {
	tb.Helper()
	before := len(s.log.String())
	c := newMemConn(raw)
	s.conns <- c
	select {
	case <-c.closed:
	case <-time.After(10 * time.Second):
		_ = c.Close()
		tb.Fatalf("no answer within 10s to %q", raw)
	}
	return c.written(), s.log.String()[before:]
}

// memListener accepts the connections sent on conns.
type memListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func (l *memListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *memListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *memListener) Addr() net.Addr { return memAddr("127.0.0.1:8080") }

// memConn reads a request from in and keeps what is written. Once the
// request is read, Read blocks as a client waiting for the answer does (an
// end of input would cancel the request), until Close or a read deadline
// in the past, which is how the server stops its background read.
type memConn struct {
	in     *bytes.Reader
	closed chan struct{}
	once   sync.Once

	mu      sync.Mutex
	out     bytes.Buffer
	expired chan struct{} // closed while the read deadline is past
}

func newMemConn(request []byte) *memConn {
	return &memConn{in: bytes.NewReader(request), closed: make(chan struct{}), expired: make(chan struct{})}
}

func (c *memConn) Read(p []byte) (int, error) {
	if c.in.Len() > 0 {
		return c.in.Read(p)
	}
	c.mu.Lock()
	expired := c.expired
	c.mu.Unlock()
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	case <-expired:
		return 0, os.ErrDeadlineExceeded
	}
}

func (c *memConn) Write(p []byte) (int, error) {
	c.mu.Lock()
	defer c.mu.Unlock()
	select {
	case <-c.closed:
		return 0, net.ErrClosed
	default:
		return c.out.Write(p)
	}
}

// written returns what the server wrote.
func (c *memConn) written() []byte {
	c.mu.Lock()
	defer c.mu.Unlock()
	return bytes.Clone(c.out.Bytes())
}

func (c *memConn) Close() error {
	c.once.Do(func() { close(c.closed) })
	return nil
}

// SetReadDeadline wakes a blocked Read when t is past; future deadlines
// never expire (the request is in memory).
func (c *memConn) SetReadDeadline(t time.Time) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	past := !t.IsZero() && !t.After(time.Now())
	select {
	case <-c.expired:
		if !past {
			c.expired = make(chan struct{})
		}
	default:
		if past {
			close(c.expired)
		}
	}
	return nil
}

func (c *memConn) SetDeadline(t time.Time) error    { return c.SetReadDeadline(t) }
func (c *memConn) SetWriteDeadline(time.Time) error { return nil }
func (c *memConn) LocalAddr() net.Addr              { return memAddr("127.0.0.1:8080") }
func (c *memConn) RemoteAddr() net.Addr             { return memAddr(fuzzPeer) }

// memAddr is a TCP-looking address of a memConn.
type memAddr string

func (a memAddr) Network() string { return "tcp" }
func (a memAddr) String() string  { return string(a) }
