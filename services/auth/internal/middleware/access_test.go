package middleware_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"goa.design/clue/log"
	goahttp "goa.design/goa/v3/http"
	goa "goa.design/goa/v3/pkg"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

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
			logCtx := logging.New(&buf, log.FormatJSON, &logging.Switch{})
			mux := http.NewServeMux()
			mux.HandleFunc("GET /x", func(w http.ResponseWriter, r *http.Request) {
				log.Print(r.Context(), log.KV{K: "msg", V: "inside"})
				tt.handler(w, r)
			})
			h := logging.HTTP(logCtx)(logging.Routed(mux))
			var ids []string
			for range 2 {
				buf.Reset()
				r := httptest.NewRequest(http.MethodGet, "/x?token=secret", nil)
				r.Header.Set(logging.RequestIDHeader, clientID)
				rec := httptest.NewRecorder()
				h.ServeHTTP(rec, r)
				if rec.Code != tt.status {
					t.Fatalf("status = %d, want %d", rec.Code, tt.status)
				}
				id := rec.Header().Get(logging.RequestIDHeader)
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
