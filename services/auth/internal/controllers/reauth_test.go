package controllers

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"
	goahttp "goa.design/goa/v3/http"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	authserver "github.com/infrastructure/platform/services/auth/gen/http/auth/server"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// reauthFixture returns the context of an aal2 request of a user with MFA
// from testIP, that user, and the stored credentials of that user (whose
// password is testPassword).
func (f fixture) reauthFixture(t *testing.T) (context.Context, ports.SessionIdentity, ports.UserCredentials) {
	t.Helper()
	ident := identity(true, ports.AAL2)
	creds := credentialsFor(t, f, true, testPassword)
	creds.ID = ident.UserID
	return clientip.With(f.withSession(ident, testToken(t)), testIP), ident, creds
}

// reauthAttempt is the throttle's attempt for asking ident's password
// again: a login attempt on the account, its user known.
func reauthAttempt(ident ports.SessionIdentity) ports.Attempt {
	return ports.Attempt{Kind: ports.KindLogin, Account: ident.Email, UserID: ident.UserID, IP: testIP}
}

// regenerateStatus is what the generated HTTP encoder of
// backup/regenerate answers for err.
func regenerateStatus(t *testing.T, ctx context.Context, err error) (int, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	if encErr := authserver.EncodeBackupRegenerateError(goahttp.ResponseEncoder, nil)(ctx, rec, err); encErr != nil {
		t.Fatalf("encode %v: %v", err, encErr)
	}
	return rec.Code, rec.Header()
}

// TestBackupRegeneratePassword checks the fresh proof that regenerating
// asks for: throttled as a login attempt on the account, begun before the
// password is read and finished with its outcome; only the right password
// of the session's own user replaces the codes.
func TestBackupRegeneratePassword(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		password    string
		byEmail     func(ports.UserCredentials) (ports.UserCredentials, error)
		wantOutcome ports.Outcome
		wantName    string // "" for a new set
		wantStatus  int
	}{
		{name: "case=right password", password: testPassword, wantOutcome: ports.OutcomeSuccess, wantStatus: http.StatusOK},
		{name: "case=wrong password", password: "another password entirely", wantOutcome: ports.OutcomeFailure,
			wantName: "invalid_credentials", wantStatus: http.StatusUnauthorized},
		{name: "case=password of another case", password: "CORRECT HORSE BATTERY STAPLE", wantOutcome: ports.OutcomeFailure,
			wantName: "invalid_credentials", wantStatus: http.StatusUnauthorized},
		{name: "case=email now another account's", password: testPassword, wantOutcome: ports.OutcomeFailure,
			byEmail: func(c ports.UserCredentials) (ports.UserCredentials, error) {
				c.ID = uuid.New()
				return c, nil
			},
			wantName: "invalid_credentials", wantStatus: http.StatusUnauthorized},
		{name: "case=account gone", password: testPassword, wantOutcome: ports.OutcomeFailure,
			byEmail: func(ports.UserCredentials) (ports.UserCredentials, error) {
				return ports.UserCredentials{}, fmt.Errorf("user by email: %w", ports.ErrNotFound)
			},
			wantName: "invalid_credentials", wantStatus: http.StatusUnauthorized},
		{name: "case=user read unavailable", password: testPassword, wantOutcome: ports.OutcomeFailure,
			byEmail: func(ports.UserCredentials) (ports.UserCredentials, error) {
				return ports.UserCredentials{}, fmt.Errorf("user by email: %w", ports.ErrUnavailable)
			},
			wantName: "unavailable", wantStatus: http.StatusServiceUnavailable},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx, ident, creds := f.reauthFixture(t)
			stored, err := creds, error(nil)
			if tt.byEmail != nil {
				stored, err = tt.byEmail(creds)
			}
			calls := []any{
				f.throttle.EXPECT().Begin(gomock.Any(), reauthAttempt(ident)).Return(int64(9), nil),
				f.users.EXPECT().ByEmail(gomock.Any(), ident.Email).Return(stored, err),
			}
			// The attempt is the user's whatever the outcome: Begin named
			// it, and Finish never names another user (nil keeps it).
			finishUser := gomock.AnyOf(ident.UserID, uuid.Nil)
			if tt.wantOutcome == ports.OutcomeSuccess {
				finishUser = gomock.Eq(ident.UserID)
			}
			calls = append(calls, f.throttle.EXPECT().Finish(gomock.Any(), int64(9), tt.wantOutcome, finishUser).Return(false, nil))
			if tt.wantName == "" {
				calls = append(calls, f.backup.EXPECT().Replace(gomock.Any(), ident.UserID, gomock.Any()).Return(nil))
			} else {
				f.backup.EXPECT().Replace(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			}
			gomock.InOrder(calls...)

			res, err := f.svc.BackupRegenerate(ctx, &genauth.BackupRegeneratePayload{Password: tt.password})

			if tt.wantName == "" {
				if err != nil || res == nil || len(res.BackupCodes) != backupCodeCount {
					t.Fatalf("BackupRegenerate = %+v, %v; want a new set", res, err)
				}
				f.requireNoSecret(t, nil, tt.password)
				return
			}
			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			f.requireServiceError(t, err, tt.wantName, tt.password, testPassword)
			if status, _ := regenerateStatus(t, ctx, err); status != tt.wantStatus {
				t.Errorf("HTTP status = %d, want %d", status, tt.wantStatus)
			}
		})
	}
}

