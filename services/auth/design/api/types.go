package api

import (
	. "goa.design/goa/v3/dsl"
)

// emailAttribute declares an email address attribute (a Field with tag).
func emailAttribute(name string, tag ...any) {
	desc := "Email address; trimmed and compared case-insensitively."
	dsl := func() {
		// No control character (NUL, DEL, C1 controls...) anywhere: they
		// have no place in an address and PostgreSQL refuses some.
		Pattern(`^\s*[^@\s\p{Cc}]+@[^@\s\p{Cc}]+\.[^@\s\p{Cc}]+\s*$`)
		MaxLength(320)
		Example("ada@example.com")
	}
	if len(tag) > 0 {
		Field(tag[0], name, String, desc, dsl)
		return
	}
	Attribute(name, String, desc, dsl)
}

// Credentials is the body of login.
var Credentials = Type("Credentials", func() {
	Description("An email address and a password.")
	emailAttribute("email", 1)
	Field(2, "password", String, "The account's password.", func() {
		MaxLength(1024)
		Example("correct horse battery staple")
	})
	Required("email", "password")
})

// NewAccount is the body of register.
var NewAccount = Type("NewAccount", func() {
	Description("The email address and the password of a new account.")
	emailAttribute("email", 1)
	Field(2, "password", String, "Password: 8 to 128 characters of any script, never truncated, not a common or breached password and not built from the email (else 400 weak_password, saying which).", func() {
		Example("violet anchor drifting slowly")
	})
	Required("email", "password")
})

// Accepted is the body of a request taken for later work: always the
// empty object {} (a map, since Goa sends no body at all for a type
// without attributes).
var Accepted = MapOf(String, String, func() {
	Elem(func() { Description("None: the object is always empty.") })
})

// PasswordChangeResult is the result of password_change.
var PasswordChangeResult = Type("PasswordChangeResult", func() {
	Description("This session, under a new token; every other session of the user has ended.")
	Field(1, "session_id", String, "Session ID.", func() {
		Format(FormatUUID)
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	aalAttribute(2)
	Field(3, "expires_at", String, "When the session expires unless refreshed.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:30:00Z")
	})
	sessionTokenAttribute(10)
	Required("session_id", "aal", "expires_at", "session_token")
})

// UserView describes a user to its owner or to a sibling service.
var UserView = Type("UserView", func() {
	Description("A user account.")
	Field(1, "id", String, "User ID.", func() {
		Format(FormatUUID)
		Example("5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f")
	})
	Field(2, "email", String, "Normalized email address.", func() {
		Example("ada@example.com")
	})
	Field(3, "mfa_enabled", Boolean, "Whether TOTP is active for the account.", func() {
		Example(false)
	})
	Field(4, "created_at", String, "Creation time.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:00:00Z")
	})
	Field(6, "email_verified", Boolean, "Whether the account proved its email address (a verification or password reset link).", func() {
		Example(false)
	})
	Required("id", "email", "mfa_enabled", "created_at", "email_verified")
})

// aalAttribute declares an assurance level attribute.
func aalAttribute(tag any) {
	Field(tag, "aal", String, "Authenticator assurance level of the session.", func() {
		Enum("aal1", "aal2")
		Example("aal1")
	})
}

// sessionTokenAttribute declares the new session token. Over HTTP it travels
// only in the session cookie, never in a body.
func sessionTokenAttribute(tag any) {
	Field(tag, "session_token", String, "New session token (set as a cookie).", func() {
		Example("q8s0b2KJ6iBq7f4mQ8m3Yk2cV9nF1x0rT5uW7yZaBcD")
	})
}

// sessionCookie maps the session_token result attribute to the session
// cookie. The name and the Secure flag depend on COOKIE_SECURE and are set by
// the session cookie middleware; an empty value clears the cookie.
func sessionCookie() {
	Cookie("session_token:session")
	CookieHTTPOnly()
	CookieSecure()
	CookieSameSite(CookieSameSiteLax)
	CookiePath("/")
}

// RegisterResult is the result of register.
var RegisterResult = Type("RegisterResult", func() {
	Description("The new account and its first session; with EMAIL_VERIFICATION_REQUIRED=true, no session: the account signs in once its email is verified.")
	Extend(UserView)
	sessionTokenAttribute(10)
})

