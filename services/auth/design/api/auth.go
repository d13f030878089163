package api

import (
	. "goa.design/goa/v3/dsl"
)

var _ = Service("auth", func() {
	Description("Accounts, sessions and multi-factor authentication.")

	// Errors are the API's (design.go); each method names those it may
	// return, so that the description of each operation lists exactly
	// those.
	HTTP(func() {
		Path("/auth")
	})

	Method("register", func() {
		methodErrors("invalid_input", "weak_password", "email_taken", "unavailable")
		throttled()
		Description("Create an account and sign in at aal1 (with EMAIL_VERIFICATION_REQUIRED=true, no session: the account signs in once its email is verified). A verification link is mailed to the address.")
		Payload(NewAccount)
		Result(RegisterResult)
		HTTP(func() {
			throttledResponse()
			POST("/register")
			Response(StatusCreated, sessionCookie)
		})
	})

	Method("login", func() {
		methodErrors("invalid_input", "invalid_credentials", "account_disabled", "email_unverified", "unavailable")
		throttled()
		Description("Sign in with a password. Unknown emails and wrong passwords get the same answer in about the same time.")
		Payload(Credentials)
		Result(LoginResult)
		HTTP(func() {
			throttledResponse()
			POST("/login")
			Response(StatusOK, sessionCookie)
		})
	})

	Method("logout", func() {
		methodErrors("unauthorized", "unavailable")
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
		methodErrors("unauthorized", "mfa_required", "unavailable")
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
	passkeyMethods()

	Method("validate_session", func() {
		methodErrors("unauthorized", "invalid_input", "unavailable")
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
		methodErrors("invalid_input", "not_found", "unavailable")
		Description("Disable an account (taken over, say): login answers 403 account_disabled, and every session ends at once, caches included. For operators (the admin method group); the user's activity names the operator, and a notice is mailed.")
		Payload(userIDPayload)
		GRPC(func() {
			Response(CodeOK)
		})
	})
	Method("enable_user", func() {
		methodErrors("invalid_input", "not_found", "unavailable")
		Description("Enable a disabled account again. For operators.")
		Payload(userIDPayload)
		GRPC(func() {
			Response(CodeOK)
		})
	})
	Method("reset_mfa", func() {
		methodErrors("invalid_input", "not_found", "unavailable")
		Description("For a user who lost both the authenticator and the backup codes: remove TOTP and the backup codes and end every session; a notice is mailed. For operators.")
		Payload(userIDPayload)
		GRPC(func() {
			Response(CodeOK)
		})
	})

	Method("unlock_user", func() {
		methodErrors("invalid_input", "not_found", "unavailable")
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
		methodErrors("invalid_input", "not_found", "unavailable")
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
