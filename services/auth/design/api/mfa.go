package api

import (
	. "goa.design/goa/v3/dsl"
)

// mfaMethods declares TOTP enrollment and verification and backup codes
// (services/auth/README.md: Endpoints, TOTP and backup codes).
func mfaMethods() {
	Method("totp_generate", func() {
		methodErrors("unauthorized", "mfa_required", "totp_already_enabled", "unavailable")
		Description("Start (or restart) a TOTP enrollment. It expires unless confirmed by totp/verify within 15 minutes. A user whose MFA is on through a passkey needs an aal2 session.")
		Security(SessionAuth, func() { Scope("session") })
		Payload(sessionPayload(nil))
		Result(TOTPEnrollment)
		HTTP(func() {
			POST("/totp/generate")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	Method("totp_verify", func() {
		methodErrors("unauthorized", "invalid_input", "invalid_code", "totp_not_enrolled", "second_factor_locked", "unavailable")
		throttled()
		Description("Verify a TOTP code: the first valid code activates TOTP and returns the backup codes; every valid code raises the session to aal2 under a new token. A time step is accepted at most once.")
		Security(SessionAuth, func() { Scope("session") })
		Payload(sessionPayload(totpCodeAttribute))
		Result(TOTPVerifyResult)
		HTTP(func() {
			throttledResponse()
			POST("/totp/verify")
			Header("token:Authorization")
			Response(StatusOK, sessionCookie)
		})
	})

	Method("totp_disable", func() {
		methodErrors("unauthorized", "mfa_required", "invalid_input", "invalid_code", "totp_not_enrolled", "second_factor_locked", "unavailable")
		throttled()
		Description("Turn TOTP off: removes the credential and the backup codes. Needs an aal2 session and a current code.")
		Security(SessionAuth, func() { Scope("aal2") })
		Payload(sessionPayload(totpCodeAttribute))
		HTTP(func() {
			throttledResponse()
			POST("/totp/disable")
			Header("token:Authorization")
			Response(StatusNoContent)
		})
	})

	Method("backup_verify", func() {
		methodErrors("unauthorized", "invalid_input", "invalid_code", "mfa_not_enabled", "second_factor_locked", "unavailable")
		throttled()
		Description("Use a backup code (once) to raise the session to aal2 under a new token.")
		Security(SessionAuth, func() { Scope("session") })
		Payload(sessionPayload(func() {
			Attribute("code", String, "A backup code; case, spaces and hyphens do not matter.", func() {
				Pattern(`^[\s-]*([0-9A-Za-z][\s-]*){10}$`)
				Example("k7vq2-m9xr4")
			})
			Required("code")
		}))
		Result(BackupVerifyResult)
		HTTP(func() {
			throttledResponse()
			POST("/backup/verify")
			Header("token:Authorization")
			Response(StatusOK, sessionCookie)
		})
	})

	Method("backup_regenerate", func() {
		methodErrors("unauthorized", "mfa_required", "invalid_input", "invalid_credentials", "unavailable")
		throttled()
		Description("Replace the backup codes with a new set of 10. Needs an aal2 session and the account's password again (a fresh proof for a sensitive change, OWASP ASVS 3.7.1); a wrong password is 401 invalid_credentials and counts as a failed login.")
		Security(SessionAuth, func() { Scope("aal2") })
		Payload(sessionPayload(func() {
			Attribute("password", String, "The account's password, asked again.", func() {
				MaxLength(1024)
				Example("correct horse battery staple")
			})
			Required("password")
		}))
		Result(BackupCodes)
		HTTP(func() {
			throttledResponse()
			POST("/backup/regenerate")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})
}
