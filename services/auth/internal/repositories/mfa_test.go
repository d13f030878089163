package repositories_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// sealed returns a stand-in for a sealed secret of the right length.
func sealed(version int32) ports.Sealed {
	b := make([]byte, 12+20+16)
	_, _ = rand.Read(b)
	return ports.Sealed{Ciphertext: b, KeyVersion: version}
}

// codeHash is a stand-in for a salted (version 2) keyed hash of code.
func codeHash(code string) ports.CodeHash {
	sum := sha256.Sum256([]byte(code))
	return ports.CodeHash{Hash: sum[:], KeyVersion: 7, HashVersion: ports.CodeHashV2}
}

// mfaFixture is a user with a session, and the MFA repositories.
type mfaFixture struct {
	fixture
	user    ports.User
	session ports.Session
	token   []byte // hash of the current token
	totp    *repositories.TOTPCredentials
	backup  *repositories.BackupCodes
}

func newMFAFixture(t *testing.T) *mfaFixture {
	t.Helper()
	f := newFixture(t)
	u, s, ns := f.register(t, "ada@example.com")
	return &mfaFixture{fixture: f, user: u, session: s, token: ns.TokenHash,
		totp: repositories.NewTOTPCredentials(f.pool), backup: repositories.NewBackupCodes(f.pool)}
}

// rotation moves the session to aal2 under a fresh token and remembers it.
func (m *mfaFixture) rotation(t *testing.T) ports.Rotation {
	t.Helper()
	next := tokenHash(t)
	r := ports.Rotation{SessionID: m.session.ID, OldTokenHash: m.token, NewTokenHash: next, AAL: ports.AAL2}
	return r
}

// enroll activates TOTP at step with the given backup codes.
func (m *mfaFixture) enroll(t *testing.T, step int64, codes []ports.CodeHash) {
	t.Helper()
	ctx := context.Background()
	if err := m.totp.SavePending(ctx, m.user.ID, sealed(7)); err != nil {
		t.Fatal(err)
	}
	r := m.rotation(t)
	if _, err := m.totp.Enroll(ctx, ports.Enrollment{UserID: m.user.ID, Step: step, BackupCodes: codes, Rotation: r}); err != nil {
		t.Fatalf("enroll: %v", err)
	}
	m.token = r.NewTokenHash
}

func TestTOTPEnrollment(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	ctx := context.Background()

	if _, err := m.totp.Get(ctx, m.user.ID); !errors.Is(err, ports.ErrNotFound) {
		t.Fatalf("Get before enrollment: %v", err)
	}
	first, second := sealed(7), sealed(7)
	if err := m.totp.SavePending(ctx, m.user.ID, first); err != nil {
		t.Fatal(err)
	}
	// Generating again replaces the pending enrollment.
	if err := m.totp.SavePending(ctx, m.user.ID, second); err != nil {
		t.Fatal(err)
	}
	cred, err := m.totp.Get(ctx, m.user.ID)
	if err != nil || cred.Active || cred.Expired || string(cred.Secret.Ciphertext) != string(second.Ciphertext) || cred.LastStep != 0 {
		t.Fatalf("pending credential = %+v, %v", cred, err)
	}

	r := m.rotation(t)
	s, err := m.totp.Enroll(ctx, ports.Enrollment{UserID: m.user.ID, Step: 1000, BackupCodes: codeHashes(10), Rotation: r})
	if err != nil {
		t.Fatal(err)
	}
	if s.AAL != ports.AAL2 || s.ID != m.session.ID {
		t.Errorf("session after enrollment = %+v", s)
	}
	// The old token is dead, the new one is aal2; MFA is on; 10 codes.
	if _, err := m.sessions.Validate(ctx, r.OldTokenHash); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("the old token still validates: %v", err)
	}
	ident, err := m.sessions.Validate(ctx, r.NewTokenHash)
	if err != nil || ident.AAL != ports.AAL2 || !ident.MFAEnabled {
		t.Errorf("new token: %+v, %v", ident, err)
	}
	if n, err := m.backup.Remaining(ctx, m.user.ID); n != 10 || err != nil {
		t.Errorf("remaining = %d, %v", n, err)
	}
	cred, _ = m.totp.Get(ctx, m.user.ID)
	if !cred.Active || cred.LastStep != 1000 {
		t.Errorf("active credential = %+v", cred)
	}
	// An active credential is not replaced by a new enrollment.
	if err := m.totp.SavePending(ctx, m.user.ID, sealed(7)); !errors.Is(err, ports.ErrTOTPActive) {
		t.Errorf("SavePending over an active credential: %v", err)
	}
}

func TestTOTPEnrollmentExpires(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	ctx := context.Background()
	if err := m.totp.SavePending(ctx, m.user.ID, sealed(7)); err != nil {
		t.Fatal(err)
	}
	m.exec(t, "UPDATE totp_credentials SET created_at = now() - interval '15 minutes 1 second'")
	cred, err := m.totp.Get(ctx, m.user.ID)
	if err != nil || !cred.Expired {
		t.Fatalf("credential = %+v, %v; want expired", cred, err)
	}
	_, err = m.totp.Enroll(ctx, ports.Enrollment{UserID: m.user.ID, Step: 5, Rotation: m.rotation(t)})
	if !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("Enroll after expiry: %v, want ErrNotFound", err)
	}
	// Nothing was half-done: MFA is off, no codes, the session unchanged.
	if ident, err := m.sessions.Validate(ctx, m.token); err != nil || ident.MFAEnabled || ident.AAL != ports.AAL1 {
		t.Errorf("after a failed enrollment: %+v, %v", ident, err)
	}
}

