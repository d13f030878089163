package controllers

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// testIP is the client address of the throttling tests, as the clientip
// middleware leaves it in the context.
var testIP = netip.MustParseAddr("203.0.113.7")

// limitedBy is what Throttle.Begin returns over a limit.
func limitedBy(limit string, retryAfter time.Duration) error {
	return &ports.RateLimitedError{RetryAfter: retryAfter, Limit: limit}
}

// requireRateLimited fails unless err is the rate_limited error with
// retryAfter seconds, carrying none of the secrets.
func (f fixture) requireRateLimited(t *testing.T, err error, retryAfter int, secrets ...string) {
	t.Helper()
	if err == nil {
		t.Fatal("err = nil, want rate_limited")
	}
	f.requireNoSecret(t, err, secrets...)
	var limited *genauth.RateLimitedError
	if !errors.As(err, &limited) {
		t.Fatalf("err = %v (%T), want a *genauth.RateLimitedError", err, err)
	}
	if limited.Name != "rate_limited" || limited.GoaErrorName() != "rate_limited" {
		t.Errorf("error name = %q, want rate_limited", limited.Name)
	}
	if limited.RetryAfter != retryAfter {
		t.Errorf("retry after = %d, want %d", limited.RetryAfter, retryAfter)
	}
	if !strings.Contains(limited.Message, strconv.Itoa(retryAfter)+" seconds") {
		t.Errorf("message %q does not say when to retry", limited.Message)
	}
}

func TestLoginRateLimited(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		password string
		err      error // from Begin
	}{
		{name: "case=right password", password: testPassword, err: limitedBy("failed logins for this account", 90*time.Second)},
		{name: "case=wrong password", password: "another password entirely", err: limitedBy("failed logins for this account", 90*time.Second)},
		{name: "case=wrapped", password: testPassword, err: fmt.Errorf("begin attempt: %w", limitedBy("failed attempts from this address", 90*time.Second))},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := clientip.With(f.ctx, testIP)
			f.throttle.EXPECT().Begin(gomock.Any(), ports.Attempt{Kind: ports.KindLogin, Account: "ada@example.com", IP: testIP}).Return(int64(0), tt.err)
			f.throttle.EXPECT().Finish(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			// Whatever the credentials: the password is not even read.
			f.users.EXPECT().ByEmail(gomock.Any(), gomock.Any()).Times(0)
			f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Times(0)

			res, err := f.svc.Login(ctx, &genauth.Credentials{Email: " Ada@Example.COM ", Password: tt.password})

			if res != nil {
				t.Errorf("result = %+v, want nil", res)
			}
			f.requireRateLimited(t, err, 90, tt.password)
			status, header := httpStatus(t, ctx, err)
			if status != http.StatusTooManyRequests || header.Get("Retry-After") != "90" {
				t.Errorf("HTTP = %d, Retry-After %q; want 429, 90", status, header.Get("Retry-After"))
			}
		})
	}
}

// TestLoginAttempts checks that every login is begun before the password
// is checked and finished with its outcome and, when known, its user.
func TestLoginAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		noIP        bool  // no client IP in the context (gRPC)
		byEmail     error // from Users.ByEmail
		password    string
		wantOutcome ports.Outcome
		knownUser   bool // Finish names the user
		wantName    string
	}{
		{name: "case=right password", password: testPassword, wantOutcome: ports.OutcomeSuccess, knownUser: true},
		{name: "case=right password, no client ip", noIP: true, password: testPassword, wantOutcome: ports.OutcomeSuccess, knownUser: true},
		{name: "case=wrong password", password: "another password entirely", wantOutcome: ports.OutcomeFailure, knownUser: true, wantName: "invalid_credentials"},
		{name: "case=unknown email", byEmail: fmt.Errorf("user by email: %w", ports.ErrNotFound), password: testPassword, wantOutcome: ports.OutcomeFailure, wantName: "invalid_credentials"},
		{name: "case=user read unavailable", byEmail: fmt.Errorf("user by email: %w", ports.ErrUnavailable), password: testPassword, wantOutcome: ports.OutcomeFailure, wantName: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx, wantIP := clientip.With(f.ctx, testIP), testIP
			if tt.noIP {
				ctx, wantIP = f.ctx, netip.IPv4Unspecified()
			}
			creds := credentialsFor(t, f, false, testPassword)
			stored, wantUser := creds, creds.ID
			if tt.byEmail != nil {
				stored, wantUser = ports.UserCredentials{}, uuid.Nil
			}
			if !tt.knownUser {
				wantUser = uuid.Nil
			}
			calls := []any{
				f.throttle.EXPECT().Begin(gomock.Any(), ports.Attempt{Kind: ports.KindLogin, Account: "ada@example.com", IP: wantIP}).Return(int64(7), nil),
				f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(stored, tt.byEmail),
				f.throttle.EXPECT().Finish(gomock.Any(), int64(7), tt.wantOutcome, wantUser).Return(false, nil),
			}
			if tt.wantName == "" {
				calls = append(calls, f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).
					Return(ports.Session{ID: uuid.New(), UserID: creds.ID, AAL: ports.AAL1}, nil))
			} else {
				f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Times(0)
			}
			gomock.InOrder(calls...)

			res, err := f.svc.Login(ctx, &genauth.Credentials{Email: " Ada@Example.COM ", Password: tt.password})

			if tt.wantName != "" {
				f.requireServiceError(t, err, tt.wantName, tt.password)
				return
			}
			if err != nil || res == nil {
				t.Fatalf("Login = %+v, %v; want a session", res, err)
			}
			f.requireNoSecret(t, nil, tt.password, res.SessionToken)
		})
	}
}

