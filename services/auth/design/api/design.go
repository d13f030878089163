// Package api is the Goa design of the auth service: one DSL from which the
// HTTP and gRPC transports and the OpenAPI specification are generated.
package api

import (
	. "goa.design/goa/v3/dsl"
)

var _ = API("auth", func() {
	Title("Auth service")
	Description("TOTP-based multi-factor login with backup codes and cookie sessions for browsers (REST), and session validation for sibling services (gRPC).")
	Version("1.0")

	Server("auth", func() {
		Description("Serves the REST API and the gRPC API.")
		Services("auth")
		Host("localhost", func() {
			URI("http://localhost:8080")
			URI("grpc://localhost:9090")
		})
	})

	// Errors that any method may return. Each is declared once and mapped to
	// an HTTP status and a gRPC code here.
	Error("unauthorized", ErrorResult, "The session is missing, unknown, expired or revoked.")
	Error("mfa_required", ErrorResult, "The session must be raised to aal2 with a second factor first.")
	Error("invalid_input", ErrorResult, "The request is malformed or fails validation.")
	Error("unavailable", ErrorResult, "The database cannot be reached; retry later.", func() { Temporary() })

	HTTP(func() {
		Response("unauthorized", StatusUnauthorized)
		Response("mfa_required", StatusForbidden)
		Response("invalid_input", StatusBadRequest)
		Response("unavailable", StatusServiceUnavailable)
	})
	GRPC(func() {
		Response("unauthorized", CodeUnauthenticated)
		Response("mfa_required", CodePermissionDenied)
		Response("invalid_input", CodeInvalidArgument)
		Response("unavailable", CodeUnavailable)
	})
})

// RateLimitedError is the error of a throttled attempt.
var RateLimitedError = Type("RateLimitedError", func() {
	Description("Too many attempts: the limit frees after retry_after seconds, whatever the credentials.")
	ErrorName("name", String, "Always rate_limited.", func() {
		Meta("rpc:tag", "1")
		Example("rate_limited")
	})
	Field(2, "message", String, "What was limited.", func() {
		Example("too many failed attempts: retry after 540 seconds")
	})
	Field(3, "retry_after", Int, "Seconds until the limit frees (the Retry-After header over HTTP).", func() {
		Minimum(1)
		Example(540)
	})
	Required("name", "message", "retry_after")
})

// SessionAuth is the session security scheme. Browsers send the token in the
// session cookie, other clients in "Authorization: Bearer <token>". The HTTP
// transport accepts the cookie through a middleware (see
// internal/middleware) because the cookie name depends on configuration.
//
// The scopes say what assurance a method needs; the service grants them from
// the session:
//   - "session": any live session (second-factor endpoints, refresh, logout);
//   - "mfa": the session is complete: aal2, or aal1 when MFA is off;
//   - "aal2": the session is at aal2.
var SessionAuth = APIKeySecurity("session", func() {
	Description("Session token from the `__Host-session` cookie (`session` when COOKIE_SECURE=false) or from `Authorization: Bearer <token>`.")
	Scope("session", "Any live session.")
	Scope("mfa", "A session that passed every factor the user has enabled.")
	Scope("aal2", "A session at assurance level aal2.")
})
