package controllers

import (
	"bytes"
	"cmp"
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"runtime"
	"strings"
	"testing"
	"time"

	"go.uber.org/mock/gomock"
	"goa.design/clue/log"
	goa "goa.design/goa/v3/pkg"
	"golang.org/x/crypto/bcrypt"

	"github.com/infrastructure/platform/services/auth/internal/keyring"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/ports/mocks"
)

// Options of the service under test. The cost is the lowest bcrypt accepts,
// to keep the tests fast.
const (
	testCost     = bcrypt.MinCost
	testIdle     = 15 * time.Minute
	testAbsolute = 12 * time.Hour
	// testHashConcurrency and testHashWait leave room enough that no test
	// waits for a hashing slot unless it holds them on purpose.
	testHashConcurrency = 4
	testHashWait        = time.Minute
)

// fixture is a service over fresh mocks, with a context whose log lines are
// kept so that tests can check that no secret reaches them.
type fixture struct {
	svc      *Service
	users    *mocks.MockUsers
	sessions *mocks.MockSessions
	dir      *mocks.MockSessionDirectory
	revs     *mocks.MockRevocations
	throttle *mocks.MockThrottle
	totp     *mocks.MockTOTPCredentials
	backup   *mocks.MockBackupCodes
	changes  *mocks.MockPasswords
	links    *mocks.MockEmailLinks
	keys     *keyring.Keyring
	clock    *testClock
	ctx      context.Context
	logs     *bytes.Buffer
}

// testClock is the TOTP clock of a fixture.
type testClock struct{ t time.Time }

func (c *testClock) now() time.Time { return c.t }

// testRelyingParty is the WebAuthn relying party of the unit tests.
var testRelyingParty = RelyingParty{ID: "localhost", Origins: []string{"http://localhost:8080"}, DisplayName: "Test Issuer"}

// newTestKeyring returns a keyring over a random key.
func newTestKeyring(t *testing.T) *keyring.Keyring {
	t.Helper()
	master := make([]byte, 32)
	_, _ = rand.Read(master)
	k, err := keyring.New(master, nil)
	if err != nil {
		t.Fatal(err)
	}
	return k
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	ctrl := gomock.NewController(t)
	users := mocks.NewMockUsers(ctrl)
	sessions := mocks.NewMockSessions(ctrl)
	dir := mocks.NewMockSessionDirectory(ctrl)
	revs := mocks.NewMockRevocations(ctrl)
	// Waiting for the revocation feed has no effect the unit tests can see;
	// the end-to-end tests check what it is for.
	revs.EXPECT().Mark().Return(uint64(7)).AnyTimes()
	revs.EXPECT().Await(gomock.Any(), uint64(7), gomock.Any()).AnyTimes()
	// The throttle is strict: a test that reaches it sets expectations,
	// strict ones when throttling is its subject, allowAttempts otherwise.
	// A call nobody expected fails the test, which holds the methods that
	// are never throttled (ValidateSession above all) to it.
	throttle := mocks.NewMockThrottle(ctrl)
	totp := mocks.NewMockTOTPCredentials(ctrl)
	backup := mocks.NewMockBackupCodes(ctrl)
	changes := mocks.NewMockPasswords(ctrl)
	links := mocks.NewMockEmailLinks(ctrl)
	keys := newTestKeyring(t)
	clock := &testClock{t: time.Date(2026, 11, 28, 17, 0, 0, 0, time.UTC)}
	svc, err := New(Options{
		Users: users, Sessions: sessions, Directory: dir, Revocations: revs, Throttle: throttle, TOTP: totp, BackupCodes: backup, Operators: mocks.NewMockOperators(ctrl),
		Passwords: changes, EmailLinks: links,
		Passkeys: mocks.NewMockPasskeys(ctrl), PasskeyChallenges: mocks.NewMockPasskeyChallenges(ctrl), RelyingParty: testRelyingParty,
		SecretBox: keys, CodeHasher: keys, TOTPIssuer: "Test Issuer", Now: clock.now,
		BcryptCost: testCost, HashConcurrency: testHashConcurrency, HashWait: testHashWait,
		IdleTimeout: testIdle, AbsoluteTimeout: testAbsolute,
	})
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	logs := &bytes.Buffer{}
	ctx := log.Context(context.Background(), log.WithOutput(logs))
	return fixture{svc: svc, users: users, sessions: sessions, dir: dir, revs: revs, throttle: throttle, totp: totp, backup: backup, changes: changes, links: links, keys: keys, clock: clock, ctx: ctx, logs: logs}
}

