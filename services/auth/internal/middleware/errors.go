package middleware

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"regexp"

	goahttp "goa.design/goa/v3/http"
	goa "goa.design/goa/v3/pkg"

	"github.com/infrastructure/platform/internal/logging"
	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
)

// Error names this package produces besides those of the design.
const (
	// NameInvalidInput is the name of every decoding and validation error
	// (services/auth/README.md, Endpoints).
	NameInvalidInput = "invalid_input"
	// NameTooLarge is the name of the error for a body over the limit.
	NameTooLarge = "request_too_large"
	// NameForbiddenOrigin is the name of the error for a cross-origin
	// cookie-authenticated write.
	NameForbiddenOrigin = "forbidden_origin"
)

// ErrorBody is the JSON body of every error: a Goa error body with the
// name, the id of the error and a message for humans.
type ErrorBody struct {
	Name    string `json:"name"`
	ID      string `json:"id,omitempty"`
	Message string `json:"message"`
	status  int
}

// StatusCode implements goahttp.Statuser.
func (e *ErrorBody) StatusCode() int { return e.status }

// validationNames are the errors Goa raises while decoding and validating a
// request; clients see them all as invalid_input.
var validationNames = map[string]bool{
	goa.MissingPayload: true, goa.DecodePayload: true, goa.InvalidFieldType: true,
	goa.MissingField: true, goa.InvalidEnumValue: true, goa.InvalidFormat: true,
	goa.InvalidPattern: true, goa.InvalidRange: true, goa.InvalidLength: true,
}

// FormatError is the Goa error formatter of the HTTP server. Errors of the
// design keep their name (the generated encoders set their status); Goa's
// own decoding and validation errors become invalid_input (400); faults
// become a bare "internal error" (500) whose details stay in the logs.
// The id of every body is the request id (AccessLog), which is the
// request_id of the request's log lines and its X-Request-Id: the id a user
// reports finds the request in the logs. Outside AccessLog, a Goa error
// keeps its own id.
func FormatError(ctx context.Context, err error) goahttp.Statuser {
	body := formatError(err)
	if id := logging.RequestID(ctx); id != "" {
		body.ID = id
	}
	return body
}

func formatError(err error) *ErrorBody {
	var limited *genauth.RateLimitedError
	if errors.As(err, &limited) { // the generated encoder sets Retry-After
		return &ErrorBody{Name: limited.Name, Message: limited.Message, status: http.StatusTooManyRequests}
	}
	var gerr *goa.ServiceError
	if !errors.As(err, &gerr) {
		return &ErrorBody{Name: "fault", Message: "internal error", status: http.StatusInternalServerError}
	}
	body := &ErrorBody{Name: gerr.Name, ID: gerr.ID, Message: gerr.Message}
	switch {
	case validationNames[gerr.Name]:
		body.Name, body.status = NameInvalidInput, http.StatusBadRequest
		body.Message = withoutValues(body.Message)
	case gerr.Name == NameTooLarge:
		body.status = http.StatusRequestEntityTooLarge
	case gerr.Name == goa.UnsupportedMediaType:
		body.status = http.StatusUnsupportedMediaType
	case gerr.Fault:
		body.Name, body.Message, body.status = "fault", "internal error", http.StatusInternalServerError
	case gerr.Temporary:
		body.status = http.StatusServiceUnavailable
	default:
		body.status = http.StatusBadRequest
	}
	return body
}

// echoedValue matches the part of a Goa validation message that repeats the
// value sent, which may be a password.
var echoedValue = regexp.MustCompile(` but got value "(?:[^"\\]|\\.)*"(?: \(len=\d+\))?`)

// withoutValues removes the values Goa echoes in validation messages: a
// rejected password must not come back in a response (and from there reach
// proxy logs or HAR files).
func withoutValues(msg string) string {
	return echoedValue.ReplaceAllString(msg, "")
}

// writeError writes an error body from a middleware, before Goa is reached.
// Its id is the request id, as in FormatError.
func writeError(w http.ResponseWriter, r *http.Request, status int, name, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(ErrorBody{Name: name, ID: logging.RequestID(r.Context()), Message: message})
}
