package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	goahttp "goa.design/goa/v3/http"
	goa "goa.design/goa/v3/pkg"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// unsized hides the length of a reader, so that httptest.NewRequest sets
// ContentLength to -1 as for a chunked body.
type unsized struct{ io.Reader }

const testLimit = 32

func TestMaxBodyDeclaredLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		size       int
		wantCalled bool
	}{
		{"case=empty", 0, true},
		{"case=under limit", testLimit - 1, true},
		{"case=at limit", testLimit, true},
		{"case=over limit", testLimit + 1, false},
		{"case=far over limit", 10 * testLimit, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			called := false
			next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				called = true
				if _, err := io.ReadAll(r.Body); err != nil {
					t.Errorf("reading a body within the limit: %v", err)
				}
				w.WriteHeader(http.StatusNoContent)
			})
			r := httptest.NewRequest(http.MethodPost, "/register", bytes.NewReader(make([]byte, tt.size)))
			rec := httptest.NewRecorder()
			middleware.MaxBody(testLimit)(next).ServeHTTP(rec, r)

			if called != tt.wantCalled {
				t.Fatalf("next called = %v, want %v", called, tt.wantCalled)
			}
			if tt.wantCalled {
				if rec.Code != http.StatusNoContent {
					t.Errorf("status = %d, want 204", rec.Code)
				}
				return
			}
			body := errorBody(t, rec, http.StatusRequestEntityTooLarge)
			if body.Name != middleware.NameTooLarge {
				t.Errorf("name = %q, want %q", body.Name, middleware.NameTooLarge)
			}
			if rec.Header().Get("Connection") != "close" {
				t.Errorf("Connection = %q, want close", rec.Header().Get("Connection"))
			}
		})
	}
}

// TestMaxBodyUnknownLength checks that a body without a declared length
// reaches the handler and fails while decoding once it passes the limit.
func TestMaxBodyUnknownLength(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		wantTooBig  bool
		wantDecoded bool
	}{
		{"case=small object", `{"email":"a@example.com"}`, false, true},
		{"case=object over limit", `{"email":"` + strings.Repeat("a", testLimit) + `@example.com"}`, true, false},
		{"case=padding over limit after object", `{"email":"a@example.com"}` + strings.Repeat(" ", testLimit), true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			var decodeErr error
			called := false
			next := http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
				called = true
				var p payload
				decodeErr = middleware.RequestDecoder(r).Decode(&p)
			})
			r := httptest.NewRequest(http.MethodPost, "/register", unsized{strings.NewReader(tt.body)})
			if r.ContentLength != -1 {
				t.Fatalf("ContentLength = %d, want -1 (unknown)", r.ContentLength)
			}
			middleware.MaxBody(testLimit)(next).ServeHTTP(httptest.NewRecorder(), r)

			if !called {
				t.Fatal("next not called for a body of unknown length")
			}
			if !tt.wantTooBig {
				if decodeErr != nil {
					t.Errorf("Decode = %v, want nil", decodeErr)
				}
				return
			}
			var gerr *goa.ServiceError
			if !errors.As(decodeErr, &gerr) || gerr.Name != middleware.NameTooLarge {
				t.Fatalf("Decode = %v (%T), want a ServiceError named %s", decodeErr, decodeErr, middleware.NameTooLarge)
			}
			body := middleware.FormatError(context.Background(), decodeErr).(*middleware.ErrorBody)
			if body.Name != middleware.NameTooLarge || body.StatusCode() != http.StatusRequestEntityTooLarge {
				t.Errorf("FormatError = %s %d, want %s 413", body.Name, body.StatusCode(), middleware.NameTooLarge)
			}
		})
	}
}

// TestMaxBodyChunkedOverTheWire sends a real chunked request through a
// server, with the error encoded as the generated server encodes it.
func TestMaxBodyChunkedOverTheWire(t *testing.T) {
	t.Parallel()
	encodeError := goahttp.ErrorEncoder(goahttp.ResponseEncoder, middleware.FormatError)
	lengths := make(chan int64, 1)
	next := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		lengths <- r.ContentLength
		var p payload
		if err := middleware.RequestDecoder(r).Decode(&p); err != nil {
			_ = encodeError(r.Context(), w, err)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	})
	srv := httptest.NewServer(middleware.MaxBody(testLimit)(next))
	t.Cleanup(srv.Close)

	body := `{"email":"` + strings.Repeat("a", 4*testLimit) + `"}`
	req, err := http.NewRequest(http.MethodPost, srv.URL, unsized{strings.NewReader(body)})
	if err != nil {
		t.Fatal(err)
	}
	resp, err := srv.Client().Do(req)
	if err != nil {
		t.Fatalf("POST: %v", err)
	}
	defer resp.Body.Close()
	if n := <-lengths; n != -1 {
		t.Errorf("server saw ContentLength %d, want -1 (chunked)", n)
	}
	if resp.StatusCode != http.StatusRequestEntityTooLarge {
		t.Errorf("status = %d, want 413", resp.StatusCode)
	}
	var got middleware.ErrorBody
	if err := json.NewDecoder(resp.Body).Decode(&got); err != nil {
		t.Fatalf("decode error body: %v", err)
	}
	if got.Name != middleware.NameTooLarge {
		t.Errorf("name = %q, want %q", got.Name, middleware.NameTooLarge)
	}
}
