package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/internal/pkitest"
	"github.com/infrastructure/platform/services/auth/authtest"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	"github.com/infrastructure/platform/services/auth/internal/grpcauthz"
)

// TestStartupRefusesOpenPlaintext: the binary refuses to serve plaintext
// gRPC beyond loopback, naming GRPC_CLIENT_CA; GRPC_INSECURE=true lets it
// start with a warning.
func TestStartupRefusesOpenPlaintext(t *testing.T) {
	t.Parallel()
	bin, err := authtest.Binary()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(bin)
	cmd.Env = []string{"PATH=" + os.Getenv("PATH"), "DATABASE_URL=postgres://auth:auth@127.0.0.1:1/auth", "TOTP_ENCRYPTION_KEY=" + testKey, "GRPC_ADDR=0.0.0.0:9090"}
	out, err := cmd.CombinedOutput()
	var exit *exec.ExitError
	if !errors.As(err, &exit) || exit.ExitCode() != 2 {
		t.Fatalf("exit %v, want status 2; output:\n%s", err, out)
	}
	if !strings.Contains(string(out), "GRPC_ADDR") || !strings.Contains(string(out), "GRPC_CLIENT_CA") {
		t.Errorf("the refusal does not name GRPC_ADDR and GRPC_CLIENT_CA:\n%s", out)
	}

	srv := authtest.Start(t, authtest.Options{Env: map[string]string{"GRPC_ADDR": "0.0.0.0:" + freePort(t), "GRPC_INSECURE": "true"}})
	if !strings.Contains(srv.Logs(), "GRPC_INSECURE=true") {
		t.Errorf("no warning about GRPC_INSECURE in the logs:\n%s", srv.Logs())
	}
	if _, err := srv.Register(t.Context(), "ada@example.com", testPassword); err != nil {
		t.Fatal(err)
	}
}

func freePort(t *testing.T) string {
	t.Helper()
	ln := listen(t)
	defer ln.Close()
	_, port, _ := strings.Cut(ln.Addr().String(), ":")
	return port
}

// TestWatchersBounded: 1,000 revocation streams from one caller get 16
// (GRPC_MAX_WATCHERS_PER_PEER) and ResourceExhausted for the rest, and the
// service's memory stays bounded.
func TestWatchersBounded(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	// The first stream, once the service's feed is live (it connects
	// after start-up).
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stream, err := s.grpc.WatchRevocations(ctx)
		if err == nil {
			if _, err = stream.Recv(); err == nil {
				break
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("the first stream: %v", err)
		}
	}
	var before runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&before)

	var (
		mu         sync.Mutex
		subscribed = 1
		exhausted  int
		other      []error
		wg         sync.WaitGroup
	)
	for range 999 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			stream, err := s.grpc.WatchRevocations(ctx)
			if err == nil {
				var ev *genpb.WatchRevocationsResponse
				if ev, err = stream.Recv(); err == nil && !ev.Subscribed {
					err = errors.New("first message is not the subscription")
				}
			}
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				subscribed++
			case status.Code(err) == codes.ResourceExhausted:
				exhausted++
			default:
				other = append(other, err)
			}
		}()
	}
	wg.Wait()
	if subscribed != 16 || exhausted != 984 || len(other) != 0 {
		t.Errorf("subscribed %d, exhausted %d, other %d (%v); want 16, 984, 0", subscribed, exhausted, len(other), other)
	}
	var after runtime.MemStats
	runtime.GC()
	runtime.ReadMemStats(&after)
	// Client and service share this process: 16 live streams and the
	// remains of 984 refused ones are far below this bound; 1,000 live
	// subscribers (each with a 4096-event buffer) are not.
	if grown := int64(after.HeapInuse) - int64(before.HeapInuse); grown > 32<<20 {
		t.Errorf("heap grew by %d MiB holding the streams", grown>>20)
	}
	cancel()
}

