package api_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/pquerna/otp/totp"
	"goa.design/clue/health"
	"goa.design/clue/log"
	"google.golang.org/grpc"

	"github.com/infrastructure/platform/internal/httpserver"
	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/authtest"
	"github.com/infrastructure/platform/services/auth/client"
	"github.com/infrastructure/platform/services/executor/internal/api"
)

// executor is the executor's HTTP API on loopback, with a real auth client
// to a real auth binary.
type executor struct {
	url  string
	auth *client.Client
	// validations counts the ValidateSession calls that went to the auth
	// service (cache misses).
	validations *atomic.Int64
}

// startExecutor serves the API in front of srv until the end of t; opts
// configure the auth client (WithCache).
func startExecutor(t *testing.T, srv *authtest.Server, opts ...client.Option) *executor {
	t.Helper()
	validations := new(atomic.Int64)
	count := grpc.WithChainUnaryInterceptor(func(ctx context.Context, method string, req, reply any, cc *grpc.ClientConn, invoker grpc.UnaryInvoker, opts ...grpc.CallOption) error {
		if strings.HasSuffix(method, "/ValidateSession") {
			validations.Add(1)
		}
		return invoker(ctx, method, req, reply, cc, opts...)
	})
	c, err := client.New(srv.GRPCAddr, append(opts, client.WithDialOptions(count))...)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = c.Close() })

	logCtx := logging.New(io.Discard, log.FormatJSON, &logging.Switch{})
	h := api.New(logCtx, api.Options{Auth: c, CookieName: "session", Health: health.NewChecker(c)})
	ts := httptest.NewUnstartedServer(h)
	ts.Config = httpserver.New(logCtx, h)
	ts.Start()
	t.Cleanup(ts.Close)
	return &executor{url: ts.URL, auth: c, validations: validations}
}

// waitCacheLive waits until the client's revocation stream is connected,
// so that validations are cached.
func (e *executor) waitCacheLive(t *testing.T) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); !e.auth.CacheLive(); {
		if time.Now().After(deadline) {
			t.Fatal("the auth client's cache never went live")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// response is an HTTP answer read whole.
type response struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

// get sends GET path with the given headers.
func get(t *testing.T, baseURL, path string, header map[string]string) response {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, baseURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header.Set(k, v)
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := response{status: res.StatusCode, header: res.Header, raw: string(raw)}
	_ = json.Unmarshal(raw, &out.body)
	return out
}

// propagationTimeout bounds how long a revocation may take to reach the
// auth client's cache. It is asynchronous (PostgreSQL NOTIFY, then the
// auth service's WatchRevocations stream): the logout answers first, and a
// request sent right after it may still be served from the cache for a few
// milliseconds. The caches in these tests live for an hour, so a refusal
// within this bound can only come from the revocation.
const propagationTimeout = 2 * time.Second

// refusedSoon polls GET path until it answers 401 and returns how long that
// took.
func refusedSoon(t *testing.T, baseURL, path string, header map[string]string) time.Duration {
	t.Helper()
	start := time.Now()
	for {
		r := get(t, baseURL, path, header)
		switch {
		case r.status == http.StatusUnauthorized:
			if r.body["name"] != "unauthorized" {
				t.Errorf("401 body %s, want name unauthorized", r.raw)
			}
			return time.Since(start)
		case r.status != http.StatusOK:
			t.Fatalf("GET %s: %d %s, want 401 (or a stale 200 for a moment)", path, r.status, r.raw)
		case time.Since(start) > propagationTimeout:
			t.Fatalf("GET %s: still 200 %v after the revocation", path, propagationTimeout)
		}
		time.Sleep(time.Millisecond)
	}
}

func bearer(token string) map[string]string {
	return map[string]string{"Authorization": "Bearer " + token}
}

func cookie(name, token string) map[string]string {
	return map[string]string{"Cookie": name + "=" + token}
}

// testPassword is the password register gives every account: one that
// the auth service's password screening accepts.
const testPassword = "violet-anchor-drifting-92"

// register creates an account and returns its aal1 session token.
func register(t *testing.T, srv *authtest.Server, email string) string {
	t.Helper()
	token, err := srv.Register(t.Context(), email, testPassword)
	if err != nil {
		t.Fatal(err)
	}
	return token
}

// stepUp enrolls TOTP for the session's user with a code for now, which
// raises the session to aal2 and replaces its token; it returns the new
// token.
func stepUp(t *testing.T, srv *authtest.Server, token string) string {
	t.Helper()
	aal2, _ := enroll(t, srv, token)
	return aal2
}

// login signs in with the password of register and returns the new aal1
// session token.
func login(t *testing.T, srv *authtest.Server, email string) string {
	t.Helper()
	res, err := http.Post(srv.HTTPURL+"/auth/login", "application/json", strings.NewReader(`{"email":"`+email+`","password":"`+testPassword+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	for _, c := range res.Cookies() {
		if c.Name == "session" && res.StatusCode == http.StatusOK {
			return c.Value
		}
	}
	t.Fatalf("login: %d, no session cookie", res.StatusCode)
	return ""
}

// enroll is stepUp that also returns the TOTP secret.
func enroll(t *testing.T, srv *authtest.Server, token string) (aal2, secret string) {
	t.Helper()
	gen := postAuth(t, srv, "/auth/totp/generate", token, "")
	if gen.status != http.StatusOK {
		t.Fatalf("totp/generate: %d %s", gen.status, gen.raw)
	}
	secret, _ = gen.body["secret"].(string)
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	ver := postAuth(t, srv, "/auth/totp/verify", token, `{"code":"`+code+`"}`)
	if ver.status != http.StatusOK || ver.body["aal"] != "aal2" {
		t.Fatalf("totp/verify: %d %s", ver.status, ver.raw)
	}
	for _, c := range ver.cookies {
		if c.Name == "session" {
			return c.Value, secret
		}
	}
	t.Fatal("totp/verify set no session cookie")
	return "", ""
}

// authResponse is an answer of the auth service's REST API.
type authResponse struct {
	response
	cookies []*http.Cookie
}

func postAuth(t *testing.T, srv *authtest.Server, path, token, body string) authResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, srv.HTTPURL+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("POST %s: %v", path, err)
	}
	defer res.Body.Close()
	raw, _ := io.ReadAll(res.Body)
	out := authResponse{response: response{status: res.StatusCode, header: res.Header, raw: string(raw)}, cookies: res.Cookies()}
	_ = json.Unmarshal(raw, &out.body)
	return out
}
