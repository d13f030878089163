package api

import (
	"net/http"
	"time"

	"github.com/infrastructure/platform/services/auth/client"
)

// identityBody is the identity the auth service vouched for.
type identityBody struct {
	SessionID string `json:"session_id"`
	UserID    string `json:"user_id"`
	Email     string `json:"email"`
	AAL       string `json:"aal"`
	// MFAEnabled tells that the user has a second factor.
	MFAEnabled bool `json:"mfa_enabled"`
	// ExpiresAt is RFC 3339, as in the auth service's answers.
	ExpiresAt string `json:"expires_at"`
}

// whoami answers the caller's identity.
func whoami(w http.ResponseWriter, r *http.Request) {
	id, ok := client.IdentityFrom(r.Context())
	if !ok {
		// Only a route mounted without the middleware gets here.
		writeJSON(w, http.StatusInternalServerError, errorBody{Name: "internal", Message: "no identity in the request"})
		return
	}
	writeJSON(w, http.StatusOK, identityBody{
		SessionID:  id.SessionID,
		UserID:     id.UserID,
		Email:      id.Email,
		AAL:        string(id.AAL),
		MFAEnabled: id.MFAEnabled,
		ExpiresAt:  id.ExpiresAt.UTC().Format(time.RFC3339),
	})
}