// allowAttempts lets every attempt through the throttle, for the tests of
// throttled methods that are about something else. Tests about throttling
// set strict expectations instead (see throttle_test.go).
func (f fixture) allowAttempts() {
	f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Return(int64(1), nil).AnyTimes()
	f.throttle.EXPECT().Finish(gomock.Any(), int64(1), gomock.Any(), gomock.Any()).Return(false, nil).AnyTimes()
}

// withSession returns the fixture's context as APIKeyAuth leaves it for a
// request authenticated by token.
func (f fixture) withSession(ident ports.SessionIdentity, token ...string) context.Context {
	a := authenticated{ident: ident}
	if len(token) > 0 {
		a.tokenHash = hashToken(token[0])
	}
	return context.WithValue(f.ctx, sessionKey{}, a)
}

// requireNoSecret fails when err or a log line carries one of the secrets.
func (f fixture) requireNoSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if s == "" {
			continue
		}
		if err != nil && strings.Contains(err.Error(), s) {
			t.Errorf("error %q contains a secret", err.Error())
		}
		if strings.Contains(f.logs.String(), s) {
			t.Errorf("log output contains a secret: %s", f.logs.String())
		}
	}
}

// requireServiceError fails unless err is a Goa error called name that
// carries none of the secrets, and returns it.
func (f fixture) requireServiceError(t *testing.T, err error, name string, secrets ...string) *goa.ServiceError {
	t.Helper()
	if err == nil {
		t.Fatalf("err = nil, want %q", name)
	}
	f.requireNoSecret(t, err, secrets...)
	var se *goa.ServiceError
	if !errors.As(err, &se) {
		t.Fatalf("err = %v (%T), want a *goa.ServiceError", err, err)
	}
	if se.Name != name {
		t.Fatalf("error name = %q (%q), want %q", se.Name, se.Message, name)
	}
	return se
}

// sha256Of is the hash the controllers must store for a token, computed
// here independently of hashToken.
func sha256Of(token string) []byte {
	sum := sha256.Sum256([]byte(token))
	return sum[:]
}

// testToken returns a fresh well-formed token.
func testToken(t *testing.T) string {
	t.Helper()
	token, _ := newToken()
	return token
}

