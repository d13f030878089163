package middleware_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"

	goa "goa.design/goa/v3/pkg"

	genhttp "github.com/infrastructure/platform/services/auth/gen/http/auth/server"
	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

// fuzzLimit is the body limit of the limited decodes of FuzzRequestDecoder:
// small, so that the fuzzer reaches it often.
const fuzzLimit = 64

// FuzzRequestDecoder feeds arbitrary bodies to RequestDecoder and checks,
// for every body, that:
//   - decoding never panics, into a test payload, Goa's login body or a
//     json.RawMessage;
//   - a blank body is io.EOF (Goa's missing payload) and every other
//     refusal a Goa error that FormatError answers with a 4xx;
//   - into a json.RawMessage, it accepts exactly what json.Valid accepts,
//     all of it: strictness refuses trailing data, never valid JSON;
//   - into a struct, it accepts only a JSON object (or null), and what it
//     decoded is accepted again once re-encoded, unchanged;
//   - under a limit, a body within it decodes as without one, and an
//     acceptable body over it is request_too_large (413);
//   - the login body's validation error does not echo the password.
func FuzzRequestDecoder(f *testing.F) {
	for _, seed := range []string{
		`{"email":"ada@example.com","password":"correct horse battery"}`,
		`{"email":"ada@example.com","age":36,"nested":{"flag":true}}`,
		`{"email":"ada@example.com","password":"short"}`,
		"\n  {\"email\":\"ada@example.com\"}\n\t ",
		`{"email":"a@b.co","email":"c@d.co"}`,
		`{"EMAIL":"a@b.co","Password":"12345678"}`,
		`{"email":"\ud800\u0000","password":"\"quoted\"pass"}`,
		`{"age":1e400}`,
		`{"age":-0.0}`,
		`{"nested":{"flag":"yes"}}`,
		`{"email":"a@example.com"} x`,
		`{"email":"a@example.com"}{}`,
		`{"email":"a@example.com","admin":true}`,
		`[{"email":"a@example.com"}]`,
		`"a@example.com"`,
		`42`,
		`null`,
		`{email:"ada@example.com"}`,
		`{"email":"ada@`,
		strings.Repeat("[", 10001),
		`{"password":"` + strings.Repeat("x", fuzzLimit) + `"}`,
		"",
		" \n\t",
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		value := bytes.Trim(body, " \t\r\n") // JSON's whitespace

		var raw json.RawMessage
		err := decodeBody(body, 0, &raw)
		switch {
		case len(value) == 0:
			if !errors.Is(err, io.EOF) {
				t.Fatalf("Decode(%q) = %v, want io.EOF", body, err)
			}
			return
		case (err == nil) != json.Valid(body):
			t.Fatalf("Decode(%q) into a RawMessage = %v, but json.Valid = %t", body, err, json.Valid(body))
		case err == nil && !bytes.Equal(raw, value):
			t.Fatalf("Decode(%q) into a RawMessage = %q, want all of it", body, raw)
		}
		requireClientError(t, body, err)

		var p payload
		err = decodeBody(body, 0, &p)
		requireClientError(t, body, err)
		if err == nil {
			requireObject(t, body)
			requireRoundTrip(t, &p)
		}
		requireLimited(t, body, err, &payload{})

		var login genhttp.LoginRequestBody
		err = decodeBody(body, 0, &login)
		requireClientError(t, body, err)
		if err == nil {
			requireRoundTrip(t, &login)
			requireNoPassword(t, login)
		}
	})
}

// decodeBody runs RequestDecoder over body, as the generated decoders do,
// under limit when it is not zero (as MaxBody does).
func decodeBody(body []byte, limit int64, v any) error {
	r := httptest.NewRequest(http.MethodPost, "/auth/login", bytes.NewReader(body))
	if limit > 0 {
		r.Body = http.MaxBytesReader(httptest.NewRecorder(), r.Body, limit)
	}
	return middleware.RequestDecoder(r).Decode(v)
}

// requireClientError fails unless err is nil or a Goa error that the
// server answers with a 4xx.
func requireClientError(t *testing.T, body []byte, err error) {
	t.Helper()
	if err == nil {
		return
	}
	var gerr *goa.ServiceError
	if !errors.As(err, &gerr) {
		t.Fatalf("Decode(%q) = %v (%T), want a *goa.ServiceError", body, err, err)
	}
	if st := middleware.FormatError(context.Background(), err).StatusCode(); st < 400 || st > 499 {
		t.Fatalf("Decode(%q) = %v, answered %d, want a 4xx", body, err, st)
	}
}

// requireObject fails unless body is a JSON object or null, which decodes
// into a struct as nothing.
func requireObject(t *testing.T, body []byte) {
	t.Helper()
	value := bytes.Trim(body, " \t\r\n")
	if !bytes.HasPrefix(value, []byte("{")) && !bytes.Equal(value, []byte("null")) {
		t.Fatalf("Decode(%q) into a struct succeeded on something else than an object", body)
	}
}

// requireRoundTrip fails unless v, encoded, decodes again to the same value:
// the decoder accepts every field that the type declares.
func requireRoundTrip[T any](t *testing.T, v *T) {
	t.Helper()
	enc, err := json.Marshal(v)
	if err != nil {
		t.Fatalf("Marshal(%+v): %v", v, err)
	}
	var again T
	if err := decodeBody(enc, 0, &again); err != nil {
		t.Fatalf("Decode(Marshal(%+v)) = %v, want it accepted", v, err)
	}
	if !reflect.DeepEqual(*v, again) {
		t.Fatalf("Decode(Marshal(%+v)) = %+v, want the same value", v, again)
	}
}

// requireLimited decodes body again under fuzzLimit into v and compares
// with the outcome err without a limit.
func requireLimited(t *testing.T, body []byte, err error, v any) {
	t.Helper()
	limitedErr := decodeBody(body, fuzzLimit, v)
	requireClientError(t, body, limitedErr)
	if len(body) <= fuzzLimit {
		if (err == nil) != (limitedErr == nil) || (err != nil && err.Error() != limitedErr.Error()) {
			t.Fatalf("Decode(%q) = %v without a limit, %v within it", body, err, limitedErr)
		}
		return
	}
	var gerr *goa.ServiceError
	if err == nil && (!errors.As(limitedErr, &gerr) || gerr.Name != middleware.NameTooLarge) {
		t.Fatalf("Decode(%q) over a limit of %d = %v, want %s", body, fuzzLimit, limitedErr, middleware.NameTooLarge)
	}
}

// requireNoPassword validates a decoded login body as the generated
// decoder does and fails if the error sent to the client holds the
// password, as Goa's length errors do before FormatError cleans them.
func requireNoPassword(t *testing.T, login genhttp.LoginRequestBody) {
	t.Helper()
	err := genhttp.ValidateLoginRequestBody(&login)
	if err == nil {
		return
	}
	body := middleware.FormatError(context.Background(), err).(*middleware.ErrorBody)
	if st := body.StatusCode(); st != http.StatusBadRequest {
		t.Fatalf("validation error %v answered %d, want 400", err, st)
	}
	if login.Password != nil && strings.Contains(body.Message, strconv.Quote(*login.Password)) {
		t.Fatalf("validation message %q echoes the password %q", body.Message, *login.Password)
	}
}
