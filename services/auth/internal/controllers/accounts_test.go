package controllers

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"
	"golang.org/x/crypto/bcrypt"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

const testPassword = "correct horse battery staple"

// base is a creation time in a zone other than UTC: the API speaks UTC.
var base = time.Date(2025, 1, 2, 3, 4, 5, 0, time.FixedZone("CET", 3600))

func TestRegister(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.allowAttempts()
	userID := uuid.New()
	var gotUser ports.NewUser
	var gotSession ports.NewSession
	f.users.EXPECT().Register(gomock.Any(), gomock.Any(), gomock.Any()).
		DoAndReturn(func(_ context.Context, u ports.NewUser, s ports.NewSession) (ports.User, ports.Session, error) {
			gotUser, gotSession = u, s
			return ports.User{ID: userID, Email: u.Email, CreatedAt: base}, ports.Session{ID: uuid.New(), UserID: userID, AAL: s.AAL}, nil
		})

	res, err := f.svc.Register(f.ctx, &genauth.NewAccount{Email: " Ada@Example.COM ", Password: testPassword})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}

	if gotUser.Email != "ada@example.com" {
		t.Errorf("stored email = %q, want %q", gotUser.Email, "ada@example.com")
	}
	if bytes.Contains(gotUser.PasswordHash, []byte(testPassword)) {
		t.Error("the stored hash contains the password")
	}
	if !mustMatch(t, f.svc.passwords, gotUser.PasswordHash, testPassword) {
		t.Error("the stored hash does not match the password")
	}
	if mustMatch(t, f.svc.passwords, gotUser.PasswordHash, testPassword+"!") {
		t.Error("the stored hash matches another password")
	}
	if cost, err := bcrypt.Cost(gotUser.PasswordHash); err != nil || cost != testCost {
		t.Errorf("stored hash cost = %d, %v; want a bcrypt hash at cost %d", cost, err, testCost)
	}

	if gotSession.AAL != ports.AAL1 {
		t.Errorf("session AAL = %v, want aal1", gotSession.AAL)
	}
	if gotSession.IdleTimeout != testIdle || gotSession.AbsoluteTimeout != testAbsolute {
		t.Errorf("session timeouts = %v, %v; want %v, %v", gotSession.IdleTimeout, gotSession.AbsoluteTimeout, testIdle, testAbsolute)
	}
	if res.SessionToken == nil {
		t.Fatal("no session token")
	}
	if len(gotSession.TokenHash) != 32 || !bytes.Equal(gotSession.TokenHash, sha256Of(*res.SessionToken)) {
		t.Errorf("session token hash = %x, want sha256 of the returned token", gotSession.TokenHash)
	}
	requireFreshToken(t, *res.SessionToken)

	want := genauth.RegisterResult{
		SessionToken: res.SessionToken,
		ID:           userID.String(),
		Email:        "ada@example.com",
		CreatedAt:    "2025-01-02T02:04:05Z",
	}
	if *res != want {
		t.Errorf("result = %+v, want %+v", *res, want)
	}
	f.requireNoSecret(t, nil, testPassword, *res.SessionToken)
}

// requireFreshToken fails unless token is 256 bits in unpadded base64url.
func requireFreshToken(t *testing.T, token string) {
	t.Helper()
	if len(token) != 43 {
		t.Fatalf("token length = %d, want 43", len(token))
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(token)
	if err != nil || len(b) != 32 {
		t.Fatalf("token %q decodes to %d bytes, %v; want 32 bytes of base64url", token, len(b), err)
	}
}

func TestRegisterErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantName string
	}{
		{name: "case=email taken", err: fmt.Errorf("insert user: %w", ports.ErrEmailTaken), wantName: "email_taken"},
		{name: "case=unavailable", err: fmt.Errorf("begin: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New(`relation "users" does not exist`), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			f.users.EXPECT().Register(gomock.Any(), gomock.Any(), gomock.Any()).
				Return(ports.User{}, ports.Session{}, tt.err)

			res, err := f.svc.Register(f.ctx, &genauth.NewAccount{Email: "ada@example.com", Password: testPassword})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, tt.wantName, testPassword)
			if strings.Contains(se.Message, tt.err.Error()) {
				t.Errorf("message %q exposes the cause %q", se.Message, tt.err)
			}
			if tt.wantName == "fault" && !se.Fault {
				t.Error("an unexpected error is not a fault")
			}
		})
	}
}

// credentialsFor returns what Users.ByEmail returns for a user with the
// password.
func credentialsFor(t *testing.T, f fixture, mfa bool, password string) ports.UserCredentials {
	t.Helper()
	return ports.UserCredentials{
		User:         ports.User{ID: uuid.New(), Email: "ada@example.com", MFAEnabled: mfa, CreatedAt: base},
		PasswordHash: mustHash(t, f.svc.passwords, password),
	}
}