func TestTOTPStepIsAcceptedOnce(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	ctx := context.Background()
	m.enroll(t, 1000, codeHashes(10))

	tests := []struct {
		name string
		step int64
		want error
	}{
		{"case=enrollment step replayed", 1000, ports.ErrCodeRejected},
		{"case=earlier step", 999, ports.ErrCodeRejected},
		{"case=next step", 1001, nil},
		{"case=next step replayed", 1001, ports.ErrCodeRejected},
	}
	for _, tt := range tests {
		r := m.rotation(t)
		_, err := m.totp.StepUp(ctx, m.user.ID, tt.step, r)
		if !errors.Is(err, tt.want) {
			t.Fatalf("%s: err = %v, want %v", tt.name, err, tt.want)
		}
		if err == nil {
			m.token = r.NewTokenHash
		} else if _, verr := m.sessions.Validate(ctx, r.OldTokenHash); verr != nil {
			t.Errorf("%s: a refused code rotated the session", tt.name)
		}
	}
}

func TestTOTPConcurrentCodeOneWinner(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	m.enroll(t, 1000, nil)
	// Twenty requests with one valid code (step 1001), each from its own
	// session, race on the credential row.
	const n = 20
	rotations := make([]ports.Rotation, n)
	for i := range rotations {
		ns := newSession(t, m.user.ID)
		s, err := m.sessions.Create(context.Background(), ns)
		if err != nil {
			t.Fatal(err)
		}
		rotations[i] = ports.Rotation{SessionID: s.ID, OldTokenHash: ns.TokenHash, NewTokenHash: tokenHash(t), AAL: ports.AAL2}
	}
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() { _, errs[i] = m.totp.StepUp(context.Background(), m.user.ID, 1001, rotations[i]) })
	}
	wg.Wait()
	wins := 0
	for _, err := range errs {
		switch {
		case err == nil:
			wins++
		case !errors.Is(err, ports.ErrCodeRejected):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d requests accepted the same step, want exactly 1", wins)
	}
}

func TestTOTPDisable(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	ctx := context.Background()
	m.enroll(t, 1000, codeHashes(10))

	if err := m.totp.Disable(ctx, m.user.ID, 1000); !errors.Is(err, ports.ErrCodeRejected) {
		t.Fatalf("Disable with a used step: %v", err)
	}
	if err := m.totp.Disable(ctx, m.user.ID, 1001); err != nil {
		t.Fatal(err)
	}
	if _, err := m.totp.Get(ctx, m.user.ID); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("credential after disable: %v", err)
	}
	if n, _ := m.backup.Remaining(ctx, m.user.ID); n != 0 {
		t.Errorf("%d backup codes left after disable", n)
	}
	if ident, _ := m.sessions.Validate(ctx, m.token); ident.MFAEnabled {
		t.Error("MFA still on after disable")
	}
}

func TestSessionRotateRefresh(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	_, s, ns := f.register(t, "ada@example.com")
	f.exec(t, "UPDATE sessions SET idle_expires_at = now() + interval '1 minute'")
	r := ports.Rotation{SessionID: s.ID, OldTokenHash: ns.TokenHash, NewTokenHash: tokenHash(t), AAL: ports.AAL1, Refresh: true, IdleTimeout: 30 * time.Minute}
	got, err := f.sessions.Rotate(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if !got.ExpiresAt.Equal(s.ExpiresAt) {
		t.Errorf("absolute expiry moved: %v -> %v", s.ExpiresAt, got.ExpiresAt)
	}
	if got.IdleExpiresAt.Sub(got.CreatedAt) < 29*time.Minute {
		t.Errorf("idle expiry not moved forward: %v", got.IdleExpiresAt)
	}
	if _, err := f.sessions.Validate(ctx, ns.TokenHash); !errors.Is(err, ports.ErrNotFound) {
		t.Error("the old token survived the refresh")
	}
	current := r.NewTokenHash
	// The old token cannot rotate again.
	r.NewTokenHash = tokenHash(t)
	if _, err := f.sessions.Rotate(ctx, r); !errors.Is(err, ports.ErrSessionEnded) {
		t.Errorf("second rotation with the old token: %v", err)
	}
	// Near the absolute expiry, the idle expiry stops there.
	f.exec(t, "UPDATE sessions SET expires_at = now() + interval '5 minutes', idle_expires_at = now() + interval '1 minute'")
	r = ports.Rotation{SessionID: s.ID, OldTokenHash: current, NewTokenHash: tokenHash(t), AAL: ports.AAL1, Refresh: true, IdleTimeout: 30 * time.Minute}
	got, err = f.sessions.Rotate(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if !got.IdleExpiresAt.Equal(got.ExpiresAt) {
		t.Errorf("idle expiry %v passed the absolute expiry %v", got.IdleExpiresAt, got.ExpiresAt)
	}
}
