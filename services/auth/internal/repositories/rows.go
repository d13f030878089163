package repositories

// The mapping between sqlc's rows and parameters and the domain values of
// ports: only the repositories know the rows.

import (
	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// userFromCreateRow maps a created user row.
func userFromCreateRow(r database.CreateUserRow) ports.User {
	return ports.User{ID: r.ID, Email: r.Email, MFAEnabled: r.MfaEnabled, CreatedAt: r.CreatedAt}
}

// userFromIDRow maps a user looked up by ID.
func userFromIDRow(r database.GetUserByIDRow) ports.User {
	return ports.User{ID: r.ID, Email: r.Email, MFAEnabled: r.MfaEnabled, CreatedAt: r.CreatedAt, EmailVerified: r.EmailVerified}
}

// userCredentialsFromRow maps a user looked up by email, with its hash.
func userCredentialsFromRow(r database.GetUserByEmailRow) ports.UserCredentials {
	return ports.UserCredentials{
		User:         ports.User{ID: r.ID, Email: r.Email, MFAEnabled: r.MfaEnabled, CreatedAt: r.CreatedAt, EmailVerified: r.EmailVerified},
		PasswordHash: r.PasswordHash,
		Disabled:     r.Disabled,
	}
}

// createSessionParams maps a session to create.
func createSessionParams(s ports.NewSession) database.CreateSessionParams {
	return database.CreateSessionParams{
		UserID:          s.UserID,
		TokenHash:       s.TokenHash,
		Aal:             int16(s.AAL),
		IdleSeconds:     s.IdleTimeout.Seconds(),
		AbsoluteSeconds: s.AbsoluteTimeout.Seconds(),
	}
}

// sessionFromCreateRow maps a created session row.
func sessionFromCreateRow(r database.CreateSessionRow) ports.Session {
	return ports.Session{
		ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
		CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
	}
}

// sessionIdentityFromRow maps a validated session row.
func sessionIdentityFromRow(r database.ValidateSessionRow) ports.SessionIdentity {
	return ports.SessionIdentity{
		Session: ports.Session{
			ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
			CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
		},
		Email:      r.Email,
		MFAEnabled: r.MfaEnabled,
	}
}

// rotateSessionParams maps a token rotation.
func rotateSessionParams(r ports.Rotation) database.RotateSessionParams {
	return database.RotateSessionParams{
		ID:           r.SessionID,
		OldTokenHash: r.OldTokenHash,
		NewTokenHash: r.NewTokenHash,
		Aal:          int16(r.AAL),
		Refresh:      r.Refresh,
		IdleSeconds:  r.IdleTimeout.Seconds(),
	}
}

// sessionFromRotateRow maps a rotated session row.
func sessionFromRotateRow(r database.RotateSessionRow) ports.Session {
	return ports.Session{
		ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
		CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
	}
}

// tOTPCredentialFromRow maps a TOTP credential row.
func tOTPCredentialFromRow(r database.GetTOTPRow) ports.TOTPCredential {
	return ports.TOTPCredential{
		UserID:   r.UserID,
		Secret:   ports.Sealed{Ciphertext: r.SecretCiphertext, KeyVersion: r.KeyVersion},
		Active:   r.State == "active",
		Expired:  r.Expired,
		LastStep: r.LastStep,
	}
}

// sessionFromListRow maps a listed session row.
func sessionFromListRow(r database.ListUserSessionsRow) ports.Session {
	return ports.Session{
		ID: r.ID, UserID: r.UserID, AAL: ports.AAL(r.Aal),
		CreatedAt: r.CreatedAt, IdleExpiresAt: r.IdleExpiresAt, ExpiresAt: r.ExpiresAt,
	}
}

// insertPasskeyParams maps a passkey to store.
func insertPasskeyParams(p ports.Passkey) database.InsertWebAuthnCredentialParams {
	transports := p.Transports
	if transports == nil {
		transports = []string{}
	}
	return database.InsertWebAuthnCredentialParams{
		UserID: p.UserID, CredentialID: p.CredentialID, PublicKey: p.PublicKey, AttestationType: p.AttestationType,
		SignCount: int64(p.SignCount), Transports: transports, Aaguid: p.AAGUID,
		BackupEligible: p.BackupEligible, BackupState: p.BackupState, UserVerified: p.UserVerified, Name: p.Name,
	}
}

// passkeyFromRow maps a stored passkey.
func passkeyFromRow(r database.WebauthnCredential) ports.Passkey {
	return ports.Passkey{
		ID: r.ID, UserID: r.UserID, CredentialID: r.CredentialID, PublicKey: r.PublicKey, AttestationType: r.AttestationType,
		SignCount: uint32(r.SignCount), Transports: r.Transports, AAGUID: r.Aaguid,
		BackupEligible: r.BackupEligible, BackupState: r.BackupState, UserVerified: r.UserVerified, Name: r.Name,
		CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt.Time,
	}
}

// passkeyOwnerFromRow maps a passkey found by its credential id.
func passkeyOwnerFromRow(r database.GetWebAuthnCredentialOwnerRow) ports.PasskeyOwner {
	return ports.PasskeyOwner{
		Passkey: passkeyFromRow(database.WebauthnCredential{
			ID: r.ID, UserID: r.UserID, CredentialID: r.CredentialID, PublicKey: r.PublicKey, AttestationType: r.AttestationType,
			SignCount: r.SignCount, Transports: r.Transports, Aaguid: r.Aaguid, BackupEligible: r.BackupEligible,
			BackupState: r.BackupState, UserVerified: r.UserVerified, Name: r.Name, CreatedAt: r.CreatedAt, LastUsedAt: r.LastUsedAt,
		}),
		Email: r.Email, MFAEnabled: r.MfaEnabled, Disabled: r.Disabled, EmailVerified: r.EmailVerified,
	}
}
