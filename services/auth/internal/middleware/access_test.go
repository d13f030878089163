package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"goa.design/clue/log"
	goahttp "goa.design/goa/v3/http"
	goa "goa.design/goa/v3/pkg"
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

// TestAccessLogRequestID: every response carries X-Request-Id, the
// request_id of the access line and of the handler's own lines, and the
// id of the error body, whoever writes it (Goa's error encoder with
// FormatError, or a middleware); a client's X-Request-Id is not taken.
func TestAccessLogRequestID(t *testing.T) {
	t.Parallel()
	const clientID = "chosen-by-the-client"
	for _, tt := range []struct {
		name    string
		handler http.HandlerFunc
		status  int
		isError bool
	}{
		{"case=ok", func(w http.ResponseWriter, _ *http.Request) { _, _ = w.Write([]byte("{}")) }, http.StatusOK, false},
		{"case=goa error", func(w http.ResponseWriter, r *http.Request) {
			encode := goahttp.ErrorEncoder(goahttp.ResponseEncoder, middleware.FormatError)
			_ = encode(r.Context(), w, goa.PermanentError("invalid_code", "the code is wrong"))
		}, http.StatusBadRequest, true},
		{"case=fault", func(w http.ResponseWriter, r *http.Request) {
			encode := goahttp.ErrorEncoder(goahttp.ResponseEncoder, middleware.FormatError)
			_ = encode(r.Context(), w, errors.New("boom"))
		}, http.StatusInternalServerError, true},
		{"case=middleware error", middleware.NotFound, http.StatusNotFound, true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var buf bytes.Buffer
			logCtx := log.Context(context.Background(), log.WithOutput(&buf), log.WithFormat(log.FormatJSON),
				log.WithFunc(middleware.ContextFields))
			h := log.HTTP(logCtx, log.WithDisableRequestLogging(), log.WithDisableRequestID())(
				middleware.AccessLog(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					log.Print(r.Context(), log.KV{K: "msg", V: "inside"})
					tt.handler(w, r)
				})))
			var ids []string
			for range 2 {
				buf.Reset()
				r := httptest.NewRequest(http.MethodGet, "/x?token=secret", nil)
				r.Header.Set(middleware.RequestIDHeader, clientID)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != tt.status {
					t.Fatalf("status = %d, want %d", rec.Code, tt.status)
				}
				id := rec.Header().Get(middleware.RequestIDHeader)
				if len(id) != 8 {
					t.Fatalf("X-Request-Id = %q, want 8 characters of our own", id)
				}
				ids = append(ids, id)

				lines := strings.Split(strings.TrimSpace(buf.String()), "\n")
				if len(lines) != 2 {
					t.Fatalf("%d lines, want the handler's and the access line:\n%s", len(lines), buf.String())
				}
				for _, raw := range lines {
					var line map[string]any
					if err := json.Unmarshal([]byte(raw), &line); err != nil {
						t.Fatal(err)
					}
					if line[log.RequestIDKey] != id {
						t.Errorf("line %v: request_id is not %q", line, id)
					}
				}
				var access map[string]any
				_ = json.Unmarshal([]byte(lines[1]), &access)
				if access["msg"] != "request" || access["http.status"] != float64(tt.status) || access["http.route"] != "/x" {
					t.Errorf("access line = %v", access)
				}
				if tt.isError {
					var body middleware.ErrorBody
					if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil || body.ID != id {
						t.Errorf("error body %s: id is not the request id %q", rec.Body.String(), id)
					}
				}
				if strings.Contains(buf.String(), clientID) || strings.Contains(buf.String(), "secret") {
					t.Errorf("the client's id or the query reached the logs: %s", buf.String())
				}
			}
			if ids[0] == ids[1] {
				t.Errorf("two requests share the id %q", ids[0])
			}
		})
	}
}
