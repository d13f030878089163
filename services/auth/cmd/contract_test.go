package main

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"

	"github.com/infrastructure/platform/services/auth/internal/apidocs"
)

// The contract test: every answer that an end-to-end test of this package
// receives from an operation of the API (through stack.do) is checked
// against the OpenAPI description that the service serves, for its
// operation and status (an undocumented status fails), body and headers
// included. So the description cannot drift from the server: a test that
// provokes an error the description does not list fails.

var contract = sync.OnceValues(func() (routers.Router, error) {
	doc, err := openapi3.NewLoader().LoadFromData(apidocs.JSON)
	if err != nil {
		return nil, err
	}
	doc.Servers = nil // match any test server's address
	return legacy.NewRouter(doc)
})

// checkContract fails t when res, the answer to req, is not what the
// description says of req's operation. Requests outside the API's
// operations (health, pages, unknown routes) are not checked.
func checkContract(t testing.TB, req *http.Request, res *http.Response, body []byte) {
	t.Helper()
	router, err := contract()
	if err != nil {
		t.Fatalf("the OpenAPI description: %v", err)
	}
	route, params, err := router.FindRoute(req)
	if err != nil || (strings.HasSuffix(req.URL.Path, "/") && !strings.HasSuffix(route.Path, "/")) {
		return // not an operation of the API (the router forgives a trailing slash; the server does not)
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{
			Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc},
		},
		Status: res.StatusCode,
		Header: res.Header,
		Body:   io.NopCloser(bytes.NewReader(body)),
		Options: &openapi3filter.Options{
			IncludeResponseStatus: true, // a status the operation does not list fails
			MultiError:            true,
		},
	}
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		t.Errorf("contract: %s %s answered %d %s, not as the OpenAPI description says: %v",
			req.Method, req.URL.Path, res.StatusCode, body, err)
	}
}

// TestContractCatchesDrift: the check fails for an answer that the
// description does not allow (the check itself can fail).
func TestContractCatchesDrift(t *testing.T) {
	t.Parallel()
	req, _ := http.NewRequest(http.MethodPost, "http://127.0.0.1:1/auth/register", nil)
	for _, tt := range []struct {
		name   string
		status int
		body   string
	}{
		{"case=undocumented status", http.StatusTeapot, `{"name":"x","id":"y","message":"z"}`},
		{"case=error name not listed for the status", http.StatusConflict, `{"name":"mfa_not_enabled","id":"y","message":"z"}`},
		{"case=error body without its id", http.StatusConflict, `{"name":"email_taken","message":"z"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			rec := &recorder{TB: t}
			res := &http.Response{StatusCode: tt.status, Header: http.Header{"Content-Type": {"application/json"}}}
			checkContract(rec, req, res, []byte(tt.body))
			if !rec.failed {
				t.Errorf("%d %s passed the contract", tt.status, tt.body)
			}
		})
	}
	rec := &recorder{TB: t}
	res := &http.Response{StatusCode: http.StatusConflict, Header: http.Header{"Content-Type": {"application/json"}}}
	checkContract(rec, req, res, []byte(`{"name":"email_taken","id":"y","message":"z"}`))
	if rec.failed {
		t.Error("a documented error failed the contract")
	}
}

// recorder is a testing.TB that notes a failure instead of failing.
type recorder struct {
	testing.TB
	failed bool
}

func (r *recorder) Errorf(string, ...any) { r.failed = true }
func (r *recorder) Helper()               {}