func TestLoginBeginFails(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error // from Begin
		wantName string
	}{
		{name: "case=unavailable", err: fmt.Errorf("begin attempt: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Return(int64(0), tt.err)
			f.throttle.EXPECT().Finish(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
			// An attempt that cannot be counted is not evaluated.
			f.users.EXPECT().ByEmail(gomock.Any(), gomock.Any()).Times(0)

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

// TestLoginFinishFails checks that an outcome that cannot be recorded
// (the attempt stays pending, which counts as a failure) does not fail the
// login, and that the log line it leaves carries no secret.
func TestLoginFinishFails(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	creds := credentialsFor(t, f, false, testPassword)
	gomock.InOrder(
		f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Return(int64(8), nil),
		f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(creds, nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(8), ports.OutcomeSuccess, creds.ID).
			Return(false, fmt.Errorf("finish attempt: %w", ports.ErrUnavailable)),
		f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Return(ports.Session{ID: uuid.New(), UserID: creds.ID, AAL: ports.AAL1}, nil),
	)

	res, err := f.svc.Login(f.ctx, &genauth.Credentials{Email: "ada@example.com", Password: testPassword})
	if err != nil || res == nil {
		t.Fatalf("Login = %+v, %v; want a session", res, err)
	}
	if !strings.Contains(f.logs.String(), "cannot record the outcome of an attempt") {
		t.Errorf("the failure to record is not logged: %s", f.logs.String())
	}
	f.requireNoSecret(t, nil, testPassword, res.SessionToken)
}

func TestRegisterAttempts(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name        string
		err         error // from Users.Register
		wantOutcome ports.Outcome
		wantName    string
	}{
		{name: "case=registered", wantOutcome: ports.OutcomeSuccess},
		{name: "case=email taken", err: fmt.Errorf("insert user: %w", ports.ErrEmailTaken), wantOutcome: ports.OutcomeFailure, wantName: "email_taken"},
		{name: "case=unavailable", err: fmt.Errorf("insert user: %w", ports.ErrUnavailable), wantOutcome: ports.OutcomeFailure, wantName: "unavailable"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			ctx := clientip.With(f.ctx, testIP)
			userID, wantUser := uuid.New(), uuid.Nil
			var user ports.User
			if tt.err == nil {
				user, wantUser = ports.User{ID: userID, Email: "ada@example.com", CreatedAt: base}, userID
			}
			gomock.InOrder(
				f.throttle.EXPECT().Begin(gomock.Any(), ports.Attempt{Kind: ports.KindRegister, Account: "ada@example.com", IP: testIP}).Return(int64(11), nil),
				f.users.EXPECT().Register(gomock.Any(), gomock.Any(), gomock.Any()).Return(user, ports.Session{}, tt.err),
				f.throttle.EXPECT().Finish(gomock.Any(), int64(11), tt.wantOutcome, wantUser).Return(false, nil),
			)

			res, err := f.svc.Register(ctx, &genauth.NewAccount{Email: " Ada@Example.COM ", Password: testPassword})

			if tt.wantName != "" {
				f.requireServiceError(t, err, tt.wantName, testPassword)
				return
			}
			if err != nil || res == nil || res.ID != userID.String() {
				t.Fatalf("Register = %+v, %v; want user %s", res, err, userID)
			}
		})
	}
}

func TestRegisterRateLimited(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := clientip.With(f.ctx, testIP)
	f.throttle.EXPECT().Begin(gomock.Any(), ports.Attempt{Kind: ports.KindRegister, Account: "ada@example.com", IP: testIP}).
		Return(int64(0), limitedBy("registrations from this address", time.Hour))
	f.throttle.EXPECT().Finish(gomock.Any(), gomock.Any(), gomock.Any(), gomock.Any()).Times(0)
	f.users.EXPECT().Register(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)

	res, err := f.svc.Register(ctx, &genauth.NewAccount{Email: "ada@example.com", Password: testPassword})

	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
	f.requireRateLimited(t, err, 3600, testPassword)
}
