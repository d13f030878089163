package controllers

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/keyring"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

func TestBackupVerify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name       string
		in         string
		normalized string
	}{
		{name: "case=as shown", in: "k7vq2-m9xr4", normalized: "k7vq2m9xr4"},
		{name: "case=typed loosely", in: " K7VQ2 m9xr4 ", normalized: "k7vq2m9xr4"},
		{name: "case=ambiguous letters", in: "oil00-11xr4", normalized: "0110011xr4"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			ident := identity(true, ports.AAL1)
			reqToken := testToken(t)
			var rot ports.Rotation
			f.backup.EXPECT().Use(gomock.Any(), ident.UserID, f.keys.CodeCandidates(ident.UserID, tt.normalized), gomock.Any()).
				DoAndReturn(func(_ context.Context, _ uuid.UUID, _ []ports.CodeHash, r ports.Rotation) (int, ports.Session, error) {
					rot = r
					return 9, ports.Session{ID: ident.ID, AAL: ports.AAL2}, nil
				})

			res, err := f.svc.BackupVerify(f.withSession(ident, reqToken), &genauth.BackupVerifyPayload{Code: tt.in})
			if err != nil {
				t.Fatalf("BackupVerify: %v", err)
			}

			if res.Aal != "aal2" || res.Remaining != 9 {
				t.Errorf("result = %q, %d remaining; want aal2, 9", res.Aal, res.Remaining)
			}
			requireElevation(t, rot, ident, reqToken, res.SessionToken)
			f.requireNoSecret(t, nil, tt.in, tt.normalized, reqToken, res.SessionToken)
		})
	}
}

func TestBackupVerifyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noSession bool
		mfaOff    bool
		code      string
		err       error // from Use; nil when Use must not be called
		wantName  string
	}{
		{name: "case=no session", noSession: true, code: "k7vq2-m9xr4", wantName: "unauthorized"},
		{name: "case=mfa off", mfaOff: true, code: "k7vq2-m9xr4", wantName: "mfa_not_enabled"},
		{name: "case=u is not a code", code: "uuuuu-uuuuu", wantName: "invalid_code"},
		{name: "case=too short", code: "k7vq2-m9xr", wantName: "invalid_code"},
		{name: "case=too long", code: "k7vq2-m9xr4k", wantName: "invalid_code"},
		{name: "case=a totp code", code: "123456", wantName: "invalid_code"},
		{name: "case=punctuation", code: "k7vq2;m9xr4", wantName: "invalid_code"},
		{name: "case=rejected", code: "k7vq2-m9xr4", err: fmt.Errorf("use: %w", ports.ErrCodeRejected), wantName: "invalid_code"},
		{name: "case=session ended", code: "k7vq2-m9xr4", err: fmt.Errorf("use: %w", ports.ErrSessionEnded), wantName: "unauthorized"},
		{name: "case=unavailable", code: "k7vq2-m9xr4", err: fmt.Errorf("use: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", code: "k7vq2-m9xr4", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			ident := identity(!tt.mfaOff, ports.AAL1)
			reqToken := testToken(t)
			ctx := f.withSession(ident, reqToken)
			if tt.noSession {
				ctx = f.ctx
			}
			if tt.err != nil {
				normalized, _ := normalizeBackupCode(tt.code)
				f.backup.EXPECT().Use(gomock.Any(), ident.UserID, f.keys.CodeCandidates(ident.UserID, normalized), gomock.Any()).Return(0, ports.Session{}, tt.err)
			} else {
				f.backup.EXPECT().Use(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			}

			res, err := f.svc.BackupVerify(ctx, &genauth.BackupVerifyPayload{Code: tt.code})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName, tt.code, strings.ReplaceAll(tt.code, "-", ""), reqToken)
			if strings.Contains(se.Message, "conn reset") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
		})
	}
}

