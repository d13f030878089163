package middleware_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	goahttp "goa.design/goa/v3/http"
	goa "goa.design/goa/v3/pkg"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// errorBody decodes the JSON error body of a recorded response and checks
// its status and media type.
func errorBody(t *testing.T, rec *httptest.ResponseRecorder, status int) middleware.ErrorBody {
	t.Helper()
	if rec.Code != status {
		t.Errorf("status = %d, want %d (body %q)", rec.Code, status, rec.Body.String())
	}
	if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
		t.Errorf("Content-Type = %q, want application/json", ct)
	}
	var body middleware.ErrorBody
	if err := json.Unmarshal(rec.Body.Bytes(), &body); err != nil {
		t.Fatalf("error body %q is not JSON: %v", rec.Body.String(), err)
	}
	return body
}

func TestFormatError(t *testing.T) {
	t.Parallel()
	const secret = "password=hunter2"
	tests := []struct {
		name        string
		err         error
		wantName    string
		wantStatus  int
		wantMessage string // substring; "" means the message is not checked
	}{
		{"case=missing field", goa.MissingFieldError("email", "body"), middleware.NameInvalidInput, http.StatusBadRequest, `"email" is missing from body`},
		{"case=invalid length", goa.InvalidLengthError("body.password", "short", 5, 8, true), middleware.NameInvalidInput, http.StatusBadRequest, "body.password"},
		{"case=decode payload", goa.DecodePayloadError(`unknown field "admin"`), middleware.NameInvalidInput, http.StatusBadRequest, `unknown field "admin"`},
		{"case=missing payload", goa.MissingPayloadError(), middleware.NameInvalidInput, http.StatusBadRequest, "missing required payload"},
		{"case=invalid field type", goa.InvalidFieldTypeError("body.age", "x", "integer"), middleware.NameInvalidInput, http.StatusBadRequest, "body.age"},
		{"case=invalid enum", goa.InvalidEnumValueError("body.kind", "x", []any{"a", "b"}), middleware.NameInvalidInput, http.StatusBadRequest, "body.kind"},
		{"case=invalid format", goa.InvalidFormatError("body.id", "x", goa.FormatUUID, errors.New("bad uuid")), middleware.NameInvalidInput, http.StatusBadRequest, "body.id"},
		{"case=invalid pattern", goa.InvalidPatternError("body.email", "x", `^.+@.+$`), middleware.NameInvalidInput, http.StatusBadRequest, "body.email"},
		{"case=invalid range", goa.InvalidRangeError("body.n", 0, 1, true), middleware.NameInvalidInput, http.StatusBadRequest, "body.n"},
		{"case=merged validation errors",
			goa.MergeErrors(goa.MissingFieldError("email", "body"), goa.InvalidLengthError("body.password", "x", 1, 8, true)),
			middleware.NameInvalidInput, http.StatusBadRequest, "body.password"},
		{"case=wrapped validation error", fmt.Errorf("decode: %w", goa.MissingFieldError("email", "body")), middleware.NameInvalidInput, http.StatusBadRequest, "email"},
		{"case=too large", goa.PermanentError(middleware.NameTooLarge, "the body exceeds %d bytes", 10), middleware.NameTooLarge, http.StatusRequestEntityTooLarge, "10 bytes"},
		{"case=unsupported media type", goa.UnsupportedMediaTypeError("text/xml"), goa.UnsupportedMediaType, http.StatusUnsupportedMediaType, "text/xml"},
		{"case=design error", goa.PermanentError("invalid_code", "the code is wrong"), "invalid_code", http.StatusBadRequest, "the code is wrong"},
		{"case=fault", goa.Fault("query failed: %s", secret), "fault", http.StatusInternalServerError, "internal error"},
		{"case=named fault", goa.NewServiceError(errors.New(secret), "db_down", false, false, true), "fault", http.StatusInternalServerError, "internal error"},
		{"case=temporary fault", goa.NewServiceError(errors.New(secret), "db_down", false, true, true), "fault", http.StatusInternalServerError, "internal error"},
		{"case=temporary", goa.TemporaryError("unavailable", "try again later"), "unavailable", http.StatusServiceUnavailable, "try again later"},
		{"case=temporary timeout", goa.TemporaryTimeoutError("timeout", "too slow"), "timeout", http.StatusServiceUnavailable, "too slow"},
		{"case=not a goa error", errors.New(secret), "fault", http.StatusInternalServerError, "internal error"},
		{"case=wrapped non-goa error", fmt.Errorf("controller: %w", errors.New(secret)), "fault", http.StatusInternalServerError, "internal error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := middleware.FormatError(context.Background(), tt.err)
			body, ok := st.(*middleware.ErrorBody)
			if !ok {
				t.Fatalf("FormatError returned %T, want *middleware.ErrorBody", st)
			}
			if body.Name != tt.wantName || body.StatusCode() != tt.wantStatus {
				t.Errorf("FormatError = %s %d, want %s %d", body.Name, body.StatusCode(), tt.wantName, tt.wantStatus)
			}
			if !strings.Contains(body.Message, tt.wantMessage) {
				t.Errorf("message = %q, want it to contain %q", body.Message, tt.wantMessage)
			}
			if tt.wantStatus == http.StatusInternalServerError && body.Message != "internal error" {
				t.Errorf("fault message = %q, want exactly %q", body.Message, "internal error")
			}
			if strings.Contains(body.Message, secret) {
				t.Errorf("message %q leaks the original error", body.Message)
			}
			var gerr *goa.ServiceError
			if errors.As(tt.err, &gerr) && body.ID != gerr.ID {
				t.Errorf("ID = %q, want the error's %q", body.ID, gerr.ID)
			}
		})
	}
}

