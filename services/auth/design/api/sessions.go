package api

import (
	. "goa.design/goa/v3/dsl"
)

// sessionMethods declares the session lifecycle endpoints.
func sessionMethods() {
	Method("session_refresh", func() {
		methodErrors("unauthorized", "unavailable")
		Description("Move the idle expiry forward under a new token; the old token dies at once. The absolute expiry never moves.")
		Security(SessionAuth, func() { Scope("session") })
		Payload(sessionPayload(nil))
		Result(RefreshResult)
		HTTP(func() {
			POST("/session/refresh")
			Header("token:Authorization")
			Response(StatusOK, sessionCookie)
		})
	})
}

// sessionManagementMethods declares listing and revoking sessions: REST for
// their owner, gRPC for sibling services.
func sessionManagementMethods() {
	Method("list_sessions", func() {
		methodErrors("unauthorized", "mfa_required", "unavailable")
		Description("The signed-in user's live sessions, newest first; the one making the request is marked current.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(SessionList)
		HTTP(func() {
			GET("/sessions")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	Method("delete_session", func() {
		methodErrors("unauthorized", "mfa_required", "invalid_input", "not_found", "unavailable")
		Description("Revoke one of the signed-in user's sessions. Another user's session is not found.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(func() {
			Attribute("id", String, "Session ID.", func() {
				Format(FormatUUID)
				Example("0f8fad5b-d9cb-469f-a165-70867728950e")
			})
			Required("id")
		}))
		HTTP(func() {
			DELETE("/sessions/{id}")
			Header("token:Authorization")
			Response(StatusNoContent)
		})
	})

	Method("revoke_other_sessions", func() {
		methodErrors("unauthorized", "mfa_required", "unavailable")
		Description("Sign out everywhere else: revoke every session of the signed-in user but the one making the request, at once, caches included.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(RevokedCount)
		HTTP(func() {
			POST("/sessions/revoke-others")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})

	Method("revoke_session", func() {
		methodErrors("invalid_input", "not_found", "unavailable")
		Description("Revoke a session by ID, at once, on every replica.")
		Payload(func() {
			Field(1, "session_id", String, "Session ID.", func() {
				Format(FormatUUID)
				Example("0f8fad5b-d9cb-469f-a165-70867728950e")
			})
			Required("session_id")
		})
		GRPC(func() {
			Response(CodeOK)
		})
	})

	Method("revoke_user_sessions", func() {
		methodErrors("invalid_input", "not_found", "unavailable")
		Description("Revoke every live session of a user.")
		Payload(func() {
			Field(1, "user_id", String, "User ID.", func() {
				Format(FormatUUID)
				Example("5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f")
			})
			Required("user_id")
		})
		Result(RevokedCount)
		GRPC(func() {
			Response(CodeOK)
		})
	})
}

// revocationMethods declares the stream that keeps sibling caches honest.
func revocationMethods() {
	Method("watch_revocations", func() {
		methodErrors("invalid_input", "unavailable")
		Description("Stream the ids of sessions that stop being valid as they are (revoked, rotated, deleted), from every replica. The first message has subscribed=true: from then on no change is missed. The client acknowledges each id once it has forgotten the session; the call that revoked it answers after the acknowledgements of this replica's subscribers (within a short bound). A client that caches validations must drop its cache whenever the stream breaks.")
		StreamingPayload(RevocationAck)
		StreamingResult(RevocationEvent)
		GRPC(func() {
			Response(CodeOK)
		})
	})
}

// activityMethods declares the user's security log.
func activityMethods() {
	Method("activity", func() {
		methodErrors("unauthorized", "mfa_required", "unavailable")
		Description("The signed-in user's last 50 security events (logins, second factors, registration), newest first, so that failed attempts on the account can be seen.")
		Security(SessionAuth, func() { Scope("mfa") })
		Payload(sessionPayload(nil))
		Result(ActivityList)
		HTTP(func() {
			GET("/activity")
			Header("token:Authorization")
			Response(StatusOK)
		})
	})
}
