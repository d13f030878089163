package main

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"go.opentelemetry.io/otel"
	"go.opentelemetry.io/otel/propagation"
	sdktrace "go.opentelemetry.io/otel/sdk/trace"
	"go.opentelemetry.io/otel/sdk/trace/tracetest"

	"github.com/infrastructure/platform/services/auth/client"
	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

func init() {
	// What main sets for the whole process: W3C trace context.
	otel.SetTextMapPropagator(propagation.NewCompositeTextMapPropagator(propagation.TraceContext{}, propagation.Baggage{}))
}

// TestOneTraceAcrossTransports follows a browser request to a sibling
// service, its ValidateSession call over gRPC and the SQL behind it: one
// trace.
func TestOneTraceAcrossTransports(t *testing.T) {
	t.Parallel()
	spans := tracetest.NewInMemoryExporter()
	s := newStack(t, stackOptions{spans: spans})
	token := s.register(t, "ada@example.com", testPassword)

	// The sibling: its own HTTP server span, then the client's call.
	tp := sdktrace.NewTracerProvider(sdktrace.WithSyncer(spans))
	c, err := client.New(s.grpcAddr, client.WithTracerProvider(tp))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	sibling := httptest.NewServer(otelhttp.NewHandler(c.Middleware()(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		_, _ = io.WriteString(w, "ok")
	})), "sibling", otelhttp.WithTracerProvider(tp)))
	defer sibling.Close()
	spans.Reset()

	req, _ := http.NewRequest("GET", sibling.URL+"/whoami", nil)
	req.Header.Set("Authorization", "Bearer "+token)
	res, err := http.DefaultClient.Do(req)
	if err != nil || res.StatusCode != http.StatusOK {
		t.Fatalf("sibling: %v %v", res, err)
	}
	res.Body.Close()
	// The server spans end after their responses are sent: wait for them.
	for i := 0; len(spans.GetSpans()) < 6 && i < 200; i++ {
		time.Sleep(10 * time.Millisecond)
	}

	var root sdktrace.ReadOnlySpan
	kinds := map[string]int{}
	for _, sp := range spans.GetSpans().Snapshots() {
		if sp.Name() == "GET" && sp.SpanKind().String() == "server" { // the sibling's HTTP span
			root = sp
		}
	}
	if root == nil {
		var names []string
		for _, sp := range spans.GetSpans().Snapshots() {
			names = append(names, sp.Name()+"/"+sp.SpanKind().String())
		}
		t.Fatalf("no sibling span among %v", names)
	}
	for _, sp := range spans.GetSpans().Snapshots() {
		if sp.SpanContext().TraceID() != root.SpanContext().TraceID() {
			t.Errorf("span %q is in another trace", sp.Name())
			continue
		}
		switch {
		case sp.Name() == "auth.Auth/ValidateSession" && sp.SpanKind().String() == "server":
			kinds["grpc server"]++
		case sp.Name() == "auth.Auth/ValidateSession" && sp.SpanKind().String() == "client":
			kinds["grpc client"]++
		case hasAttr(sp, "db.system.name") || hasAttr(sp, "db.system") || strings.HasPrefix(sp.Name(), "query"):
			kinds["sql"]++
		}
	}
	if kinds["grpc client"] != 1 || kinds["grpc server"] != 1 || kinds["sql"] < 1 {
		t.Errorf("spans in the trace: %v, want the gRPC client and server spans and SQL spans", kinds)
	}
}

func hasAttr(sp sdktrace.ReadOnlySpan, key string) bool {
	for _, kv := range sp.Attributes() {
		if string(kv.Key) == key {
			return true
		}
	}
	return false
}