func TestNew(t *testing.T) {
	t.Parallel()
	ctrl := gomock.NewController(t)
	keys := newTestKeyring(t)
	valid := Options{
		Users: mocks.NewMockUsers(ctrl), Sessions: mocks.NewMockSessions(ctrl), Directory: mocks.NewMockSessionDirectory(ctrl), Revocations: mocks.NewMockRevocations(ctrl),
		Throttle: mocks.NewMockThrottle(ctrl), TOTP: mocks.NewMockTOTPCredentials(ctrl), BackupCodes: mocks.NewMockBackupCodes(ctrl), Operators: mocks.NewMockOperators(ctrl),
		Passwords: mocks.NewMockPasswords(ctrl), EmailLinks: mocks.NewMockEmailLinks(ctrl),
		Passkeys: mocks.NewMockPasskeys(ctrl), PasskeyChallenges: mocks.NewMockPasskeyChallenges(ctrl), RelyingParty: testRelyingParty,
		SecretBox: keys, CodeHasher: keys, TOTPIssuer: "Test Issuer",
		BcryptCost: testCost, HashConcurrency: 3, HashWait: 5 * time.Second,
		IdleTimeout: testIdle, AbsoluteTimeout: testAbsolute,
	}
	tests := []struct {
		name            string
		change          func(*Options)
		wantErr         bool
		wantConcurrency int           // when no error: 3 unless set
		wantWait        time.Duration // when no error: 5s unless set
	}{
		{name: "case=valid", change: func(*Options) {}},
		// A core stays free for session validation and health checks.
		{name: "case=default hash concurrency", change: func(o *Options) { o.HashConcurrency = 0 }, wantConcurrency: max(1, runtime.GOMAXPROCS(0)-1)},
		{name: "case=default hash wait", change: func(o *Options) { o.HashWait = 0 }, wantWait: 2 * time.Second},
		{name: "case=one hash at a time", change: func(o *Options) { o.HashConcurrency = 1 }, wantConcurrency: 1},
		{name: "case=negative hash concurrency", change: func(o *Options) { o.HashConcurrency = -1 }, wantErr: true},
		{name: "case=nil throttle", change: func(o *Options) { o.Throttle = nil }, wantErr: true},
		{name: "case=nil users", change: func(o *Options) { o.Users = nil }, wantErr: true},
		{name: "case=nil sessions", change: func(o *Options) { o.Sessions = nil }, wantErr: true},
		{name: "case=nil directory", change: func(o *Options) { o.Directory = nil }, wantErr: true},
		{name: "case=nil revocations", change: func(o *Options) { o.Revocations = nil }, wantErr: true},
		{name: "case=nil totp", change: func(o *Options) { o.TOTP = nil }, wantErr: true},
		{name: "case=nil passwords", change: func(o *Options) { o.Passwords = nil }, wantErr: true},
		{name: "case=nil email links", change: func(o *Options) { o.EmailLinks = nil }, wantErr: true},
		{name: "case=nil operators", change: func(o *Options) { o.Operators = nil }, wantErr: true},
		{name: "case=nil backup codes", change: func(o *Options) { o.BackupCodes = nil }, wantErr: true},
		{name: "case=nil secret box", change: func(o *Options) { o.SecretBox = nil }, wantErr: true},
		{name: "case=nil code hasher", change: func(o *Options) { o.CodeHasher = nil }, wantErr: true},
		{name: "case=no issuer", change: func(o *Options) { o.TOTPIssuer = "" }, wantErr: true},
		{name: "case=nil passkeys", change: func(o *Options) { o.Passkeys = nil }, wantErr: true},
		{name: "case=nil passkey challenges", change: func(o *Options) { o.PasskeyChallenges = nil }, wantErr: true},
		{name: "case=relying party on an ip address", change: func(o *Options) { o.RelyingParty.ID = "127.0.0.1" }, wantErr: true},
		{name: "case=relying party without origins", change: func(o *Options) { o.RelyingParty.Origins = nil }, wantErr: true},
		{name: "case=zero idle timeout", change: func(o *Options) { o.IdleTimeout = 0 }, wantErr: true},
		{name: "case=negative idle timeout", change: func(o *Options) { o.IdleTimeout = -time.Minute }, wantErr: true},
		{name: "case=zero absolute timeout", change: func(o *Options) { o.AbsoluteTimeout = 0 }, wantErr: true},
		{name: "case=negative absolute timeout", change: func(o *Options) { o.AbsoluteTimeout = -time.Hour }, wantErr: true},
		{name: "case=cost zero", change: func(o *Options) { o.BcryptCost = 0 }, wantErr: true},
		{name: "case=cost below min", change: func(o *Options) { o.BcryptCost = bcrypt.MinCost - 1 }, wantErr: true},
		{name: "case=cost above max", change: func(o *Options) { o.BcryptCost = bcrypt.MaxCost + 1 }, wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			o := valid
			tt.change(&o)
			svc, err := New(o)
			if tt.wantErr {
				if err == nil || svc != nil {
					t.Fatalf("New = %v, %v; want nil, an error", svc, err)
				}
				return
			}
			if err != nil || svc == nil {
				t.Fatalf("New = %v, %v; want a service", svc, err)
			}
			if svc.idle != testIdle || svc.absolute != testAbsolute || svc.passwords.cost != testCost {
				t.Errorf("service = %+v, options not kept", svc)
			}
			if len(svc.passwords.dummy) == 0 {
				t.Error("no dummy hash: unknown emails would cost less than real ones")
			}
			if svc.throttle != o.Throttle {
				t.Error("the throttle is not kept")
			}
			wantConcurrency, wantWait := cmp.Or(tt.wantConcurrency, 3), cmp.Or(tt.wantWait, 5*time.Second)
			if got := cap(svc.passwords.slots); got != wantConcurrency {
				t.Errorf("hash concurrency = %d, want %d", got, wantConcurrency)
			}
			if svc.passwords.wait != wantWait {
				t.Errorf("hash wait = %v, want %v", svc.passwords.wait, wantWait)
			}
		})
	}
}
