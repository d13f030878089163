package logging_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"

	"github.com/infrastructure/platform/internal/logging"
)

// syncBuffer collects lines written from several goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

// lines decodes the JSON lines written so far.
func (s *syncBuffer) lines(t *testing.T) []map[string]any {
	t.Helper()
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []map[string]any
	for _, raw := range strings.Split(strings.TrimSpace(s.b.String()), "\n") {
		if raw == "" {
			continue
		}
		var m map[string]any
		if err := json.Unmarshal([]byte(raw), &m); err != nil {
			t.Fatalf("line %q is not JSON: %v", raw, err)
		}
		out = append(out, m)
	}
	return out
}

func TestDebugSwitch(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	var sw logging.Switch
	ctx := logging.New(&buf, log.FormatJSON, &sw)
	log.Debug(ctx, log.KV{K: "msg", V: "hidden"})
	rec := httptest.NewRecorder()
	sw.Handler().ServeHTTP(rec, httptest.NewRequest("GET", "/debug?debug-logs=on", nil))
	if !sw.On() || !strings.Contains(rec.Body.String(), `"on"`) {
		t.Fatalf("the switch did not turn on: %s", rec.Body)
	}
	log.Debug(ctx, log.KV{K: "msg", V: "shown"})
	sw.Set(false)
	log.Debug(ctx, log.KV{K: "msg", V: "hidden again"})
	log.Print(ctx, log.KV{K: "msg", V: "printed"})
	var msgs []string
	for _, l := range buf.lines(t) {
		msgs = append(msgs, l["msg"].(string))
	}
	if strings.Join(msgs, ",") != "shown,printed" {
		t.Errorf("written: %q", msgs)
	}
}

// TestHTTPLine: the access line names the route pattern, never the path's
// values or its query; its request_id is the X-Request-Id header and the
// handler's own lines carry it too; skipped paths write no line.
func TestHTTPLine(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	ctx := logging.New(&buf, log.FormatJSON, &logging.Switch{})
	mux := http.NewServeMux()
	mux.HandleFunc("DELETE /auth/sessions/{id}", func(w http.ResponseWriter, r *http.Request) {
		log.Print(r.Context(), log.KV{K: "msg", V: "inside"})
		w.WriteHeader(http.StatusNoContent)
	})
	mux.HandleFunc("GET /livez", func(http.ResponseWriter, *http.Request) {})
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusServiceUnavailable) })
	h := logging.HTTP(ctx, logging.SkipPaths("/livez", "/healthz"))(logging.Routed(mux))
	for _, tt := range []struct {
		method, target string
		status         int
		route          string
	}{
		{"DELETE", "/auth/sessions/0f8fad5b-d9cb-469f-a165-70867728950e?token=secret", http.StatusNoContent, "/auth/sessions/{id}"},
		{"GET", "/nope/secret", http.StatusNotFound, "unmatched"},
		{"GET", "/livez", http.StatusOK, ""},
		{"GET", "/healthz", http.StatusServiceUnavailable, "/healthz"}, // a failed check is logged
	} {
		rec := httptest.NewRecorder()
		r := httptest.NewRequest(tt.method, tt.target, nil)
		r.Header.Set(logging.RequestIDHeader, "chosen-by-the-client")
		h.ServeHTTP(rec, r)
		if rec.Code != tt.status {
			t.Fatalf("%s %s: %d", tt.method, tt.target, rec.Code)
		}
		id := rec.Header().Get(logging.RequestIDHeader)
		if len(id) != 8 {
			t.Errorf("X-Request-Id %q, want one of our own", id)
		}
		lines := buf.lines(t)
		last := lines[len(lines)-1]
		if tt.route == "" {
			if last["http.route"] == "/livez" {
				t.Errorf("a skipped path was logged: %v", last)
			}
			continue
		}
		want := map[string]any{"msg": "request", "http.method": tt.method, "http.route": tt.route,
			"http.status": float64(tt.status), "request_id": id}
		for k, v := range want {
			if last[k] != v {
				t.Errorf("%s: %s = %v, want %v (line %v)", tt.target, k, last[k], v, last)
			}
		}
		if _, ok := last["http.duration_ms"]; !ok {
			t.Errorf("no duration: %v", last)
		}
	}
	all := buf.lines(t)
	if all[0]["msg"] != "inside" || all[0]["request_id"] != all[1]["request_id"] {
		t.Errorf("the handler's line does not carry the request id: %v", all[:2])
	}
	raw, _ := json.Marshal(all)
	if strings.Contains(string(raw), "secret") || strings.Contains(string(raw), "chosen-by-the-client") {
		t.Errorf("a path value, the query or the client's id reached the logs: %s", raw)
	}
}

// health answers Check and streams one Watch message.
type health struct {
	healthpb.UnimplementedHealthServer
}

func (h health) Check(ctx context.Context, _ *healthpb.HealthCheckRequest) (*healthpb.HealthCheckResponse, error) {
	log.Print(ctx, log.KV{K: "msg", V: "inside"})
	return &healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING}, nil
}

func (h health) Watch(_ *healthpb.HealthCheckRequest, s grpc.ServerStreamingServer[healthpb.HealthCheckResponse]) error {
	log.Print(s.Context(), log.KV{K: "msg", V: "inside"})
	return s.Send(&healthpb.HealthCheckResponse{Status: healthpb.HealthCheckResponse_SERVING})
}

// TestGRPCLines: unary and streaming calls get the same line, with the
// service and the full method, over a real server on loopback.
func TestGRPCLines(t *testing.T) {
	t.Parallel()
	var buf syncBuffer
	ctx := logging.New(&buf, log.FormatJSON, &logging.Switch{})
	srv := grpc.NewServer(grpc.UnaryInterceptor(logging.UnaryServerInterceptor(ctx)), grpc.StreamInterceptor(logging.StreamServerInterceptor(ctx)))
	healthpb.RegisterHealthServer(srv, health{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	defer srv.Stop()
	conn, err := grpc.NewClient(ln.Addr().String(), grpc.WithTransportCredentials(insecure.NewCredentials()))
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	c := healthpb.NewHealthClient(conn)
	if _, err := c.Check(context.Background(), &healthpb.HealthCheckRequest{}); err != nil {
		t.Fatal(err)
	}
	stream, err := c.Watch(context.Background(), &healthpb.HealthCheckRequest{})
	if err != nil {
		t.Fatal(err)
	}
	for {
		if _, err := stream.Recv(); err != nil {
			break
		}
	}
	srv.GracefulStop() // the stream's line is written when it ends
	lines := buf.lines(t)
	if len(lines) != 4 {
		t.Fatalf("%d lines, want inside and request for each call: %v", len(lines), lines)
	}
	for i, method := range []string{"grpc.health.v1.Health/Check", "grpc.health.v1.Health/Watch"} {
		inside, line := lines[2*i], lines[2*i+1]
		want := map[string]any{"msg": "request", "grpc.service": "grpc.health.v1.Health", "grpc.method": method, "grpc.code": "OK"}
		for k, v := range want {
			if line[k] != v {
				t.Errorf("%s: %s = %v, want %v", method, k, line[k], v)
			}
		}
		if id := line["request_id"]; id == nil || inside["request_id"] != id {
			t.Errorf("%s: the handler's line and the access line do not share a request id: %v %v", method, inside, line)
		}
	}
	if lines[1]["request_id"] == lines[3]["request_id"] {
		t.Error("two calls share a request id")
	}
}
