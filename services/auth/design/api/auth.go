package api

import (
	. "goa.design/goa/v3/dsl"
)

var _ = Service("auth", func() {
	Description("Accounts, sessions and multi-factor authentication.")

	// Errors declared once on the API (design.go), with their statuses and codes.
	Error("unauthorized")
	Error("mfa_required")
	Error("invalid_input")
	// A custom error type (for its retry_after) cannot be shared from the
	// API level: goa generates it only for a service-level error.
	Error("rate_limited", RateLimitedError, "Too many attempts; retry after the number of seconds in Retry-After.")
	Error("unavailable")

	Error("email_taken", ErrorResult, "An account with this email already exists.")
	Error("invalid_credentials", ErrorResult, "The email or the password is wrong.")
	Error("not_found", ErrorResult, "No such resource.")
	Error("invalid_code", ErrorResult, "The code is wrong, expired or already used.")
	Error("totp_already_enabled", ErrorResult, "TOTP is already active for this account.")
	Error("totp_not_enrolled", ErrorResult, "No TOTP enrollment is pending or active: call totp/generate first.")
	Error("mfa_not_enabled", ErrorResult, "The account has no second factor.")
	Error("account_disabled", ErrorResult, "An operator disabled the account.")
	Error("weak_password", ErrorResult, "The new password may not be chosen: the message says why (too short or too long, a common or breached password, built from the account's email); it never echoes the password.")
	Error("invalid_token", ErrorResult, "The link's token is unknown, used, voided by a newer one or expired.")
	Error("email_unverified", ErrorResult, "The account's email address is not verified yet (EMAIL_VERIFICATION_REQUIRED): a new verification link has been mailed.")
	Error("email_already_verified", ErrorResult, "The account's email address is already verified.")
	Error("second_factor_locked", ErrorResult, "Too many consecutive failed second-factor attempts: the second factor is locked until a password reset or an operator's UnlockUser.")

	HTTP(func() {
		Path("/auth")
		Response("email_taken", StatusConflict)
		Response("invalid_credentials", StatusUnauthorized)
		Response("not_found", StatusNotFound)
		Response("rate_limited", StatusTooManyRequests, func() {
			Header("retry_after:Retry-After")
		})
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
	})
	GRPC(func() {
		Response("email_taken", CodeAlreadyExists)
		Response("invalid_credentials", CodeUnauthenticated)
		Response("not_found", CodeNotFound)
		Response("rate_limited", CodeResourceExhausted)
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
	})

	Method("register", func() {
		Description("Create an account and sign in at aal1 (with EMAIL_VERIFICATION_REQUIRED=true, no session: the account signs in once its email is verified). A verification link is mailed to the address.")
		Payload(NewAccount)
		Result(RegisterResult)
		HTTP(func() {
			POST("/register")
			Response(StatusCreated, sessionCookie)
		})
	})

	Method("login", func() {
		Description("Sign in with a password. Unknown emails and wrong passwords get the same answer in about the same time.")
		Payload(Credentials)
		Result(LoginResult)
		HTTP(func() {
			POST("/login")
			Response(StatusOK, sessionCookie)
		})
	})

	Method("logout", func() {
		Description("Revoke the current session and clear the cookie.")
		Security(SessionAuth, func() { Scope("session") })
		Payload(sessionPayload(nil))
		Result(LogoutResult)
		HTTP(func() {
			POST("/logout")
			Header("token:Authorization")
			Response(StatusNoContent, sessionCookie)
		})
	})

	Method("profile", func() {
		Description("The signed-in user's account.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(AccountProfile)
		HTTP(func() {
			GET("/profile")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	sessionMethods()
	accountLifecycleMethods()
	sessionManagementMethods()
	revocationMethods()
	activityMethods()
	mfaMethods()

	Method("validate_session", func() {
		Description("Resolve a session token to its identity. The hot path of the platform: one indexed read, no write.")
		Payload(func() {
			Field(1, "token", String, "Session token.", func() {
				Example("q8s0b2KJ6iBq7f4mQ8m3Yk2cV9nF1x0rT5uW7yZaBcD")
			})
			Required("token")
		})
		Result(SessionIdentity)
		GRPC(func() {
			Response(CodeOK)
		})
	})

	userIDPayload := func() {
		Field(1, "user_id", String, "User ID.", func() {
			Format(FormatUUID)
			Example("5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f")
		})
		Required("user_id")
	}
	Method("disable_user", func() {
		Description("Disable an account (taken over, say): login answers 403 account_disabled, and every session ends at once, caches included. For operators (the admin method group); the user's activity names the operator, and a notice is mailed.")
		Payload(userIDPayload)
		GRPC(func() {
			Response(CodeOK)
		})
	})
	Method("enable_user", func() {
		Description("Enable a disabled account again. For operators.")
		Payload(userIDPayload)
		GRPC(func() {
			Response(CodeOK)
		})
	})
	Method("reset_mfa", func() {
		Description("For a user who lost both the authenticator and the backup codes: remove TOTP and the backup codes and end every session; a notice is mailed. For operators.")
		Payload(userIDPayload)
		GRPC(func() {
			Response(CodeOK)
		})
	})

	Method("unlock_user", func() {
		Description("Lift a user's second-factor lock (after too many consecutive failures) and reset the count. For operators (the admin method group).")
		Payload(func() {
			Field(1, "user_id", String, "User ID.", func() {
				Format(FormatUUID)
				Example("5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f")
			})
			Required("user_id")
		})
		GRPC(func() {
			Response(CodeOK)
		})
	})

	Method("get_user", func() {
		Description("Look up a user by ID.")
		Payload(func() {
			Field(1, "user_id", String, "User ID.", func() {
				Format(FormatUUID)
				Example("5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f")
			})
			Required("user_id")
		})
		Result(UserView)
		GRPC(func() {
			Response(CodeOK)
		})
	})
})
