// Package authtest runs the real auth binary as a subprocess, for the tests
// and benchmarks of sibling services: they talk to it exactly as they will
// in production, over REST and gRPC on loopback, with no access to its
// internals.
//
//	srv := authtest.Start(t, authtest.Options{}) // fresh database, stopped at the end of t
//	token, err := srv.Register(ctx, "ada@example.com", "violet-anchor-drifting-92")
//	c, err := client.New(srv.GRPCAddr)
//
// The binary is built once per process (see Binary). It needs the go
// command and a PostgreSQL server: run tests through scripts/test.sh.
package authtest

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// Timeouts of StartProcess and Stop.
const (
	// StartTimeout bounds the wait for /livez (migrations included).
	StartTimeout = 60 * time.Second
	// StopTimeout is how long Stop waits after SIGTERM before it kills.
	StopTimeout = 10 * time.Second
)

const (
	logKeep = 256 << 10 // output kept for Logs
	logTail = 4 << 10   // output quoted in errors
)

// Options of StartProcess.
type Options struct {
	// DatabaseURL is the auth service's database (DATABASE_URL); required
	// for StartProcess, a fresh one when empty for Start. The binary
	// applies the migrations itself.
	DatabaseURL string
	// Env adds or overrides variables of the auth service, e.g.
	// COOKIE_SECURE=true or SESSION_IDLE_TIMEOUT=2s. HTTP_ADDR and
	// GRPC_ADDR may be overridden with an explicit port.
	Env map[string]string
}

// Server is a running auth binary.
type Server struct {
	// HTTPURL is the REST API's base URL: http://127.0.0.1:PORT.
	HTTPURL string
	// GRPCAddr is the gRPC API's address: 127.0.0.1:PORT.
	GRPCAddr string
	// DatabaseURL is the service's database.
	DatabaseURL string

	proc     *process
	http     *http.Client
	stopOnce sync.Once
	stopErr  error
}

// defaultKey is the TOTP_ENCRYPTION_KEY of every server of this process,
// so that two servers on one database behave as replicas.
var defaultKey = func() string {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // never fails
	return base64.StdEncoding.EncodeToString(key)
}()

// StartProcess starts the auth binary on free loopback ports and waits until
// its /livez answers (at most StartTimeout). Its defaults are BCRYPT_COST=4
// (fast registrations), a random TOTP_ENCRYPTION_KEY shared by the servers
// of this process, and COOKIE_SECURE=false so that cookies work over plain
// HTTP; o.Env overrides them. ctx bounds the start only, not the life of
// the process: call Stop.
//
// The process gets only PATH, HOME, TMPDIR, TZ and LANG from this
// environment, so that a developer's shell cannot change its behaviour.
// Its output is kept (see Logs) and the end of it is quoted in errors.
func StartProcess(ctx context.Context, o Options) (*Server, error) {
	if o.DatabaseURL == "" {
		return nil, errors.New("authtest: Options.DatabaseURL is required")
	}
	path, err := Binary()
	if err != nil {
		return nil, err
	}
	_, fixedHTTP := o.Env["HTTP_ADDR"]
	_, fixedGRPC := o.Env["GRPC_ADDR"]
	s, err := startOnce(ctx, path, o)
	// Another process may take a port between our probe and the bind:
	// try once more with new ones.
	if errors.Is(err, errAddrInUse) && !(fixedHTTP && fixedGRPC) {
		s, err = startOnce(ctx, path, o)
	}
	return s, err
}

// Start is StartProcess for tests: a fresh database from dbtest.New when
// o.DatabaseURL is empty, Stop at the end of t (and the server's output in
// the test log when t failed), t.Fatal when the server does not start.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.DatabaseURL == "" {
		o.DatabaseURL = dbtest.New(t)
	}
	s, err := StartProcess(t.Context(), o)
	if err != nil {
		t.Fatal(err)
	}
	// Registered after dbtest's clean-up, so it runs before the database
	// is dropped.
	t.Cleanup(func() {
		if err := s.Stop(); err != nil {
			t.Error(err)
		}
		if t.Failed() {
			t.Logf("auth output (last %d KiB):\n%s", logTail>>10, s.proc.logs.tail(logTail))
		}
	})
	return s
}

// AdminURL is the PostgreSQL server that Start creates databases on, with a
// superuser role: TEST_DATABASE_URL, or the local server of
// scripts/postgres.sh. Tests that play the operator (cutting the auth
// service off its database) connect with it.
func AdminURL() string { return dbtest.AdminURL() }

