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

	// The errors of the API. Each is declared once, with its HTTP status
	// and gRPC code; each method names those it may return (methodErrors),
	// so that the OpenAPI description lists exactly those per operation.
	// rate_limited, whose type is its own, is declared by the methods that
	// throttle (throttled).
	Error("unauthorized", ErrorResult, "The session is missing, unknown, expired or revoked.")
	Error("mfa_required", ErrorResult, "The session must be raised to aal2 with a second factor first.")
	Error("invalid_input", ErrorResult, "The request is malformed or fails validation.")
	Error("unavailable", ErrorResult, "The database cannot be reached; retry later.", func() { Temporary() })
	Error("email_taken", ErrorResult, "An account with this email already exists.")
	Error("invalid_credentials", ErrorResult, "The email or the password is wrong.")
	Error("not_found", ErrorResult, "No such resource.")
	Error("invalid_code", ErrorResult, "The code is wrong, expired or already used.")
	Error("totp_already_enabled", ErrorResult, "TOTP is already active for this account.")
	Error("totp_not_enrolled", ErrorResult, "No TOTP enrollment is pending or active: call totp/generate first.")
	Error("mfa_not_enabled", ErrorResult, "The account has no second factor.")
	Error("account_disabled", ErrorResult, "An operator disabled the account.")
	Error("second_factor_locked", ErrorResult, "Too many consecutive failed second-factor attempts: the second factor is locked until a password reset or an operator's UnlockUser.")
	Error("weak_password", ErrorResult, "The new password may not be chosen: the message says why (too short or too long, a common or breached password, built from the account's email, too easy to guess); it never echoes the password.")
	Error("invalid_token", ErrorResult, "The link's token is unknown, used, voided by a newer one or expired.")
	Error("email_unverified", ErrorResult, "The account's email address is not verified yet (EMAIL_VERIFICATION_REQUIRED): a new verification link has been mailed.")
	Error("email_already_verified", ErrorResult, "The account's email address is already verified.")
	Error("invalid_credential", ErrorResult, "The passkey's response does not verify: another or a spent or expired challenge, another origin or relying party, an unknown passkey, a bad signature, or a signature counter that did not grow (a possibly cloned authenticator).")
	Error("no_passkey", ErrorResult, "The account has no passkey.")
	Error("last_second_factor", ErrorResult, "This is the account's last second factor: deleting it turns MFA off, which needs the password in the request.")

	HTTP(func() {
		Response("unauthorized", StatusUnauthorized)
		Response("mfa_required", StatusForbidden)
		Response("invalid_input", StatusBadRequest)
		Response("unavailable", StatusServiceUnavailable)
		Response("email_taken", StatusConflict)
		Response("invalid_credentials", StatusUnauthorized)
		Response("not_found", StatusNotFound)
		Response("invalid_code", StatusUnauthorized)
		Response("totp_already_enabled", StatusConflict)
		Response("totp_not_enrolled", StatusConflict)
		Response("mfa_not_enabled", StatusConflict)
		Response("second_factor_locked", StatusLocked)
		Response("account_disabled", StatusForbidden)
		Response("weak_password", StatusBadRequest)
		Response("invalid_token", StatusBadRequest)
		Response("email_unverified", StatusForbidden)
		Response("email_already_verified", StatusConflict)
		Response("invalid_credential", StatusUnauthorized)
		Response("no_passkey", StatusConflict)
		Response("last_second_factor", StatusConflict)
	})
	GRPC(func() {
		Response("unauthorized", CodeUnauthenticated)
		Response("mfa_required", CodePermissionDenied)
		Response("invalid_input", CodeInvalidArgument)
		Response("unavailable", CodeUnavailable)
		Response("email_taken", CodeAlreadyExists)
		Response("invalid_credentials", CodeUnauthenticated)
		Response("not_found", CodeNotFound)
		Response("invalid_code", CodeUnauthenticated)
		Response("totp_already_enabled", CodeFailedPrecondition)
		Response("totp_not_enrolled", CodeFailedPrecondition)
		Response("mfa_not_enabled", CodeFailedPrecondition)
		Response("second_factor_locked", CodeFailedPrecondition)
		Response("account_disabled", CodePermissionDenied)
		Response("weak_password", CodeInvalidArgument)
		Response("invalid_token", CodeInvalidArgument)
		Response("email_unverified", CodePermissionDenied)
		Response("email_already_verified", CodeFailedPrecondition)
		Response("invalid_credential", CodeUnauthenticated)
		Response("no_passkey", CodeFailedPrecondition)
		Response("last_second_factor", CodeFailedPrecondition)
	})
})

// methodErrors declares, in a method, the errors of the API it may return.
func methodErrors(names ...string) {
	for _, name := range names {
		Error(name)
	}
}

// throttled declares, in a method over HTTP, the error of an attempt over
// a limit: 429 with Retry-After. Call it in the method, then
// throttledResponse in its HTTP block.
func throttled() {
	Error("rate_limited", RateLimitedError, "Too many attempts; retry after the number of seconds in Retry-After.")
}

// throttledResponse maps rate_limited in a method's HTTP block.
func throttledResponse() {
	Response("rate_limited", StatusTooManyRequests, func() {
		Header("retry_after:Retry-After")
	})
}

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
