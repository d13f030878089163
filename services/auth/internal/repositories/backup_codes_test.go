package repositories_test

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

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
