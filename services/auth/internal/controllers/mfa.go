package controllers

import (
	"context"
	"errors"
	"fmt"

	"github.com/google/uuid"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

var (
	errMsgInvalidCode     = errors.New("the code is wrong, expired or already used")
	errMsgTOTPEnabled     = errors.New("TOTP is already active: disable it first to enroll again")
	errMsgTOTPNotEnrolled = errors.New("no TOTP enrollment is pending or active: call totp/generate first")
	errMsgMFANotEnabled   = errors.New("the account has no second factor")
)

// TotpGenerate implements genauth.Service: a new pending enrollment,
// replacing any pending one.
func (s *Service) TotpGenerate(ctx context.Context, _ *genauth.TotpGeneratePayload) (*genauth.TOTPEnrollment, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	if ident.MFAEnabled && ident.AAL != ports.AAL2 {
		// MFA is on through a passkey: adding a factor needs aal2. (With
		// TOTP active, SavePending answers totp_already_enabled.)
		return nil, genauth.MakeMfaRequired(errors.New("this account has MFA enabled: verify a second factor first"))
	}
	secret := newTOTPSecret()
	sealed, err := s.box.Seal(ident.UserID, secret)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	if err := s.totp.SavePending(ctx, ident.UserID, sealed); err != nil {
		return nil, toGoa(ctx, err)
	}
	u := otpauthURL(s.issuer, ident.Email, secret)
	qr, err := qrDataURI(u)
	if err != nil {
		return nil, toGoa(ctx, err)
	}
	return &genauth.TOTPEnrollment{Secret: totpEncoding.EncodeToString(secret), OtpauthURL: u, QrCode: qr}, nil
}

// TotpVerify implements genauth.Service: the first valid code confirms the
// enrollment and returns the backup codes; every valid code raises the
// session to aal2 under a new token.
func (s *Service) TotpVerify(ctx context.Context, p *genauth.TotpVerifyPayload) (*genauth.TOTPVerifyResult, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	token, rot := s.elevation(ctx, ident)
	codes := []string{}
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		changed := []uuid.UUID{ident.ID}
		err := s.totpAttempt(ctx, ident.UserID, p.Code, false, func(cred ports.TOTPCredential, step int64) error {
			if cred.Active {
				_, err := s.totp.StepUp(ctx, ident.UserID, step, rot)
				return err
			}
			// MFA turns on: siblings must stop admitting the user's
			// other aal1 sessions before this call answers.
			changed = append(changed, ident.UserID)
			var hashes []ports.CodeHash
			codes, hashes = newBackupCodes(s.hasher, ident.UserID)
			_, err := s.totp.Enroll(ctx, ports.Enrollment{UserID: ident.UserID, Step: step, BackupCodes: hashes, Rotation: rot})
			return err
		})
		return changed, err
	})
	if err != nil {
		return nil, s.codeError(ctx, err)
	}
	return &genauth.TOTPVerifyResult{Aal: ports.AAL2.String(), BackupCodes: codes, SessionToken: token}, nil
}

// TotpDisable implements genauth.Service: an aal2 session and a current code
// turn TOTP off.
func (s *Service) TotpDisable(ctx context.Context, p *genauth.TotpDisablePayload) error {
	ident, err := mustSession(ctx)
	if err != nil {
		return err
	}
	// MFA turns off: cached identities of the user must say so.
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		return []uuid.UUID{ident.UserID}, s.totpAttempt(ctx, ident.UserID, p.Code, true, func(_ ports.TOTPCredential, step int64) error {
			return s.totp.Disable(ctx, ident.UserID, step)
		})
	})
	if err != nil {
		return s.codeError(ctx, err)
	}
	return nil
}