// TestFormatErrorEncoded checks the wire form through Goa's error encoder:
// the status comes from StatusCode and is not part of the JSON.
func TestFormatErrorEncoded(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		err        error
		wantStatus int
		wantKeys   []string
	}{
		{"case=goa error has an id", goa.MissingFieldError("email", "body"), http.StatusBadRequest, []string{"id", "message", "name"}},
		{"case=plain error has no id", errors.New("boom"), http.StatusInternalServerError, []string{"message", "name"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			rec := httptest.NewRecorder()
			encode := goahttp.ErrorEncoder(goahttp.ResponseEncoder, middleware.FormatError)
			if err := encode(context.Background(), rec, tt.err); err != nil {
				t.Fatalf("encode: %v", err)
			}
			if rec.Code != tt.wantStatus {
				t.Errorf("status = %d, want %d", rec.Code, tt.wantStatus)
			}
			var raw map[string]any
			if err := json.Unmarshal(rec.Body.Bytes(), &raw); err != nil {
				t.Fatalf("body %q is not JSON: %v", rec.Body.String(), err)
			}
			if len(raw) != len(tt.wantKeys) {
				t.Errorf("body keys = %v, want %v", raw, tt.wantKeys)
			}
			for _, k := range tt.wantKeys {
				if _, ok := raw[k]; !ok {
					t.Errorf("body %v has no %q", raw, k)
				}
			}
		})
	}
}

func TestFormatErrorDoesNotEchoValues(t *testing.T) {
	t.Parallel()
	const secret = `hun"ter2`
	for name, err := range map[string]error{
		"case=invalid length":  goa.InvalidLengthError("body.password", secret, 8, 8, true),
		"case=invalid pattern": goa.InvalidPatternError("body.email", secret, `^.+@.+$`),
		"case=invalid format":  goa.InvalidFormatError("body.id", secret, goa.FormatUUID, errors.New("bad uuid")),
		"case=merged":          goa.MergeErrors(goa.InvalidLengthError("body.password", secret, 8, 8, true), goa.MissingFieldError("email", "body")),
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			body := middleware.FormatError(context.Background(), err).(*middleware.ErrorBody)
			if strings.Contains(body.Message, "hun") {
				t.Errorf("message %q echoes the value", body.Message)
			}
			if !strings.Contains(body.Message, "body.") {
				t.Errorf("message %q no longer names the field", body.Message)
			}
		})
	}
}
