// Package mappers converts between database rows, domain values (ports) and
// Goa types. It holds no logic beyond the conversion.
package mappers

import (
	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// UserFromCreateRow maps a created user row.
func UserFromCreateRow(r database.CreateUserRow) ports.User {
	return ports.User{ID: r.ID, Email: r.Email, MFAEnabled: r.MfaEnabled, CreatedAt: r.CreatedAt}
}

// UserFromIDRow maps a user looked up by ID.
func UserFromIDRow(r database.GetUserByIDRow) ports.User {
	return ports.User{ID: r.ID, Email: r.Email, MFAEnabled: r.MfaEnabled, CreatedAt: r.CreatedAt}
}

// UserCredentialsFromRow maps a user looked up by email, with its hash.
func UserCredentialsFromRow(r database.GetUserByEmailRow) ports.UserCredentials {
	return ports.UserCredentials{
		User:         ports.User{ID: r.ID, Email: r.Email, MFAEnabled: r.MfaEnabled, CreatedAt: r.CreatedAt},
		PasswordHash: r.PasswordHash,
	}
}

// CreateSessionParams maps a session to create.
func CreateSessionParams(s ports.NewSession) database.CreateSessionParams {
	return database.CreateSessionParams{
		UserID:          s.UserID,
		TokenHash:       s.TokenHash,
		Aal:             int16(s.AAL),
		IdleSeconds:     s.IdleTimeout.Seconds(),
		AbsoluteSeconds: s.AbsoluteTimeout.Seconds(),
	}
}

// SessionFromCreateRow maps a created session row.
func SessionFromCreateRow(r database.CreateSessionRow) ports.Session {
	return ports.Session{
		ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
		CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
	}
}

// SessionIdentityFromRow maps a validated session row.
func SessionIdentityFromRow(r database.ValidateSessionRow) ports.SessionIdentity {
	return ports.SessionIdentity{
		Session: ports.Session{
			ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
			CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
		},
		Email:      r.Email,
		MFAEnabled: r.MfaEnabled,
	}
}

// RotateSessionParams maps a token rotation.
func RotateSessionParams(r ports.Rotation) database.RotateSessionParams {
	return database.RotateSessionParams{
		ID:           r.SessionID,
		OldTokenHash: r.OldTokenHash,
		NewTokenHash: r.NewTokenHash,
		Aal:          int16(r.AAL),
		Refresh:      r.Refresh,
		IdleSeconds:  r.IdleTimeout.Seconds(),
	}
}

// SessionFromRotateRow maps a rotated session row.
func SessionFromRotateRow(r database.RotateSessionRow) ports.Session {
	return ports.Session{
		ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
		CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
	}
}

// TOTPCredentialFromRow maps a TOTP credential row.
func TOTPCredentialFromRow(r database.GetTOTPRow) ports.TOTPCredential {
	return ports.TOTPCredential{
		UserID:   r.UserID,
		Secret:   ports.Sealed{Ciphertext: r.SecretCiphertext, KeyVersion: r.KeyVersion},
		Active:   r.State == "active",
		Expired:  r.Expired,
		LastStep: r.LastStep,
	}
}

// SessionFromListRow maps a listed session row.
func SessionFromListRow(r database.ListUserSessionsRow) ports.Session {
	return ports.Session{
		ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
		CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
	}
}