func TestLogin(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name          string
		mfa           bool
		idleAfter     time.Duration // idle expiry, after base
		absoluteAfter time.Duration // absolute expiry, after base
		wantExpiresAt string
	}{
		{name: "case=no mfa, idle expiry first", idleAfter: 15 * time.Minute, absoluteAfter: 12 * time.Hour, wantExpiresAt: "2025-01-02T02:19:05Z"},
		{name: "case=mfa, absolute expiry first", mfa: true, idleAfter: 15 * time.Minute, absoluteAfter: 10 * time.Minute, wantExpiresAt: "2025-01-02T02:14:05Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			creds := credentialsFor(t, f, tt.mfa, testPassword)
			sessionID := uuid.New()
			var got ports.NewSession
			f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(creds, nil)
			f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).
				DoAndReturn(func(_ context.Context, ns ports.NewSession) (ports.Session, error) {
					got = ns
					return ports.Session{
						ID: sessionID, UserID: ns.UserID, AAL: ns.AAL, CreatedAt: base,
						IdleExpiresAt: base.Add(tt.idleAfter), ExpiresAt: base.Add(tt.absoluteAfter),
					}, nil
				})

			res, err := f.svc.Login(f.ctx, &genauth.Credentials{Email: " Ada@Example.COM ", Password: testPassword})
			if err != nil {
				t.Fatalf("Login: %v", err)
			}

			want := genauth.LoginResult{
				SessionID:    sessionID.String(),
				Aal:          "aal1",
				MfaRequired:  tt.mfa,
				ExpiresAt:    tt.wantExpiresAt,
				SessionToken: res.SessionToken,
			}
			if *res != want {
				t.Errorf("result = %+v, want %+v", *res, want)
			}
			requireFreshToken(t, res.SessionToken)
			if got.UserID != creds.ID || got.AAL != ports.AAL1 {
				t.Errorf("new session = %+v, want user %v at aal1", got, creds.ID)
			}
			if got.IdleTimeout != testIdle || got.AbsoluteTimeout != testAbsolute {
				t.Errorf("session timeouts = %v, %v; want %v, %v", got.IdleTimeout, got.AbsoluteTimeout, testIdle, testAbsolute)
			}
			if !bytes.Equal(got.TokenHash, sha256Of(res.SessionToken)) {
				t.Errorf("session token hash = %x, want sha256 of the returned token", got.TokenHash)
			}
			f.requireNoSecret(t, nil, testPassword, res.SessionToken)
		})
	}
}

func TestLoginInvalidCredentials(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		creds func(*testing.T, fixture) (ports.UserCredentials, error)
	}{
		{
			name: "case=wrong password",
			creds: func(t *testing.T, f fixture) (ports.UserCredentials, error) {
				return credentialsFor(t, f, false, "another password entirely"), nil
			},
		},
		{
			name: "case=unknown email",
			creds: func(*testing.T, fixture) (ports.UserCredentials, error) {
				return ports.UserCredentials{}, fmt.Errorf("user by email: %w", ports.ErrNotFound)
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			creds, credsErr := tt.creds(t, f)
			f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(creds, credsErr)
			f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Times(0)

			res, err := f.svc.Login(f.ctx, &genauth.Credentials{Email: "ada@example.com", Password: testPassword})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			se := f.requireServiceError(t, err, "invalid_credentials", testPassword)
			// Both cases must read the same, or the message tells which
			// emails have an account.
			if se.Message != errMsgCredentials.Error() {
				t.Errorf("message = %q, want %q", se.Message, errMsgCredentials)
			}
		})
	}
}

func TestLoginErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		byEmail  error // from Users.ByEmail
		create   error // from Sessions.Create, when reached
		wantName string
	}{
		{name: "case=user read unavailable", byEmail: fmt.Errorf("user by email: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=user read fails", byEmail: errors.New("conn reset by peer"), wantName: "fault"},
		{name: "case=session create unavailable", create: fmt.Errorf("create session: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=session create fails", create: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.allowAttempts()
			var creds ports.UserCredentials // what a failed read returns
			if tt.byEmail == nil {
				creds = credentialsFor(t, f, false, testPassword)
			}
			f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(creds, tt.byEmail)
			if tt.byEmail == nil {
				f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Return(ports.Session{}, tt.create)
			} else {
				f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Times(0)
			}

			res, err := f.svc.Login(f.ctx, &genauth.Credentials{Email: "ada@example.com", Password: testPassword})

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