// Stop sends SIGTERM and waits for the process to exit, killing it after
// StopTimeout. It reports an unclean exit, including one that happened
// before Stop. Calling it again returns the same result.
func (s *Server) Stop() error {
	s.stopOnce.Do(func() { s.stopErr = s.proc.stop(StopTimeout) })
	return s.stopErr
}

// Logs returns the end of the process's output (stdout and stderr, the
// last 256 KiB).
func (s *Server) Logs() string { return s.proc.logs.tail(logKeep) }

var errAddrInUse = errors.New("address already in use")

func startOnce(ctx context.Context, path string, o Options) (*Server, error) {
	env := map[string]string{
		"DATABASE_URL":        o.DatabaseURL,
		"TOTP_ENCRYPTION_KEY": defaultKey,
		"BCRYPT_COST":         "4",
		"COOKIE_SECURE":       "false",
	}
	if err := freeAddrs(env, "HTTP_ADDR", "GRPC_ADDR"); err != nil {
		return nil, err
	}
	for k, v := range o.Env {
		env[k] = v
	}
	httpAddr, err := dialAddr("HTTP_ADDR", env["HTTP_ADDR"])
	if err != nil {
		return nil, err
	}
	grpcAddr, err := dialAddr("GRPC_ADDR", env["GRPC_ADDR"])
	if err != nil {
		return nil, err
	}

	logs := newLogBuffer(logKeep)
	proc, err := launch(path, environ(env), logs)
	if err != nil {
		return nil, fmt.Errorf("authtest: start %s: %w", path, err)
	}
	s := &Server{
		HTTPURL:     "http://" + httpAddr,
		GRPCAddr:    grpcAddr,
		DatabaseURL: o.DatabaseURL,
		proc:        proc,
		http:        &http.Client{Timeout: 30 * time.Second},
	}
	if err := s.waitLive(ctx); err != nil {
		_ = proc.kill()
		if strings.Contains(logs.tail(logTail), "address already in use") {
			err = fmt.Errorf("%w: %w", errAddrInUse, err)
		}
		return nil, fmt.Errorf("authtest: %w%s", err, proc.quote())
	}
	return s, nil
}

// waitLive polls /livez until it answers 200, the process exits, or the
// start times out.
func (s *Server) waitLive(ctx context.Context) error {
	ctx, cancel := context.WithTimeout(ctx, StartTimeout)
	defer cancel()
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		if s.live(ctx) {
			return nil
		}
		select {
		case <-s.proc.exited:
			return fmt.Errorf("auth exited during start-up: %v", s.proc.err)
		case <-ctx.Done():
			return fmt.Errorf("auth did not answer GET /livez within %v: %w", StartTimeout, context.Cause(ctx))
		case <-tick.C:
		}
	}
}

func (s *Server) live(ctx context.Context) bool {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, s.HTTPURL+"/livez", nil)
	if err != nil {
		return false
	}
	res, err := s.http.Do(req)
	if err != nil {
		return false
	}
	res.Body.Close()
	return res.StatusCode == http.StatusOK
}

// freeAddrs sets each variable to a loopback address with a port that was
// free a moment ago. The listeners are open together so that the ports
// differ.
func freeAddrs(env map[string]string, names ...string) error {
	for _, name := range names {
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			return fmt.Errorf("authtest: find a free port: %w", err)
		}
		defer ln.Close()
		env[name] = ln.Addr().String()
	}
	return nil
}

// dialAddr turns a listen address into one to dial: a wildcard or empty
// host is reached on loopback.
func dialAddr(name, addr string) (string, error) {
	host, port, err := net.SplitHostPort(addr)
	if err != nil || port == "" || port == "0" {
		return "", fmt.Errorf("authtest: %s=%q: need host:port with an explicit port", name, addr)
	}
	if ip := net.ParseIP(host); host == "" || (ip != nil && ip.IsUnspecified()) {
		host = "127.0.0.1"
	}
	return net.JoinHostPort(host, port), nil
}

// passedThrough are the variables of this process that the auth process
// inherits.
var passedThrough = []string{"PATH", "HOME", "TMPDIR", "TZ", "LANG"}

func environ(vars map[string]string) []string {
	var out []string
	for _, k := range passedThrough {
		if v, ok := os.LookupEnv(k); ok {
			if _, set := vars[k]; !set {
				out = append(out, k+"="+v)
			}
		}
	}
	for k, v := range vars {
		out = append(out, k+"="+v)
	}
	return out
}