// LoginResult is the result of login.
var LoginResult = Type("LoginResult", func() {
	Description("The new session.")
	Field(1, "session_id", String, "Session ID.", func() {
		Format(FormatUUID)
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	aalAttribute(2)
	Field(3, "mfa_required", Boolean, "Whether a second factor is needed before the session is complete.", func() {
		Example(false)
	})
	Field(4, "expires_at", String, "When the session expires unless refreshed (never later than its absolute expiry).", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:30:00Z")
	})
	sessionTokenAttribute(10)
	Required("session_id", "aal", "mfa_required", "expires_at", "session_token")
})

// LogoutResult clears the session cookie.
var LogoutResult = Type("LogoutResult", func() {
	Description("An empty session token that clears the cookie.")
	Field(1, "session_token", String, "Always empty: clears the cookie.", func() {
		Example("")
	})
	Required("session_token")
})

// AccountProfile is the account as its owner sees it.
var AccountProfile = Type("AccountProfile", func() {
	Description("The signed-in user's account.")
	Extend(UserView)
	Field(5, "backup_codes_remaining", Int, "Unused backup codes.", func() {
		Minimum(0)
		Example(10)
	})
	Field(7, "totp_enabled", Boolean, "Whether an authenticator app (TOTP) is active; mfa_enabled may also come from a passkey alone.", func() {
		Example(false)
	})
	Required("backup_codes_remaining", "totp_enabled")
})

// SessionIdentity is what ValidateSession vouches for.
var SessionIdentity = Type("SessionIdentity", func() {
	Description("The identity behind a valid session.")
	Field(1, "session_id", String, "Session ID.", func() {
		Format(FormatUUID)
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	Field(2, "user_id", String, "User ID.", func() {
		Format(FormatUUID)
		Example("5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f")
	})
	Field(3, "email", String, "Email address.", func() {
		Example("ada@example.com")
	})
	aalAttribute(4)
	Field(5, "expires_at", String, "When the session expires unless refreshed.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:30:00Z")
	})
	Field(6, "mfa_enabled", Boolean, "Whether the user has a second factor: a session of such a user at aal1 is incomplete, and siblings must refuse it unless a route says otherwise.", func() {
		Example(true)
	})
	Required("session_id", "user_id", "email", "aal", "expires_at", "mfa_enabled")
})

// sessionPayload is the payload of a method behind the session scheme: the
// token, then the attributes that extra declares. Over HTTP the token comes
// from "Authorization: Bearer" (or the session cookie, see
// internal/middleware).
func sessionPayload(extra func()) func() {
	return func() {
		APIKey("session", "token", String, "Session token.", func() {
			Example("q8s0b2KJ6iBq7f4mQ8m3Yk2cV9nF1x0rT5uW7yZaBcD")
		})
		if extra != nil {
			extra()
		}
	}
}

// totpCodeAttribute declares a 6-digit TOTP code.
func totpCodeAttribute() {
	Attribute("code", String, "Current 6-digit code of the authenticator app.", func() {
		Pattern(`^[0-9]{6}$`)
		Example("492039")
	})
	Required("code")
}

// backupCodesAttribute declares a list of backup codes.
func backupCodesAttribute(tag any, desc string) {
	Field(tag, "backup_codes", ArrayOf(String, func() {
		Example("k7vq2-m9xr4")
	}), desc, func() {
		Example([]string{"k7vq2-m9xr4", "3hd8w-0pzc6"})
	})
}

// TOTPEnrollment is a pending TOTP enrollment.
var TOTPEnrollment = Type("TOTPEnrollment", func() {
	Description("A pending TOTP enrollment, valid for 15 minutes. The secret is never shown again.")
	Field(1, "secret", String, "Base32 secret (160 bits, no padding).", func() {
		Example("JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP")
	})
	Field(2, "otpauth_url", String, "otpauth:// URL for authenticator apps.", func() {
		Example("otpauth://totp/Infrastructure:ada@example.com?secret=JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP&issuer=Infrastructure&algorithm=SHA1&digits=6&period=30")
	})
	Field(3, "qr_code", String, "The otpauth URL as a PNG QR code in a data URI.", func() {
		Example("data:image/png;base64,iVBORw0KGgo=")
	})
	Required("secret", "otpauth_url", "qr_code")
})

// TOTPVerifyResult is the result of totp/verify.
var TOTPVerifyResult = Type("TOTPVerifyResult", func() {
	Description("The session at aal2; the backup codes on enrollment only.")
	aalAttribute(1)
	backupCodesAttribute(2, "The 10 backup codes, shown once, on enrollment; empty on later verifications.")
	sessionTokenAttribute(10)
	Required("aal", "backup_codes", "session_token")
})

// BackupVerifyResult is the result of backup/verify.
var BackupVerifyResult = Type("BackupVerifyResult", func() {
	Description("The session at aal2 and the backup codes left.")
	aalAttribute(1)
	Field(2, "remaining", Int, "Unused backup codes left.", func() {
		Minimum(0)
		Example(9)
	})
	sessionTokenAttribute(10)
	Required("aal", "remaining", "session_token")
})

// BackupCodes is a new set of backup codes.
var BackupCodes = Type("BackupCodes", func() {
	Description("A new set of 10 backup codes; the previous set no longer works.")
	backupCodesAttribute(1, "The 10 backup codes, shown once.")
	Required("backup_codes")
})

// RefreshResult is the result of session/refresh.
var RefreshResult = Type("RefreshResult", func() {
	Description("The refreshed session under a new token.")
	Field(1, "session_id", String, "Session ID.", func() {
		Format(FormatUUID)
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	aalAttribute(2)
	Field(3, "expires_at", String, "Absolute expiry: never moves.", func() {
		Format(FormatDateTime)
		Example("2026-11-29T05:00:00Z")
	})
	Field(4, "idle_expires_at", String, "Idle expiry, moved forward by the refresh.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:30:00Z")
	})
	sessionTokenAttribute(10)
	Required("session_id", "aal", "expires_at", "idle_expires_at", "session_token")
})

// SessionView is one session in a listing.
var SessionView = Type("SessionView", func() {
	Description("A live session of the user.")
	Field(1, "id", String, "Session ID.", func() {
		Format(FormatUUID)
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	aalAttribute(2)
	Field(3, "created_at", String, "When the session was created.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:00:00Z")
	})
	Field(4, "expires_at", String, "When the session expires unless refreshed.", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:30:00Z")
	})
	Field(5, "current", Boolean, "Whether this is the session making the request.", func() {
		Example(true)
	})
	Required("id", "aal", "created_at", "expires_at", "current")
})