// TestBackupRegenerateRateLimited checks that over the account's limit of
// failed logins, regenerating is refused whatever the password, which is
// not even read.
func TestBackupRegenerateRateLimited(t *testing.T) {
	t.Parallel()
	for _, password := range []string{testPassword, "another password entirely"} {
		t.Run("password="+password[:7], func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx, ident, _ := f.reauthFixture(t)
			f.throttle.EXPECT().Begin(gomock.Any(), reauthAttempt(ident)).Return(int64(0), limitedBy("failed logins for this account", 90*time.Second))
			f.throttle.EXPECT().Finish(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			f.users.EXPECT().ByEmail(gomock.Any(), gomock.Any()).Times(0)
			f.backup.EXPECT().Replace(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)

			res, err := f.svc.BackupRegenerate(ctx, &genauth.BackupRegeneratePayload{Password: password})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			f.requireRateLimited(t, err, 90, password)
			status, header := regenerateStatus(t, ctx, err)
			if status != http.StatusTooManyRequests || header.Get("Retry-After") != "90" {
				t.Errorf("HTTP = %d, Retry-After %q; want 429, 90", status, header.Get("Retry-After"))
			}
		})
	}
}

// TestBackupRegeneratePasswordsBusy checks that the password check waits
// for a bcrypt slot like a login's: with every slot taken it gets 503, is
// recorded as not evaluated and changes nothing; once a slot is free it
// goes through.
func TestBackupRegeneratePasswordsBusy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx, ident, creds := f.reauthFixture(t)
	f.svc.passwords = newSmallHasher(t, 1)
	creds.PasswordHash = mustHash(t, f.svc.passwords, testPassword)
	release := holdSlots(t, f.svc.passwords)
	gomock.InOrder(
		f.throttle.EXPECT().Begin(gomock.Any(), reauthAttempt(ident)).Return(int64(51), nil),
		f.users.EXPECT().ByEmail(gomock.Any(), ident.Email).Return(creds, nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(51), ports.OutcomeBusy, ident.UserID).Return(false, nil),
		// Once released:
		f.throttle.EXPECT().Begin(gomock.Any(), reauthAttempt(ident)).Return(int64(52), nil),
		f.users.EXPECT().ByEmail(gomock.Any(), ident.Email).Return(creds, nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(52), ports.OutcomeSuccess, ident.UserID).Return(false, nil),
		f.backup.EXPECT().Replace(gomock.Any(), ident.UserID, gomock.Any()).Return(nil),
	)

	res, err := f.svc.BackupRegenerate(ctx, &genauth.BackupRegeneratePayload{Password: testPassword})
	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
	if se := f.requireServiceError(t, err, "unavailable", testPassword); se.Message != errMsgBusy.Error() {
		t.Errorf("message = %q, want %q", se.Message, errMsgBusy)
	}
	if status, _ := regenerateStatus(t, ctx, err); status != http.StatusServiceUnavailable {
		t.Errorf("HTTP status = %d, want 503", status)
	}

	release()
	if res, err := f.svc.BackupRegenerate(ctx, &genauth.BackupRegeneratePayload{Password: testPassword}); err != nil || res == nil {
		t.Fatalf("BackupRegenerate after the release = %+v, %v; want a new set", res, err)
	}
}
