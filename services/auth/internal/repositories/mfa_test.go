package repositories_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

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

// insertUnsalted stores a code for the user as the release before
// migration 0006 did (no hash version: the column's default), and returns
// it as a version 1 candidate.
func (m *mfaFixture) insertUnsalted(t *testing.T, code string) ports.CodeHash {
	t.Helper()
	h := codeHash(code)
	m.exec(t, "INSERT INTO backup_codes (user_id, code_hash, key_version) VALUES ($1, $2, $3)", m.user.ID, h.Hash, h.KeyVersion)
	h.HashVersion = ports.CodeHashV1
	return h
}

func codeHashes(n int) []ports.CodeHash {
	out := make([]ports.CodeHash, n)
	for i := range out {
		out[i] = codeHash(fmt.Sprint("code-", i))
	}
	return out
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

func TestBackupCodeConcurrentUseOneWinner(t *testing.T) {
	t.Parallel()
	for _, version := range []ports.CodeHashVersion{ports.CodeHashV2, ports.CodeHashV1} {
		t.Run(fmt.Sprintf("hash_version=%d", version), func(t *testing.T) {
			t.Parallel()
			m := newMFAFixture(t)
			codes := codeHashes(10)
			m.enroll(t, 1000, codes)
			if version == ports.CodeHashV1 {
				m.exec(t, "DELETE FROM backup_codes WHERE user_id = $1", m.user.ID)
				for i := range codes {
					codes[i] = m.insertUnsalted(t, fmt.Sprint("code-", i))
				}
			}
			requireOneWinner(t, m, codes[3], 9)
		})
	}
}

// requireOneWinner races twenty uses of one code, each from its own
// session: exactly one must win and see left codes remaining.
func requireOneWinner(t *testing.T, m *mfaFixture, code ports.CodeHash, left int) {
	t.Helper()
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
	remaining := make([]int, n)
	for i := range n {
		wg.Go(func() {
			remaining[i], _, errs[i] = m.backup.Use(context.Background(), m.user.ID, []ports.CodeHash{code}, rotations[i])
		})
	}
	wg.Wait()
	wins := 0
	for i, err := range errs {
		switch {
		case err == nil:
			wins++
			if remaining[i] != left {
				t.Errorf("remaining = %d, want %d", remaining[i], left)
			}
		case !errors.Is(err, ports.ErrCodeRejected):
			t.Errorf("unexpected error: %v", err)
		}
	}
	if wins != 1 {
		t.Errorf("%d uses of one backup code succeeded, want exactly 1", wins)
	}
}

func TestBackupCodes(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	ctx := context.Background()
	codes := codeHashes(10)
	m.enroll(t, 1000, codes)

	// An unknown code, then a known one among candidates (as after a key
	// rotation: one hash per configured key).
	if _, _, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{codeHash("nope")}, m.rotation(t)); !errors.Is(err, ports.ErrCodeRejected) {
		t.Errorf("unknown code: %v", err)
	}
	r := m.rotation(t)
	left, s, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{codeHash("other key"), codes[0]}, r)
	if err != nil || left != 9 || s.AAL != ports.AAL2 {
		t.Fatalf("Use = %d, %+v, %v", left, s, err)
	}
	m.token = r.NewTokenHash

	// Another user's code does not work for this user.
	other := newMFAFixture(t)
	other.enroll(t, 1000, []ports.CodeHash{codeHash("theirs")})
	if _, _, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{codeHash("theirs")}, m.rotation(t)); !errors.Is(err, ports.ErrCodeRejected) {
		t.Errorf("another user's code: %v", err)
	}

	// Regenerating invalidates the previous set.
	fresh := []ports.CodeHash{codeHash("fresh-1"), codeHash("fresh-2")}
	if err := m.backup.Replace(ctx, m.user.ID, fresh); err != nil {
		t.Fatal(err)
	}
	if _, _, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{codes[1]}, m.rotation(t)); !errors.Is(err, ports.ErrCodeRejected) {
		t.Errorf("a code of the old set still works: %v", err)
	}
	if n, _ := m.backup.Remaining(ctx, m.user.ID); n != 2 {
		t.Errorf("remaining = %d, want 2", n)
	}
	if v := m.hashVersions(t); len(v) != 1 || v[0] != ports.CodeHashV2 {
		t.Errorf("hash versions stored = %v, want only 2", v)
	}
}

// hashVersions returns the distinct hash versions of the user's rows.
func (m *mfaFixture) hashVersions(t *testing.T) []ports.CodeHashVersion {
	t.Helper()
	rows, err := m.pool.Query(context.Background(), "SELECT DISTINCT hash_version FROM backup_codes WHERE user_id = $1 ORDER BY 1", m.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	versions, err := pgx.CollectRows(rows, pgx.RowTo[ports.CodeHashVersion])
	if err != nil {
		t.Fatal(err)
	}
	return versions
}

// TestBackupCodeVersions checks that a candidate matches only a row of its
// own hash version and key version, and that a code stored before the
// salt (version 1) still works, once.
func TestBackupCodeVersions(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	ctx := context.Background()
	salted := codeHash("salted")
	m.enroll(t, 1000, []ports.CodeHash{salted})
	unsalted := m.insertUnsalted(t, "unsalted")
	if v := m.hashVersions(t); len(v) != 2 || v[0] != ports.CodeHashV1 || v[1] != ports.CodeHashV2 {
		t.Fatalf("hash versions stored = %v, want 1 (the column's default) and 2", v)
	}
	relabel := func(h ports.CodeHash, version ports.CodeHashVersion, key int32) ports.CodeHash {
		h.HashVersion, h.KeyVersion = version, key
		return h
	}
	for _, tt := range []struct {
		name string
		c    ports.CodeHash
	}{
		{"case=salted hash as version 1", relabel(salted, ports.CodeHashV1, salted.KeyVersion)},
		{"case=unsalted hash as version 2", relabel(unsalted, ports.CodeHashV2, unsalted.KeyVersion)},
		{"case=salted hash under another key", relabel(salted, ports.CodeHashV2, salted.KeyVersion+1)},
	} {
		if _, _, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{tt.c}, m.rotation(t)); !errors.Is(err, ports.ErrCodeRejected) {
			t.Errorf("%s: %v, want ErrCodeRejected", tt.name, err)
		}
	}
	// Among candidates of every version (as the keyring makes them), the
	// version 1 code is found, once.
	r := m.rotation(t)
	if left, _, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{codeHash("unsalted"), unsalted}, r); err != nil || left != 1 {
		t.Fatalf("version 1 code: %d left, %v", left, err)
	}
	m.token = r.NewTokenHash
	if _, _, err := m.backup.Use(ctx, m.user.ID, []ports.CodeHash{unsalted}, m.rotation(t)); !errors.Is(err, ports.ErrCodeRejected) {
		t.Errorf("version 1 code used twice: %v", err)
	}
	if n, err := m.backup.UsersWithUnsaltedCodes(ctx); n != 0 || err != nil {
		t.Errorf("users with unsalted codes after their only one was used = %d, %v; want 0", n, err)
	}
	// Counted per user, unused codes only: Ada has two now, Bob only
	// salted ones.
	m.insertUnsalted(t, "another unsalted")
	m.insertUnsalted(t, "a third unsalted")
	bob, _, _ := m.register(t, "bob@example.com")
	if err := m.backup.Replace(ctx, bob.ID, codeHashes(3)); err != nil {
		t.Fatal(err)
	}
	if n, err := m.backup.UsersWithUnsaltedCodes(ctx); n != 1 || err != nil {
		t.Errorf("users with unsalted codes = %d, %v; want 1", n, err)
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
