package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"strings"
	"testing"

	"goa.design/clue/log"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// TestUnaryLog: one line per call after it, with method, code, duration and
// a request id that the handler's own lines carry too, and a new id per
// call.
func TestUnaryLog(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name     string
		err      error
		wantCode string
	}{
		{"case=ok", nil, "OK"},
		{"case=unauthenticated", status.Error(codes.Unauthenticated, "no"), "Unauthenticated"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logCtx := log.Context(context.Background(), log.WithOutput(&buf), log.WithFormat(log.FormatJSON),
				log.WithFunc(middleware.ContextFields))
			logCtx = middleware.WithLines(logCtx, middleware.Lines{Format: log.FormatJSON, Out: &buf})
			intercept := middleware.UnaryLog(logCtx)
			info := &grpc.UnaryServerInfo{FullMethod: "/auth.Auth/ValidateSession"}
			handler := func(ctx context.Context, _ any) (any, error) {
				log.Print(ctx, log.KV{K: "msg", V: "inside"})
				return "res", tt.err
			}
			for range 2 {
				res, err := intercept(context.Background(), "req", info, handler)
				if res != "res" || err != tt.err { // the very error, not a wrapper
					t.Fatalf("interceptor returned %v, %v", res, err)
				}
			}

			lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
			if len(lines) != 4 {
				t.Fatalf("%d lines, want 4 (one inside and one after each call):\n%s", len(lines), buf.String())
			}
			var ids []string
			for i := 0; i < 4; i += 2 {
				var inside, call map[string]any
				if err := json.Unmarshal([]byte(lines[i]), &inside); err != nil {
					t.Fatal(err)
				}
				if err := json.Unmarshal([]byte(lines[i+1]), &call); err != nil {
					t.Fatal(err)
				}
				id, _ := call[log.RequestIDKey].(string)
				if len(id) != 8 || inside[log.RequestIDKey] != id {
					t.Errorf("request ids: call %q, handler %v; want the same 8 characters", id, inside[log.RequestIDKey])
				}
				ids = append(ids, id)
				if call["msg"] != "call" || call["grpc.method"] != "ValidateSession" || call["grpc.code"] != tt.wantCode {
					t.Errorf("access line = %v", call)
				}
				if _, ok := call["grpc.duration_ms"].(float64); !ok {
					t.Errorf("access line has no duration: %v", call)
				}
			}
			if ids[0] == ids[1] {
				t.Errorf("two calls share the request id %q", ids[0])
			}
		})
	}
}