// BackupVerify implements genauth.Service: a backup code, used once, raises
// the session to aal2 under a new token.
func (s *Service) BackupVerify(ctx context.Context, p *genauth.BackupVerifyPayload) (*genauth.BackupVerifyResult, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	if !ident.MFAEnabled {
		return nil, genauth.MakeMfaNotEnabled(errMsgMFANotEnabled)
	}
	token, rot := s.elevation(ctx, ident)
	var remaining int
	err = s.revoking(ctx, func() ([]uuid.UUID, error) {
		return []uuid.UUID{ident.ID}, s.throttled(ctx, ports.KindBackupCode, secondFactorAccount(ident.UserID), ident.UserID, func() (uuid.UUID, error) {
			code, ok := normalizeBackupCode(p.Code)
			if !ok {
				return ident.UserID, genauth.MakeInvalidCode(errMsgInvalidCode)
			}
			var err error
			remaining, _, err = s.backup.Use(ctx, ident.UserID, s.hasher.CodeCandidates(ident.UserID, code), rot)
			return ident.UserID, err
		})
	})
	if err != nil {
		return nil, s.codeError(ctx, err)
	}
	return &genauth.BackupVerifyResult{Aal: ports.AAL2.String(), Remaining: remaining, SessionToken: token}, nil
}

// BackupRegenerate implements genauth.Service: with the password asked
// again, a new set replaces the old.
func (s *Service) BackupRegenerate(ctx context.Context, p *genauth.BackupRegeneratePayload) (*genauth.BackupCodes, error) {
	ident, err := mustSession(ctx)
	if err != nil {
		return nil, err
	}
	if !ident.MFAEnabled {
		return nil, genauth.MakeMfaNotEnabled(errMsgMFANotEnabled)
	}
	if err := s.reauthenticate(ctx, ident, p.Password); err != nil {
		return nil, err
	}
	codes, hashes := newBackupCodes(s.hasher, ident.UserID)
	if err := s.backup.Replace(ctx, ident.UserID, hashes); err != nil {
		return nil, toGoa(ctx, err)
	}
	return &genauth.BackupCodes{BackupCodes: codes}, nil
}

// totpAttempt checks code against the user's credential (active only,
// or pending too) as one throttled attempt, and hands the matching time
// step to use, which consumes it in the same transaction as the effect of
// the code; the attempt succeeds when use does.
func (s *Service) totpAttempt(ctx context.Context, userID uuid.UUID, code string, activeOnly bool, use func(ports.TOTPCredential, int64) error) error {
	cred, err := s.totp.Get(ctx, userID)
	if errors.Is(err, ports.ErrNotFound) || (err == nil && (cred.Expired || (activeOnly && !cred.Active))) {
		return genauth.MakeTotpNotEnrolled(errMsgTOTPNotEnrolled)
	}
	if err != nil {
		return err
	}
	return s.throttled(ctx, ports.KindTOTP, secondFactorAccount(userID), userID, func() (uuid.UUID, error) {
		secret, err := s.box.Open(userID, cred.Secret)
		if err != nil {
			// A wrong key or a tampered row: an error, never a pass.
			return userID, fmt.Errorf("open totp secret: %w", err)
		}
		step := matchStep(secret, code, s.now())
		clear(secret)
		if step < 0 || step <= cred.LastStep {
			return userID, genauth.MakeInvalidCode(errMsgInvalidCode)
		}
		return userID, use(cred, step)
	})
}

// elevation prepares the rotation of the current session to aal2 under a
// new token.
func (s *Service) elevation(ctx context.Context, ident ports.SessionIdentity) (string, ports.Rotation) {
	token, hash := newToken()
	return token, ports.Rotation{
		SessionID:    ident.ID,
		OldTokenHash: tokenHashFrom(ctx),
		NewTokenHash: hash,
		AAL:          ports.AAL2,
	}
}

// codeError maps the errors of code-consuming calls, where no row means
// that the enrollment is gone.
func (s *Service) codeError(ctx context.Context, err error) error {
	if errors.Is(err, ports.ErrNotFound) {
		return genauth.MakeTotpNotEnrolled(errMsgTOTPNotEnrolled)
	}
	return toGoa(ctx, err)
}
