package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"testing"
	"time"

	"goa.design/clue/log"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/authtest"
	"github.com/infrastructure/platform/services/executor/config"
)

// startExecutor runs the executor as main does, configured by env on top of
// HTTP_ADDR=127.0.0.1:0, and stops it at the end of t. It returns the base
// URL.
func startExecutor(t *testing.T, env map[string]string) string {
	t.Helper()
	vars := map[string]string{"HTTP_ADDR": "127.0.0.1:0", "AUTH_COOKIE_NAME": "session"}
	for k, v := range env {
		vars[k] = v
	}
	cfg, _, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	ctx, cancel := context.WithCancel(logging.New(io.Discard, log.FormatJSON, &logging.Switch{}))
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	go func() { done <- run(ctx, cfg, func(a net.Addr) { ready <- a }) }()
	var addr net.Addr
	select {
	case addr = <-ready:
	case err := <-done:
		t.Fatalf("run: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("run: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Error("run did not return after shutdown")
		}
	})
	return "http://" + addr.String()
}

// status sends GET path with a session cookie and decodes the body.
func status(t *testing.T, baseURL, path, token string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, baseURL+path, nil)
	if token != "" {
		req.AddCookie(&http.Cookie{Name: "session", Value: token})
	}
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("GET %s: %v", path, err)
	}
	defer res.Body.Close()
	var body map[string]any
	_ = json.NewDecoder(res.Body).Decode(&body)
	return res.StatusCode, body
}

// testPassword is the password of the accounts the tests register: one
// that the auth service's password screening accepts.
const testPassword = "violet-anchor-drifting-92"

// TestRun wires the executor as main does (cache on, the default) in
// front of the real auth binary, and shuts it down.
func TestRun(t *testing.T) {
	t.Parallel()
	srv := authtest.Start(t, authtest.Options{})
	token, err := srv.Register(t.Context(), "ada@example.com", testPassword)
	if err != nil {
		t.Fatal(err)
	}
	url := startExecutor(t, map[string]string{"AUTH_GRPC_ADDR": srv.GRPCAddr})
	if code, body := status(t, url, "/executor/whoami", token); code != http.StatusOK || body["email"] != "ada@example.com" || body["aal"] != "aal1" {
		t.Errorf("whoami: %d %v", code, body)
	}
	if code, body := status(t, url, "/executor/whoami", ""); code != http.StatusUnauthorized {
		t.Errorf("whoami without a session: %d %v", code, body)
	}
	if code, body := status(t, url, "/healthz", ""); code != http.StatusOK {
		t.Errorf("healthz: %d %v", code, body)
	}
}

// TestStartsWithoutAuth: the executor starts when the auth service is not
// up (it connects lazily) and reports it in /healthz and 503s.
func TestStartsWithoutAuth(t *testing.T) {
	t.Parallel()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	nobody := ln.Addr().String()
	ln.Close()
	url := startExecutor(t, map[string]string{"AUTH_GRPC_ADDR": nobody})
	if code, _ := status(t, url, "/livez", ""); code != http.StatusOK {
		t.Errorf("livez: %d", code)
	}
	if code, body := status(t, url, "/healthz", ""); code != http.StatusServiceUnavailable {
		t.Errorf("healthz: %d %v", code, body)
	}
	if code, body := status(t, url, "/executor/whoami", "x"); code != http.StatusServiceUnavailable || body["name"] != "unavailable" {
		t.Errorf("whoami: %d %v", code, body)
	}
}
