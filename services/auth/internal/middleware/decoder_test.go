package middleware_test

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	goa "goa.design/goa/v3/pkg"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// payload is shaped like a Goa request body: pointer fields, JSON tags.
type payload struct {
	Email  *string `json:"email"`
	Age    *int    `json:"age"`
	Nested *struct {
		Flag *bool `json:"flag"`
	} `json:"nested"`
}

// decode runs RequestDecoder over body, as Goa's generated decoders do.
func decode(t *testing.T, body io.Reader) (*payload, error) {
	t.Helper()
	r := httptest.NewRequest(http.MethodPost, "/login", body)
	var p payload
	err := middleware.RequestDecoder(r).Decode(&p)
	return &p, err
}

func TestRequestDecoderAccepts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body string
	}{
		{"case=object", `{"email":"ada@example.com","age":36}`},
		{"case=trailing whitespace", "{\"email\":\"ada@example.com\",\"age\":36}\n\t "},
		{"case=leading whitespace", "\n  {\"email\":\"ada@example.com\",\"age\":36}"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p, err := decode(t, strings.NewReader(tt.body))
			if err != nil {
				t.Fatalf("Decode: %v", err)
			}
			if p.Email == nil || *p.Email != "ada@example.com" || p.Age == nil || *p.Age != 36 {
				t.Errorf("Decode = %+v, want the fields of %s", p, tt.body)
			}
		})
	}
}

func TestRequestDecoderRefuses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		body        string
		wantMessage []string // substrings of the error message
	}{
		{"case=malformed", `{email:"ada@example.com"}`, []string{"malformed JSON at byte 2"}},
		{"case=malformed value", `{"email":tru}`, []string{"malformed JSON at byte"}},
		{"case=truncated", `{"email":"ada@`, []string{"ends too early"}},
		{"case=truncated after key", `{"email":`, []string{"ends too early"}},
		{"case=wrong type number", `{"age":"thirty"}`, []string{`field "age"`, "must be a number, not string"}},
		{"case=wrong type string", `{"email":42}`, []string{`field "email"`, "must be a string, not number"}},
		{"case=wrong type nested", `{"nested":{"flag":"yes"}}`, []string{`"nested.flag"`, "must be a boolean, not string"}},
		{"case=wrong type object", `{"nested":[]}`, []string{`field "nested"`, "not array"}},
		{"case=unknown field", `{"email":"ada@example.com","admin":true}`, []string{`unknown field "admin"`}},
		{"case=unknown nested field", `{"nested":{"flag":true,"role":"admin"}}`, []string{`unknown field "role"`}},
		{"case=second object", `{"email":"a@example.com"}{"email":"b@example.com"}`, []string{"a single JSON object"}},
		{"case=trailing garbage", `{"email":"a@example.com"} x`, []string{"a single JSON object"}},
		{"case=trailing bracket", `{"email":"a@example.com"}]`, []string{"a single JSON object"}},
		{"case=array", `[{"email":"a@example.com"}]`, []string{"must be a JSON object, not array"}},
		{"case=string", `"a@example.com"`, []string{"must be a JSON object, not string"}},
		{"case=number", `42`, []string{"must be a JSON object, not number"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, strings.NewReader(tt.body))
			var gerr *goa.ServiceError
			if !errors.As(err, &gerr) {
				t.Fatalf("Decode(%s) = %v (%T), want a *goa.ServiceError", tt.body, err, err)
			}
			if gerr.Name != goa.DecodePayload {
				t.Errorf("error name = %q, want %q", gerr.Name, goa.DecodePayload)
			}
			for _, want := range tt.wantMessage {
				if !strings.Contains(gerr.Message, want) {
					t.Errorf("message = %q, want it to contain %q", gerr.Message, want)
				}
			}
			body := middleware.FormatError(context.Background(), err).(*middleware.ErrorBody)
			if body.Name != middleware.NameInvalidInput || body.StatusCode() != http.StatusBadRequest {
				t.Errorf("FormatError = %s %d, want %s 400", body.Name, body.StatusCode(), middleware.NameInvalidInput)
			}
			if body.Message != gerr.Message {
				t.Errorf("FormatError message = %q, want the decoder's %q", body.Message, gerr.Message)
			}
		})
	}
}

func TestRequestDecoderEmptyBody(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		body io.Reader
	}{
		{"case=empty", strings.NewReader("")},
		{"case=whitespace only", strings.NewReader(" \n\t")},
		{"case=no body", http.NoBody},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := decode(t, tt.body)
			// Goa's generated decoders turn io.EOF into missing_payload.
			if !errors.Is(err, io.EOF) {
				t.Errorf("Decode = %v, want io.EOF", err)
			}
		})
	}
}
