package api

import (
	. "goa.design/goa/v3/dsl"
)

// passkeyMethods declares passkeys (WebAuthn): registration, listing,
// deletion, and sign-in as a second factor or without a password
// (services/auth/README.md: Passkeys).
func passkeyMethods() {
	Method("passkey_register_begin", func() {
		methodErrors("unauthorized", "mfa_required", "unavailable")
		Description("Start registering a passkey: the PublicKeyCredentialCreationOptions for navigator.credentials.create, valid 5 minutes, bound to this session. Needs a complete session (aal2 when MFA is on).")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(PasskeyOptions)
		HTTP(func() {
			POST("/passkeys/register/begin")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	Method("passkey_register_finish", func() {
		methodErrors("unauthorized", "mfa_required", "invalid_input", "invalid_credential", "unavailable")
		Description("Finish registering a passkey with the browser's attestation (the PublicKeyCredential as JSON). The first passkey turns MFA on and, when the account has no backup codes, returns a new set once. The session is raised to aal2 under a new token.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(func() {
			credentialAttribute("The PublicKeyCredential that navigator.credentials.create returned, as JSON (its toJSON()).")
			Attribute("name", String, "A name for the passkey (\"Passkey\" when absent).", func() {
				MinLength(1)
				MaxLength(64)
				Example("Laptop")
			})
			Required("credential")
		}))
		Result(PasskeyRegistered)
		HTTP(func() {
			POST("/passkeys/register/finish")
			Header("token:Authorization")
			Response(StatusOK, sessionCookie)
		})
	})

	Method("passkey_list", func() {
		methodErrors("unauthorized", "mfa_required", "unavailable")
		Description("The account's passkeys, oldest first.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(RegisteredPasskeys)
		HTTP(func() {
			GET("/passkeys")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	Method("passkey_delete", func() {
		methodErrors("unauthorized", "mfa_required", "invalid_input", "not_found", "last_second_factor", "invalid_credentials", "unavailable")
		throttled()
		Description("Delete a passkey. Needs an aal2 session; deleting the last second factor (no TOTP, no other passkey) turns MFA off and removes the backup codes, so it also needs the account's password in the body (409 last_second_factor without it; a wrong one is 401 invalid_credentials and counts as a failed login).")
		Security(SessionAuth, func() { Scope("aal2") })
		Payload(sessionPayload(func() {
			Attribute("id", String, "Passkey ID.", func() {
				Format(FormatUUID)
				Example("8c5a1d2e-3f4b-4c6d-9e8f-0a1b2c3d4e5f")
			})
			Attribute("password", String, "The account's password: required to delete the last second factor.", func() {
				MaxLength(1024)
				Example("correct horse battery staple")
			})
			Required("id")
		}))
		HTTP(func() {
			throttledResponse()
			DELETE("/passkeys/{id}")
			Header("token:Authorization")
			Response(StatusNoContent)
		})
	})

	Method("passkey_login_begin", func() {
		methodErrors("invalid_input", "no_passkey", "unavailable")
		throttled()
		Description("Start signing in with a passkey: the PublicKeyCredentialRequestOptions for navigator.credentials.get, valid 5 minutes. With the session of a user who has MFA on at aal1 (cookie or bearer), the second factor: allowCredentials lists the user's passkeys (409 no_passkey without one). Otherwise, a passwordless sign-in: a discoverable credential with user verification; those begins are limited per client network (429).")
		Payload(optionalSessionPayload(nil))
		Result(PasskeyOptions)
		HTTP(func() {
			throttledResponse()
			POST("/passkeys/login/begin")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	Method("passkey_login_finish", func() {
		methodErrors("unauthorized", "invalid_input", "invalid_credential", "account_disabled", "email_unverified", "second_factor_locked", "unavailable")
		throttled()
		Description("Finish signing in with the browser's assertion (the PublicKeyCredential as JSON). A second factor raises the session that began it to aal2 under a new token; a passwordless sign-in opens a new aal2 session. A challenge is accepted once; a signature counter that does not grow is refused (a possibly cloned authenticator) and recorded in the activity.")
		Payload(optionalSessionPayload(func() {
			credentialAttribute("The PublicKeyCredential that navigator.credentials.get returned, as JSON (its toJSON()).")
			Required("credential")
		}))
		Result(PasskeyLoginResult)
		HTTP(func() {
			throttledResponse()
			POST("/passkeys/login/finish")
			Header("token:Authorization")
			Response(StatusOK, sessionCookie)
		})
	})
}

// credentialAttribute declares the browser's PublicKeyCredential JSON,
// which go-webauthn parses itself.
func credentialAttribute(description string) {
	Attribute("credential", MapOf(String, Any), description, func() {
		Example(map[string]any{"id": "KEbWNCc7NgaYnUyrNeFGX9_3Y-8oJ3KwzjnaiD1d1LY", "rawId": "KEbWNCc7NgaYnUyrNeFGX9_3Y-8oJ3KwzjnaiD1d1LY", "type": "public-key",
			"response": map[string]any{"clientDataJSON": "eyJ0eXBlIjoid2ViYXV0aG4uZ2V0Ii...", "authenticatorData": "SZYN5YgOjGh0NBcPZHZgW4_krrmihjLHmVzzuoMdl2MFAAAAAQ", "signature": "MEUCIQ...", "userHandle": "W9E9XV9uSkObPAwbHC0-Tw"}})
	})
}

// optionalSessionPayload is sessionPayload for a method without the
// security scheme: the session, when there is one, changes what it does.
func optionalSessionPayload(extra func()) func() {
	return func() {
		Attribute("token", String, "Session token (cookie or \"Authorization: Bearer\"), optional.", func() {
			Example("q8s0b2KJ6iBq7f4mQ8m3Yk2cV9nF1x0rT5uW7yZaBcD")
		})
		if extra != nil {
			extra()
		}
	}
}

// PasskeyOptions is what navigator.credentials.create or get takes.
var PasskeyOptions = Type("PasskeyOptions", func() {
	Description("WebAuthn options as go-webauthn makes them: {publicKey: PublicKeyCredentialCreationOptions} or {publicKey: PublicKeyCredentialRequestOptions, mediation?}, binary values in base64url.")
	Attribute("options", MapOf(String, Any), "The options.", func() {
		Example(map[string]any{"publicKey": map[string]any{"challenge": "3q2-7wAAAAAAAAAAAAAAAA", "rpId": "auth.example.com", "timeout": 300000, "userVerification": "required"}})
	})
	Required("options")
})

// PasskeyView is a passkey as its owner sees it.
var PasskeyView = Type("PasskeyView", func() {
	Description("A registered passkey.")
	Attribute("id", String, "Passkey ID.", func() {
		Format(FormatUUID)
		Example("8c5a1d2e-3f4b-4c6d-9e8f-0a1b2c3d4e5f")
	})
	Attribute("name", String, "Its name.", func() { Example("Laptop") })
	Attribute("created_at", String, "When it was registered.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:00:00Z")
	})
	Attribute("last_used_at", String, "When it last signed in (absent: never).", func() {
		Format(FormatDateTime)
		Example("2026-11-29T08:00:00Z")
	})
	Attribute("backup_eligible", Boolean, "Whether the authenticator may sync it (a synced passkey).", func() { Example(true) })
	Attribute("backup_state", Boolean, "Whether it is synced now.", func() { Example(true) })
	Required("id", "name", "created_at", "backup_eligible", "backup_state")
})

// RegisteredPasskeys is the result of passkey_list.
var RegisteredPasskeys = Type("RegisteredPasskeys", func() {
	Description("The account's passkeys, oldest first.")
	Attribute("passkeys", ArrayOf(PasskeyView), "Passkeys.")
	Required("passkeys")
})

// PasskeyRegistered is the result of passkey_register_finish.
var PasskeyRegistered = Type("PasskeyRegistered", func() {
	Description("The new passkey; the session is at aal2 under a new token.")
	Attribute("passkey", PasskeyView, "The passkey.")
	aalAttribute(2)
	Attribute("backup_codes", ArrayOf(String), "New backup codes, shown once: only when the account had none (empty otherwise).", func() {
		Example([]string{"k7vq2-m9xr4"})
	})
	sessionTokenAttribute(10)
	Required("passkey", "aal", "backup_codes", "session_token")
})

// PasskeyLoginResult is the result of passkey_login_finish.
var PasskeyLoginResult = Type("PasskeyLoginResult", func() {
	Description("The session, at aal2 under a new token.")
	Attribute("session_id", String, "Session ID.", func() {
		Format(FormatUUID)
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	aalAttribute(2)
	Attribute("expires_at", String, "When the session expires unless refreshed.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:30:00Z")
	})
	sessionTokenAttribute(10)
	Required("session_id", "aal", "expires_at", "session_token")
})
