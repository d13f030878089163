package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/config"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// stack is the real service on loopback over a fresh database.
type stack struct {
	ctx      context.Context
	cfg      *config.Config
	dbURL    string
	baseURL  string
	grpcAddr string
	grpc     genpb.AuthClient
	conn     *grpc.ClientConn
	logs     *syncBuffer
	stop     context.CancelFunc
	done     chan error
}

// syncBuffer collects the service's log lines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startStack runs the service as main does on a fresh database, with env
// on top of test defaults, and stops it when the test ends.
func startStack(t testing.TB, env map[string]string) *stack {
	t.Helper()
	return newStack(t, stackOptions{env: env})
}

// stackOptions steer newStack.
type stackOptions struct {
	env map[string]string
	// dbURL is the database to share (a fresh one when empty).
	dbURL string
	// now is the TOTP clock (time.Now when nil).
	now func() time.Time
	// spans receives the service's spans (none when nil).
	spans sdktrace.SpanExporter
	// mailRetryScale shrinks the mail worker's retry delays (0: as in
	// production).
	mailRetryScale float64
}

// testKey is the TOTP_ENCRYPTION_KEY of every test stack, so that stacks
// can share a database.
var testKey = func() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	return base64.StdEncoding.EncodeToString(key)
}()

func newStack(t testing.TB, o stackOptions) *stack {
	t.Helper()
	if o.dbURL == "" {
		o.dbURL = dbtest.New(t)
	}
	now := o.now
	env := o.env
	vars := map[string]string{
		"DATABASE_URL":        o.dbURL,
		"HTTP_ADDR":           "127.0.0.1:0",
		"GRPC_ADDR":           "127.0.0.1:0",
		"TOTP_ENCRYPTION_KEY": testKey,
		"BCRYPT_COST":         "4",
		// Tests of the admin methods call them over plaintext loopback;
		// the tests of who may call what set their own lists.
		"GRPC_ALLOW_ADMIN": "*",
	}
	for k, v := range env {
		vars[k] = v
	}
	cfg, _, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}

	logs := &syncBuffer{}
	ctx, cancel := context.WithCancel(logging.New(logs, log.FormatJSON, &debugLogs))
	s := &stack{ctx: ctx, cfg: cfg, dbURL: vars["DATABASE_URL"], logs: logs, stop: cancel, done: make(chan error, 1)}
	ready := make(chan [2]net.Addr, 1)
	go func() {
		s.done <- run(ctx, cfg, hooks{ready: func(h, g net.Addr) { ready <- [2]net.Addr{h, g} }, now: now, spans: o.spans, mailRetryScale: o.mailRetryScale})
	}()
	select {
	case addrs := <-ready:
		s.baseURL = "http://" + addrs[0].String()
		s.grpcAddr = addrs[1].String()
		conn, err := grpc.NewClient(addrs[1].String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
		if err != nil {
			t.Fatal(err)
		}
		s.conn = conn
		s.grpc = genpb.NewAuthClient(conn)
		if o.env["GRPC_CLIENT_CA"] == "" {
			// Tests start once the revocation feed is live (it connects
			// just after start-up), as a replica in service would be.
			feedCtx, feedDone := context.WithCancel(context.Background())
			subscribed(t, feedCtx, s.grpc)
			feedDone()
		}
	case err := <-s.done:
		t.Fatalf("the service did not start: %v", err)
	case <-time.After(60 * time.Second):
		t.Fatal("the service did not start within 60s")
	}
	t.Cleanup(func() {
		s.conn.Close()
		cancel()
		if err := <-s.done; err != nil {
			t.Errorf("run: %v", err)
		}
	})
	return s
}

// response is an HTTP answer read whole.
type response struct {
	status  int
	header  http.Header
	cookies []*http.Cookie
	body    map[string]any
	raw     string
}

// do sends a request; body is JSON-encoded unless it is a string.
func (s *stack) do(t testing.TB, method, path string, body any, header map[string]string) response {
	t.Helper()
	var r io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		r = strings.NewReader(b)
	case io.Reader:
		r = b
	default:
		j, _ := json.Marshal(b)
		r = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, s.baseURL+path, r)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	checkContract(t, req, res, raw)
	out := response{status: res.StatusCode, header: res.Header, cookies: res.Cookies(), raw: string(raw)}
	if len(raw) > 0 {
		_ = json.Unmarshal(raw, &out.body)
	}
	return out
}

// sessionCookie returns the session cookie the response sets, or nil.
func (r response) sessionCookie(name string) *http.Cookie {
	for _, c := range r.cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// testPassword is the password of the accounts the tests register: one
// that the service's password screening accepts.
const testPassword = "violet-anchor-drifting-92"

// register creates an account and returns its session token.
func (s *stack) register(t testing.TB, email, password string) string {
	t.Helper()
	res := s.do(t, "POST", "/auth/register", map[string]string{"email": email, "password": password}, nil)
	if res.status != http.StatusCreated {
		t.Fatalf("register: %d %s", res.status, res.raw)
	}
	c := res.sessionCookie(s.cfg.SessionCookieName())
	if c == nil {
		t.Fatalf("register set no %s cookie", s.cfg.SessionCookieName())
	}
	return c.Value
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

// rawConn is a direct connection to the test database, closed at the end.
func rawConn(t testing.TB, dbURL string) *pgx.Conn {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close(context.Background()) })
	return conn
}

// logCtx is a context with the stack's logger, for commands run beside it.
func (s *stack) logCtx() context.Context { return context.WithoutCancel(s.ctx) }

// listen opens a loopback listener for a test server.
func listen(t testing.TB) net.Listener {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return ln
}

// uniqueEmail turns a test case name into an email address.
func uniqueEmail(name string) string {
	return strings.Map(func(r rune) rune {
		if r >= 'a' && r <= 'z' || r >= '0' && r <= '9' {
			return r
		}
		return '-'
	}, strings.ToLower(name)) + "@example.com"
}
