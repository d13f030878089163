package controllers

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"
	goahttp "goa.design/goa/v3/http"
	"golang.org/x/crypto/bcrypt"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	authserver "github.com/infrastructure/platform/services/auth/gen/http/auth/server"
	"github.com/infrastructure/platform/services/auth/internal/clientip"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// newTestHasher returns a hasher at the lowest cost. It is safe to share
// between parallel tests: its slots are its only state.
func newTestHasher(t *testing.T) *passwordHasher {
	t.Helper()
	h, err := newPasswordHasher(testCost, testHashConcurrency, testHashWait)
	if err != nil {
		t.Fatalf("newPasswordHasher: %v", err)
	}
	return h
}

// mustHash returns the hash of password, failing the test on an error.
func mustHash(t *testing.T, h *passwordHasher, password string) []byte {
	t.Helper()
	hash, err := h.hash(t.Context(), password)
	if err != nil {
		t.Fatalf("hash: %v", err)
	}
	return hash
}

// mustMatch reports whether password matches hash, failing the test on an
// error.
func mustMatch(t *testing.T, h *passwordHasher, hash []byte, password string) bool {
	t.Helper()
	ok, err := h.matches(t.Context(), hash, password)
	if err != nil {
		t.Fatalf("matches: %v", err)
	}
	return ok
}