// TestSilentSubscriberSlowsNoLogout: a subscriber that never acknowledges
// is cut off, so that of 100 logouts none waits longer than the bound and
// almost none waits at all; a cached client still forgets every session
// before its logout answers.
func TestSilentSubscriberSlowsNoLogout(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	c := newClient(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	silent := subscribed(t, ctx, s.grpc)
	_ = s.register(t, "ada@example.com", testPassword)

	const logouts = 100
	var slowest, total time.Duration
	for i := range logouts {
		token, _ := s.login(t, "ada@example.com", testPassword)
		if _, err := c.Validate(ctx, token); err != nil { // cached
			t.Fatal(err)
		}
		start := time.Now()
		if r := s.do(t, http.MethodPost, "/auth/logout", nil, bearer(token)); r.status != http.StatusNoContent {
			t.Fatalf("logout %d: %d %s", i, r.status, r.raw)
		}
		d := time.Since(start)
		total += d
		slowest = max(slowest, d)
		if _, err := c.Validate(ctx, token); err == nil {
			t.Fatalf("logout %d: the cached client still accepts the session", i)
		}
	}
	// The silent stream was ended by the service.
	for {
		if _, err := silent.Recv(); err != nil {
			if status.Code(err) != codes.Unavailable {
				t.Errorf("the silent stream ended with %v, want Unavailable", err)
			}
			break
		}
	}
	// Generous bounds (the machine is shared): the await bound is 250 ms,
	// and before this fix every logout waited it in full.
	if slowest > 2*time.Second || total > logouts*250*time.Millisecond/4 {
		t.Errorf("slowest logout %v, all %d took %v", slowest, logouts, total)
	}
	t.Logf("%d logouts: slowest %v, mean %v", logouts, slowest, total/logouts)
}

// panicky is a health service whose Check panics.
type panicky struct {
	healthpb.UnimplementedHealthServer
}

func (panicky) Check(context.Context, *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	var a []int
	i := len(a) + 3
	return nil, fmt.Errorf("unreachable: %d", a[i]) // index out of range: a runtime error
}

func (panicky) Watch(*healthpb.HealthCheckRequest, grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	panic(errors.New("secret-token-value"))
}

// TestHandlerPanic: a panic in a handler answers Internal, is logged once
// with its stack (never a panic value that could hold a secret), and the
// server keeps serving.
func TestHandlerPanic(t *testing.T) {
	t.Parallel()
	logs := &syncBuffer{}
	ctx := logging.New(logs, log.FormatJSON, &debugLogs)
	srv := grpc.NewServer(serverOptions(ctx, grpcauthz.New(grpcauthz.Config{MaxWatchers: 1, MaxWatchersPerPeer: 1}))...)
	healthpb.RegisterHealthServer(srv, panicky{})
	ln := listen(t)
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	h := healthpb.NewHealthClient(conn)
	for i := range 2 {
		if _, err := h.Check(context.Background(), &healthpb.HealthCheckRequest{}); status.Code(err) != codes.Internal {
			t.Errorf("call %d: %v, want Internal", i, err)
		}
	}
	stream, err := h.Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err == nil {
		_, err = stream.Recv()
	}
	if status.Code(err) != codes.Internal {
		t.Errorf("stream: %v, want Internal", err)
	}
	out := logs.String()
	if n := strings.Count(out, "handler panicked"); n != 3 {
		t.Errorf("%d panic lines for 3 panics:\n%s", n, out)
	}
	if !strings.Contains(out, "index out of range") || !strings.Contains(out, "panicky") {
		t.Errorf("the log lacks the runtime error or the stack:\n%s", out)
	}
	if strings.Contains(out, "secret-token-value") {
		t.Errorf("the log holds the panic value of a non-runtime panic:\n%s", out)
	}
}

// TestCertificateRotation: replacing the server's certificate and key
// files reaches the next connection without a restart, and a revocation
// stream opened before keeps running.
func TestCertificateRotation(t *testing.T) {
	t.Parallel()
	pki := pkitest.New(t)
	dir := t.TempDir()
	files := map[string]string{"GRPC_TLS_CERT": dir + "/server.pem", "GRPC_TLS_KEY": dir + "/server-key.pem", "GRPC_CLIENT_CA": pki.CA}
	replace(t, pki.ServerCert, files["GRPC_TLS_CERT"])
	replace(t, pki.ServerKey, files["GRPC_TLS_KEY"])
	s := startStack(t, files)
	token := s.register(t, "ada@example.com", testPassword)

	serial := func() string {
		t.Helper()
		creds := mtlsCreds(t, pki.CA, pki.ClientCert, pki.ClientKey)
		raw, err := net.Dial("tcp", s.grpcAddr)
		if err != nil {
			t.Fatal(err)
		}
		defer raw.Close()
		_, info, err := creds.ClientHandshake(context.Background(), "127.0.0.1", raw)
		if err != nil {
			t.Fatalf("handshake: %v", err)
		}
		return info.(credentials.TLSInfo).State.PeerCertificates[0].SerialNumber.String()
	}
	old := dial(t, s.grpcAddr, mtlsCreds(t, pki.CA, pki.ClientCert, pki.ClientKey))
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	stream := subscribed(t, ctx, old.auth)
	before := serial()

	cert, key := pki.IssueServer(t, "rotated")
	replace(t, cert, files["GRPC_TLS_CERT"])
	replace(t, key, files["GRPC_TLS_KEY"])
	if after := serial(); after == before {
		t.Fatalf("a new connection still gets the certificate %s", before)
	}

	// The stream opened before the rotation still delivers revocations.
	ident, err := old.auth.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: token})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.do(t, http.MethodPost, "/auth/logout", nil, bearer(token)); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d", r.status)
	}
	ev, err := stream.Recv()
	if err != nil || ev.SessionId != ident.SessionId {
		t.Errorf("the old stream after the rotation: %v %v, want the revoked session", ev, err)
	}
}

// subscribed opens a revocation stream once the service's feed is live
// (it connects after start-up) and returns it subscribed.
func subscribed(t testing.TB, ctx context.Context, c genpb.AuthClient) genpb.Auth_WatchRevocationsClient {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(20 * time.Millisecond) {
		stream, err := c.WatchRevocations(ctx)
		if err == nil {
			var ev *genpb.WatchRevocationsResponse
			if ev, err = stream.Recv(); err == nil && ev.Subscribed {
				return stream
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("subscribe: %v", err)
		}
	}
}

func replace(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dst+".tmp", b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(dst+".tmp", dst); err != nil {
		t.Fatal(err)
	}
}