// TestNoSecretInTelemetry runs enrollment, step-up with a backup code and
// logins, then searches every span, log line and metric for the secrets.
func TestNoSecretInTelemetry(t *testing.T) {
	t.Parallel()
	spans := tracetest.NewInMemoryExporter()
	clock := newFakeClock()
	s := newStack(t, stackOptions{spans: spans, now: clock.now, env: map[string]string{"LOG_LEVEL": "debug"}})
	u := s.enroll(t, clock, "ada@example.com")
	aal1, _ := s.login(t, u.email, u.password)
	s.do(t, "POST", "/auth/login", map[string]string{"email": u.email, "password": "a wrong password"}, nil)
	clock.advance()
	code := oathtool(t, u.secret, clock.now())
	up := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": code}, bearer(aal1))
	aal1b, _ := s.login(t, u.email, u.password)
	bv := s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": u.backupCodes[0]}, bearer(aal1b))
	if up.status != http.StatusOK || bv.status != http.StatusOK {
		t.Fatalf("step-ups: %d %d", up.status, bv.status)
	}
	metrics := s.do(t, "GET", "/metrics", nil, nil).raw

	var telemetry strings.Builder
	telemetry.WriteString(s.logs.String())
	telemetry.WriteString(metrics)
	for _, sp := range spans.GetSpans().Snapshots() {
		telemetry.WriteString(sp.Name())
		for _, kv := range sp.Attributes() {
			telemetry.WriteString(string(kv.Key) + "=" + kv.Value.String() + "\n")
		}
		for _, ev := range sp.Events() {
			telemetry.WriteString(ev.Name)
			for _, kv := range ev.Attributes {
				telemetry.WriteString(kv.Value.String())
			}
		}
	}
	if len(spans.GetSpans()) == 0 || !strings.Contains(telemetry.String(), "db.query.text") && !strings.Contains(telemetry.String(), "db.statement") {
		t.Fatalf("the capture is empty or has no SQL: nothing was checked")
	}
	secrets := map[string]string{
		"password": u.password, "wrong password": "a wrong password", "TOTP secret": u.secret, "TOTP code": code,
		"backup code": u.backupCodes[0], "backup code (compact)": strings.ReplaceAll(u.backupCodes[0], "-", ""),
		"aal2 token": u.token, "aal1 token": aal1, "stepped-up token": up.sessionCookie("__Host-session").Value,
	}
	for name, secret := range secrets {
		if strings.Contains(telemetry.String(), secret) {
			t.Errorf("the %s appears in the telemetry", name)
		}
	}
}

// TestMetricsCountWhatHappened scrapes /metrics after known traffic.
func TestMetricsCountWhatHappened(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"THROTTLE_LOGIN_FAILURES": "2"})
	token := s.register(t, "ada@example.com", testPassword)
	s.login(t, "ada@example.com", testPassword)
	for range 3 { // two invalid, then rate limited
		s.do(t, "POST", "/auth/login", map[string]string{"email": "ada@example.com", "password": "wrong password"}, nil)
	}
	if _, err := s.grpc.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: token}); err != nil {
		t.Fatal(err)
	}
	s.do(t, "POST", "/auth/logout", nil, bearer(token))

	m := s.do(t, "GET", "/metrics", nil, nil)
	if m.status != http.StatusOK {
		t.Fatalf("/metrics: %d", m.status)
	}
	for _, want := range []string{
		`auth_attempts_total{kind="register",otel_scope_name="auth",otel_scope_schema_url="",otel_scope_version="",result="success"} 1`,
		`auth_attempts_total{kind="login",otel_scope_name="auth",otel_scope_schema_url="",otel_scope_version="",result="success"} 1`,
		`auth_attempts_total{kind="login",otel_scope_name="auth",otel_scope_schema_url="",otel_scope_version="",result="invalid"} 2`,
		`auth_attempts_total{kind="login",otel_scope_name="auth",otel_scope_schema_url="",otel_scope_version="",result="rate_limited"} 1`,
		`auth_sessions_created_total{otel_scope_name="auth",otel_scope_schema_url="",otel_scope_version=""} 2`,
		`auth_sessions_revoked_total{otel_scope_name="auth",otel_scope_schema_url="",otel_scope_version="",reason="logout"} 1`,
	} {
		if !strings.Contains(m.raw, want) {
			t.Errorf("/metrics lacks %s", want)
		}
	}
	for _, family := range []string{"http_server_request_duration_seconds", "rpc_server", "pgxpool", "go_goroutines"} {
		if !strings.Contains(m.raw, family) {
			t.Errorf("/metrics has no %s metrics", family)
		}
	}
}
