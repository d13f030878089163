package api

import (
	. "goa.design/goa/v3/dsl"
)

// newPasswordAttribute declares a password being chosen. Its rules (length,
// the list of common and breached passwords, the account's email) are the
// screening's, answered as 400 weak_password with the reason; the design
// bounds nothing, so that a too short or too long password gets that
// answer too.
func newPasswordAttribute(name string) {
	Attribute(name, String, "The new password: 8 to 128 characters of any script, never truncated, not a common or breached password and not built from the account's email (else 400 weak_password, saying which).", func() {
		Example("violet anchor drifting slowly")
	})
}

// emailTokenAttribute declares the token of an emailed link.
func emailTokenAttribute() {
	Attribute("token", String, "The token of the emailed link: what follows #token= in it.", func() {
		MaxLength(128)
		Example("S8b4gk2vVdB0o6p3x1JwY9iHqz7tLmNcRfAeKuXs5Ek")
	})
}

// accountLifecycleMethods declares the password and email lifecycle: change,
// forgotten password and reset, email verification.
func accountLifecycleMethods() {
	Method("password_change", func() {
		methodErrors("unauthorized", "mfa_required", "invalid_input", "invalid_credentials", "weak_password", "unavailable")
		throttled()
		Description("Change the password. Needs the current one (a wrong one is 401 invalid_credentials and counts as a failed login). On success this session gets a new token, every other session of the user ends at once (caches included), the change is an activity event and a notice is mailed.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(func() {
			Attribute("current_password", String, "The account's current password.", func() {
				MaxLength(1024)
				Example("correct horse battery staple")
			})
			newPasswordAttribute("new_password")
			Required("current_password", "new_password")
		}))
		Result(PasswordChangeResult)
		HTTP(func() {
			throttledResponse()
			POST("/password/change")
			Header("token:Authorization")
			Response(StatusOK, sessionCookie)
		})
	})

	Method("password_forgot", func() {
		methodErrors("invalid_input", "unavailable")
		throttled()
		Description("Ask for a password reset link by email. The answer is the same, in about the same time, whether or not an account has this email: the work (throttle, outbox) is the same, and the mail worker looks the account up later. The link (PUBLIC_URL/reset-password#token=…) holds a single-use token valid for 30 minutes; a newer link voids older ones. Throttled per email and per client address.")
		Payload(func() {
			emailAttribute("email")
			Required("email")
		})
		Result(Accepted)
		HTTP(func() {
			throttledResponse()
			POST("/password/forgot")
			Response(StatusAccepted)
		})
	})

	Method("password_reset", func() {
		methodErrors("invalid_input", "invalid_token", "weak_password", "unavailable")
		throttled()
		Description("Set a new password with the token of a reset link. Every session of the user ends, a second factor locked by failures is unlocked, and the email counts as verified (the link reached it). MFA still applies: the next login needs the second factor. Of two resets with one token, exactly one succeeds.")
		Payload(func() {
			emailTokenAttribute()
			newPasswordAttribute("new_password")
			Required("token", "new_password")
		})
		HTTP(func() {
			throttledResponse()
			POST("/password/reset")
			Response(StatusNoContent)
		})
	})

	Method("email_verify", func() {
		methodErrors("invalid_input", "invalid_token", "unavailable")
		throttled()
		Description("Prove the account's email address with the token of a verification link (PUBLIC_URL/verify-email#token=…, valid for 24 hours, single use).")
		Payload(func() {
			emailTokenAttribute()
			Required("token")
		})
		HTTP(func() {
			throttledResponse()
			POST("/email/verify")
			Response(StatusNoContent)
		})
	})

	Method("email_verify_resend", func() {
		methodErrors("unauthorized", "mfa_required", "email_already_verified", "unavailable")
		throttled()
		Description("Mail a new verification link to the signed-in user's address. Throttled per account and per client address.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(Accepted)
		HTTP(func() {
			throttledResponse()
			POST("/email/verify/resend")
			Header("token:Authorization")
			Response(StatusAccepted)
		})
	})
}
