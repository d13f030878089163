package api

import (
	. "goa.design/goa/v3/dsl"
)

// sessionMethods declares the session lifecycle endpoints.
func sessionMethods() {
	Method("session_refresh", func() {
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