// SessionList is the result of list_sessions.
var SessionList = Type("SessionList", func() {
	Description("The user's live sessions, newest first.")
	Field(1, "sessions", ArrayOf(SessionView), "Live sessions.")
	Required("sessions")
})

// RevocationEvent is one message of watch_revocations.
var RevocationEvent = Type("RevocationEvent", func() {
	Description("A session that stopped being valid, a user whose sessions changed what they vouch for (MFA turned on or off), or the confirmation that the subscription is live.")
	Field(1, "session_id", String, "The session whose validations must be forgotten (empty in the first message and in user events).", func() {
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	Field(2, "subscribed", Boolean, "True in the first message only.", func() {
		Example(false)
	})
	Field(3, "user_id", String, "The user whose validations must all be forgotten (user events only).", func() {
		Example("")
	})
	Required("session_id", "subscribed")
})

// SecurityEvent is one attempt in a user's activity.
var SecurityEvent = Type("SecurityEvent", func() {
	Description("An authentication attempt on the account.")
	Field(1, "kind", String, "What was tried (a password, a second factor, a reset or verification link, a message asked for), or what happened to the account (its second factor locked after too many failures or unlocked, its password changed, an operator's act).", func() {
		Enum("login", "totp", "backup_code", "register", "second_factor_locked", "second_factor_unlocked",
			"account_disabled", "account_enabled", "mfa_reset",
			"password_changed", "password_forgot", "password_reset", "verification_resend", "email_verify",
			"passkey", "passkey_registered", "passkey_deleted", "passkey_counter_regressed")
		Example("login")
	})
	Field(2, "success", Boolean, "Whether it succeeded (a rate-limited attempt did not); an event of the account (a lock, a password change, an operator's act) is true: it happened.", func() {
		Example(false)
	})
	Field(3, "ip", String, "Client IP address.", func() {
		Example("203.0.113.7")
	})
	Field(4, "created_at", String, "When (for aggregated refusals, the first of them).", func() {
		Format(FormatDateTime)
		Example("2026-11-28T17:00:00Z")
	})
	Field(5, "repeats", Int, "How many attempts the event stands for: refused attempts of one kind from one network are recorded once a minute with their count.", func() {
		Minimum(1)
		Example(1)
	})
	Field(6, "actor", String, "The operator behind an operator act (its client certificate's identity); absent otherwise.", func() {
		Example("spiffe://platform/operator")
	})
	Required("kind", "success", "ip", "created_at", "repeats")
})

// ActivityList is the result of activity.
var ActivityList = Type("ActivityList", func() {
	Description("The user's last 50 security events, newest first.")
	Field(1, "events", ArrayOf(SecurityEvent), "Events.")
	Required("events")
})

// RevocationAck acknowledges a RevocationEvent.
var RevocationAck = Type("RevocationAck", func() {
	Description("The client has forgotten the session (or, for a user event, every session of the user).")
	Field(1, "session_id", String, "The session of the event acknowledged (empty for a user event).", func() {
		Example("0f8fad5b-d9cb-469f-a165-70867728950e")
	})
	Field(2, "user_id", String, "The user of the event acknowledged (user events only).", func() {
		Example("")
	})
	Required("session_id")
})

// RevokedCount is how many sessions a revoking call ended.
var RevokedCount = Type("RevokedCount", func() {
	Description("How many sessions were revoked.")
	Field(1, "revoked", Int, "How many live sessions were revoked.", func() {
		Minimum(0)
		Example(3)
	})
	Required("revoked")
})