func TestPasswordMatches(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t)
	long72 := strings.Repeat("a", 72)
	long100 := strings.Repeat("0123456789", 10)
	wide := strings.Repeat("密", 30) // 90 bytes, 30 characters
	tests := []struct {
		name    string
		stored  string
		attempt string
		want    bool
	}{
		{name: "case=same", stored: testPassword, attempt: testPassword, want: true},
		{name: "case=different case", stored: testPassword, attempt: strings.ToUpper(testPassword)},
		{name: "case=prefix", stored: testPassword, attempt: testPassword[:len(testPassword)-1]},
		{name: "case=longer", stored: testPassword, attempt: testPassword + " "},
		// bcrypt alone reads 72 bytes and would accept these.
		{name: "case=differs after 72 bytes", stored: long72 + "X", attempt: long72 + "Y"},
		{name: "case=differs after 100 bytes", stored: long100 + "X", attempt: long100 + "Y"},
		{name: "case=extended after 72 bytes", stored: long72, attempt: long72 + "Y"},
		{name: "case=differs after 72 bytes of multibyte", stored: wide + "1", attempt: wide + "2"},
		{name: "case=long same", stored: long100 + "X", attempt: long100 + "X", want: true},
		{name: "case=unicode same", stored: "pässwörd-密码-🔑-Ελληνικά", attempt: "pässwörd-密码-🔑-Ελληνικά", want: true},
		{name: "case=unicode differs", stored: "pässwörd-密码-🔑", attempt: "passwörd-密码-🔑"},
		{name: "case=unicode differs in emoji", stored: "pässwörd-密码-🔑", attempt: "pässwörd-密码-🔒"},
		// NFKC makes compatible forms equal: what two keyboards type for
		// the same characters.
		{name: "case=nfkc ligature", stored: "\ufb01nal password", attempt: "final password", want: true},
		{name: "case=nfkc ligature reversed", stored: "final password", attempt: "\ufb01nal password", want: true},
		{name: "case=nfkc composed and decomposed", stored: "caf\u00e9 au lait", attempt: "cafe\u0301 au lait", want: true},
		{name: "case=nfkc full width", stored: "\uff50\uff41\uff53\uff53\uff57\uff4f\uff52\uff44", attempt: "password", want: true},
		// NFKC is no case folding: ß and ss stay apart.
		{name: "case=nfkc does not fold", stored: "straße-password", attempt: "strasse-password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			hash := mustHash(t, h, tt.stored)
			if !mustMatch(t, h, hash, tt.stored) {
				t.Fatal("the hash does not match its own password")
			}
			if got := mustMatch(t, h, hash, tt.attempt); got != tt.want {
				t.Errorf("matches = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestPasswordMatchesNoHash(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t)
	tests := []struct {
		name     string
		hash     []byte
		password string
	}{
		{name: "case=nil hash", hash: nil, password: testPassword},
		{name: "case=nil hash, empty password", hash: nil, password: ""},
		// The dummy hash's own password must not open unknown accounts.
		{name: "case=nil hash, dummy password", hash: nil, password: "not a password anyone has: it only spends time"},
		{name: "case=empty hash", hash: []byte{}, password: testPassword},
		{name: "case=not a bcrypt hash", hash: []byte("plaintext"), password: "plaintext"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			if mustMatch(t, h, tt.hash, tt.password) {
				t.Error("matches = true, want false")
			}
		})
	}
}

func TestPasswordHash(t *testing.T) {
	t.Parallel()
	h := newTestHasher(t)
	first := mustHash(t, h, testPassword)
	second := mustHash(t, h, testPassword)
	if bytes.Equal(first, second) {
		t.Error("two hashes of one password are equal: no salt")
	}
	if !mustMatch(t, h, first, testPassword) || !mustMatch(t, h, second, testPassword) {
		t.Error("a hash does not match its password")
	}
	if bytes.Contains(first, []byte(testPassword)) {
		t.Error("the hash contains the password")
	}
	if cost, err := bcrypt.Cost(first); err != nil || cost != testCost {
		t.Errorf("cost = %d, %v; want %d", cost, err, testCost)
	}
}

func TestPrehash(t *testing.T) {
	t.Parallel()
	for _, password := range []string{"", testPassword, strings.Repeat("密", 128)} {
		got := prehash(password)
		// 44 bytes fit in bcrypt's 72, and a NUL would end its input.
		if len(got) != 44 || bytes.IndexByte(got, 0) >= 0 {
			t.Errorf("prehash(%d bytes) = %q, want 44 bytes without NUL", len(password), got)
		}
	}
}

func TestNewPasswordHasherCost(t *testing.T) {
	t.Parallel()
	for _, cost := range []int{-1, 0, bcrypt.MinCost - 1, bcrypt.MaxCost + 1} {
		if h, err := newPasswordHasher(cost, 1, time.Second); err == nil || h != nil {
			t.Errorf("newPasswordHasher(%d) = %v, %v; want an error", cost, h, err)
		}
	}
}

func TestNewPasswordHasherConcurrency(t *testing.T) {
	t.Parallel()
	for _, concurrency := range []int{-1, 0} {
		if h, err := newPasswordHasher(testCost, concurrency, time.Second); err == nil || h != nil {
			t.Errorf("newPasswordHasher(concurrency %d) = %v, %v; want an error", concurrency, h, err)
		}
	}
}

// busyWait is how long the hashers of the busy tests wait for a slot: the
// only bounded wait these tests sit through.
const busyWait = 50 * time.Millisecond

// newSmallHasher returns a hasher with concurrency slots that waits
// busyWait for one.
func newSmallHasher(t *testing.T, concurrency int) *passwordHasher {
	t.Helper()
	h, err := newPasswordHasher(testCost, concurrency, busyWait)
	if err != nil {
		t.Fatalf("newPasswordHasher: %v", err)
	}
	return h
}

// holdSlots takes every slot of h and returns what gives them back (call
// it once).
func holdSlots(t *testing.T, h *passwordHasher) (release func()) {
	t.Helper()
	releases := make([]func(), cap(h.slots))
	for i := range releases {
		var err error
		if releases[i], err = h.acquire(t.Context()); err != nil {
			t.Fatalf("acquire slot %d of %d: %v", i+1, len(releases), err)
		}
	}
	return func() {
		for _, release := range releases {
			release()
		}
	}
}

func TestPasswordHasherBusy(t *testing.T) {
	t.Parallel()
	for _, concurrency := range []int{1, 3} {
		t.Run(fmt.Sprintf("concurrency=%d", concurrency), func(t *testing.T) {
			t.Parallel()
			h := newSmallHasher(t, concurrency)
			hash := mustHash(t, h, testPassword)
			release := holdSlots(t, h)

			if got, err := h.hash(t.Context(), testPassword); !errors.Is(err, errPasswordsBusy) || got != nil {
				t.Errorf("hash with every slot taken = %q, %v; want nil, errPasswordsBusy", got, err)
			}
			if ok, err := h.matches(t.Context(), hash, testPassword); !errors.Is(err, errPasswordsBusy) || ok {
				t.Errorf("matches with every slot taken = %v, %v; want false, errPasswordsBusy", ok, err)
			}
			if ok, err := h.matches(t.Context(), nil, testPassword); !errors.Is(err, errPasswordsBusy) || ok {
				t.Errorf("matches of an unknown account with every slot taken = %v, %v; want false, errPasswordsBusy", ok, err)
			}

			release()
			if !mustMatch(t, h, hash, testPassword) {
				t.Error("after the release, the hash does not match its password")
			}
			if !mustMatch(t, h, mustHash(t, h, testPassword), testPassword) {
				t.Error("after the release, a new hash does not match its password")
			}
			// Every call, failed or not, left the slots as it found them.
			if n := len(h.slots); n != 0 {
				t.Errorf("%d slots still taken", n)
			}
		})
	}
}

func TestPasswordHasherCancelledWhileWaiting(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		call func(context.Context, *passwordHasher) error
	}{
		{name: "method=hash", call: func(ctx context.Context, h *passwordHasher) error {
			_, err := h.hash(ctx, testPassword)
			return err
		}},
		{name: "method=matches", call: func(ctx context.Context, h *passwordHasher) error {
			_, err := h.matches(ctx, nil, testPassword)
			return err
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			// The wait is long: only the cancellation can end it.
			h, err := newPasswordHasher(testCost, 1, time.Hour)
			if err != nil {
				t.Fatal(err)
			}
			release, err := h.acquire(t.Context())
			if err != nil {
				t.Fatal(err)
			}
			defer release()
			ctx, cancel := context.WithCancel(t.Context())
			done := make(chan error, 1)
			go func() { done <- tt.call(ctx, h) }()
			cancel()
			if err := <-done; !errors.Is(err, context.Canceled) {
				t.Errorf("err = %v, want context.Canceled", err)
			}
		})
	}
}

// httpStatus is what the generated HTTP encoder of login answers for err.
func httpStatus(t *testing.T, ctx context.Context, err error) (int, http.Header) {
	t.Helper()
	rec := httptest.NewRecorder()
	if encErr := authserver.EncodeLoginError(goahttp.ResponseEncoder, nil)(ctx, rec, err); encErr != nil {
		t.Fatalf("encode %v: %v", err, encErr)
	}
	return rec.Code, rec.Header()
}

// TestLoginPasswordsBusy checks that a login that cannot get a hashing slot
// gets 503, is recorded as not evaluated (it does not count against the
// account) and does not sign in; and that
// the next login, once a slot is free, does.
func TestLoginPasswordsBusy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := clientip.With(f.ctx, testIP)
	creds := credentialsFor(t, f, false, testPassword)
	f.svc.passwords = newSmallHasher(t, 1)
	release := holdSlots(t, f.svc.passwords)
	attempt := ports.Attempt{Kind: ports.KindLogin, Account: "ada@example.com", IP: testIP}
	gomock.InOrder(
		f.throttle.EXPECT().Begin(gomock.Any(), attempt).Return(int64(41), nil),
		f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(creds, nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(41), ports.OutcomeBusy, creds.ID).Return(false, nil),
		// Once released:
		f.throttle.EXPECT().Begin(gomock.Any(), attempt).Return(int64(42), nil),
		f.users.EXPECT().ByEmail(gomock.Any(), "ada@example.com").Return(creds, nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(42), ports.OutcomeSuccess, creds.ID).Return(false, nil),
		f.sessions.EXPECT().Create(gomock.Any(), gomock.Any()).Return(ports.Session{ID: uuid.New(), UserID: creds.ID, AAL: ports.AAL1}, nil),
	)

	res, err := f.svc.Login(ctx, &genauth.Credentials{Email: "ada@example.com", Password: testPassword})
	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
	se := f.requireServiceError(t, err, "unavailable", testPassword)
	if se.Message != errMsgBusy.Error() {
		t.Errorf("message = %q, want %q", se.Message, errMsgBusy)
	}
	if status, _ := httpStatus(t, ctx, err); status != http.StatusServiceUnavailable {
		t.Errorf("HTTP status = %d, want 503", status)
	}

	release()
	res, err = f.svc.Login(ctx, &genauth.Credentials{Email: "ada@example.com", Password: testPassword})
	if err != nil || res == nil {
		t.Fatalf("Login after the release = %+v, %v; want a session", res, err)
	}
}

// TestRegisterPasswordsBusy checks that a registration that cannot get a
// hashing slot gets 503 and creates no account.
func TestRegisterPasswordsBusy(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	f.svc.passwords = newSmallHasher(t, 1)
	defer holdSlots(t, f.svc.passwords)()
	gomock.InOrder(
		f.throttle.EXPECT().Begin(gomock.Any(), gomock.Any()).Return(int64(43), nil),
		f.throttle.EXPECT().Finish(gomock.Any(), int64(43), ports.OutcomeBusy, uuid.Nil).Return(false, nil),
	)
	f.users.EXPECT().Register(gomock.Any(), gomock.Any(), gomock.Any()).Times(0)

	res, err := f.svc.Register(f.ctx, &genauth.NewAccount{Email: "ada@example.com", Password: testPassword})

	if res != nil {
		t.Errorf("result = %+v, want nil", res)
	}
	if se := f.requireServiceError(t, err, "unavailable", testPassword); se.Message != errMsgBusy.Error() {
		t.Errorf("message = %q, want %q", se.Message, errMsgBusy)
	}
}