func TestBackupRegenerate(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, ident, creds := f.reauthFixture(t)
	var got []ports.CodeHash
	gomock.InOrder(
		f.throttle.EXPECT().Begin(gomock.Any(), reauthAttempt(ident)).Return(int64(5), nil),
		f.users.EXPECT().ByEmail(gomock.Any(), ident.Email).Return(creds, nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(5), ports.OutcomeSuccess, ident.UserID).Return(false, nil),
		f.backup.EXPECT().Replace(gomock.Any(), ident.UserID, gomock.Any()).
			DoAndReturn(func(_ context.Context, _ uuid.UUID, codes []ports.CodeHash) error { got = codes; return nil }),
	)

	res, err := f.svc.BackupRegenerate(ctx, &genauth.BackupRegeneratePayload{Password: testPassword})
	if err != nil {
		t.Fatalf("BackupRegenerate: %v", err)
	}

	requireBackupCodes(t, f, ident.UserID, res.BackupCodes, got)
	f.requireNoSecret(t, nil, append([]string{testPassword}, res.BackupCodes...)...)
}

func TestBackupRegenerateErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name      string
		noSession bool
		mfaOff    bool
		err       error // from Replace; nil when Replace must not be called
		wantName  string
	}{
		{name: "case=no session", noSession: true, wantName: "unauthorized"},
		{name: "case=mfa off", mfaOff: true, wantName: "mfa_not_enabled"},
		{name: "case=unavailable", err: fmt.Errorf("replace: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			_, ident, creds := f.reauthFixture(t)
			ident.MFAEnabled = !tt.mfaOff
			ctx := f.withSession(ident, testToken(t))
			if tt.noSession {
				ctx = f.ctx
			}
			if tt.err != nil {
				f.allowAttempts()
				f.users.EXPECT().ByEmail(gomock.Any(), ident.Email).Return(creds, nil)
				f.backup.EXPECT().Replace(gomock.Any(), ident.UserID, gomock.Any()).Return(tt.err)
			} else {
				// Refused before the password is even read.
				f.users.EXPECT().ByEmail(gomock.Any(), gomock.Any()).Times(0)
				f.backup.EXPECT().Replace(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			}

			res, err := f.svc.BackupRegenerate(ctx, &genauth.BackupRegeneratePayload{Password: testPassword})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName, testPassword)
			if strings.Contains(se.Message, "conn reset") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
		})
	}
}

// TestBackupVerifyDuringRotation checks that a code is looked up salted
// (version 2) and unsalted (version 1), each under the current and the
// previous key, current first, so that codes issued before the salt or
// before a key rotation keep working.
func TestBackupVerifyDuringRotation(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.allowAttempts()
	oldKey, newKey := make([]byte, 32), make([]byte, 32)
	_, _ = rand.Read(oldKey)
	_, _ = rand.Read(newKey)
	rotated, err := keyring.New(newKey, oldKey)
	if err != nil {
		t.Fatal(err)
	}
	old, err := keyring.New(oldKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	current, err := keyring.New(newKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	f.svc.hasher = rotated
	ident := identity(true, ports.AAL1)
	// Each single-key keyring's candidates are its version 2, then its
	// version 1 hash.
	cur, prev := current.CodeCandidates(ident.UserID, "k7vq2m9xr4"), old.CodeCandidates(ident.UserID, "k7vq2m9xr4")
	want := []ports.CodeHash{cur[0], prev[0], cur[1], prev[1]}
	f.backup.EXPECT().Use(gomock.Any(), ident.UserID, want, gomock.Any()).Return(3, ports.Session{}, nil)

	res, err := f.svc.BackupVerify(f.withSession(ident, testToken(t)), &genauth.BackupVerifyPayload{Code: "k7vq2-m9xr4"})
	if err != nil {
		t.Fatalf("BackupVerify: %v", err)
	}
	if res.Remaining != 3 {
		t.Errorf("remaining = %d, want 3", res.Remaining)
	}
}
