package middleware_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	goahttp "goa.design/goa/v3/http"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

func TestRouteErrors(t *testing.T) {
	t.Parallel()
	mux := goahttp.NewMuxer()
	ok := func(w http.ResponseWriter, _ *http.Request) { w.WriteHeader(http.StatusNoContent) }
	mux.Handle(http.MethodGet, "/items", ok)
	mux.Handle(http.MethodPost, "/items", ok)
	mux.Handle(http.MethodDelete, "/items/{id}", ok)
	mux.Handle(http.MethodGet, "/files/{*path}", ok)
	middleware.RouteErrors(mux)

	for _, tt := range []struct {
		name, method, target string
		status               int
		errName, allow       string
	}{
		{"case=route", "GET", "/items", http.StatusNoContent, "", ""},
		{"case=route with a parameter", "DELETE", "/items/7", http.StatusNoContent, "", ""},
		{"case=unknown path", "GET", "/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=unknown path below a route", "GET", "/items/7/more", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=made-up method on an unknown path", "BREW", "/nope", http.StatusNotFound, middleware.NameNotFound, ""},
		{"case=other method", "PUT", "/items", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET, POST"},
		{"case=other method on a parameter", "GET", "/items/7", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "DELETE"},
		{"case=other method on a wildcard", "POST", "/files/a/b", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
		{"case=escaped path", "POST", "/files/a%2Fb", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET"},
		{"case=made-up method on a known path", "BREW", "/items", http.StatusMethodNotAllowed, middleware.NameMethodNotAllowed, "GET, POST"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			mux.ServeHTTP(rec, httptest.NewRequest(tt.method, tt.target, nil))
			if got := rec.Header().Get("Allow"); got != tt.allow {
				t.Errorf("Allow = %q, want %q", got, tt.allow)
			}
			if tt.errName == "" {
				if rec.Code != tt.status {
					t.Errorf("status = %d, want %d", rec.Code, tt.status)
				}
				return
			}
			body := errorBody(t, rec, tt.status)
			if body.Name != tt.errName || body.Message == "" {
				t.Errorf("body = %+v, want name %s and a message", body, tt.errName)
			}
		})
	}
}

func TestRouteErrorsNeedsAChiMuxer(t *testing.T) {
	t.Parallel()
	defer func() {
		if recover() == nil {
			t.Error("RouteErrors accepted a muxer it cannot configure")
		}
	}()
	middleware.RouteErrors(http.NewServeMux())
}
