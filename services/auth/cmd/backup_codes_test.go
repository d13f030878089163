package main

import (
	"bytes"
	"context"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/internal/keyring"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// storedCode is a backup code row as the database holds it.
type storedCode struct {
	UserID      uuid.UUID
	CodeHash    []byte
	HashVersion int16
	Used        bool
}

// storedCodes reads every backup code row, ordered by user.
func storedCodes(t *testing.T, conn *pgx.Conn) []storedCode {
	t.Helper()
	rows, err := conn.Query(context.Background(),
		"SELECT user_id, code_hash, hash_version, used_at IS NOT NULL FROM backup_codes ORDER BY user_id, code_hash")
	if err != nil {
		t.Fatal(err)
	}
	codes, err := pgx.CollectRows(rows, pgx.RowToStructByPos[storedCode])
	if err != nil {
		t.Fatal(err)
	}
	return codes
}

// userID returns the id of the account with email.
func userID(t *testing.T, conn *pgx.Conn, email string) uuid.UUID {
	t.Helper()
	var id uuid.UUID
	if err := conn.QueryRow(context.Background(), "SELECT id FROM users WHERE email = $1", email).Scan(&id); err != nil {
		t.Fatalf("user %s: %v", email, err)
	}
	return id
}

// requireHashVersions fails unless every stored code is of version want.
func requireHashVersions(t *testing.T, codes []storedCode, want int16) {
	t.Helper()
	for _, c := range codes {
		if c.HashVersion != want {
			t.Errorf("a code of %s is stored under hash version %d, want %d", c.UserID, c.HashVersion, want)
		}
	}
}

// useBackupCode signs in anew and steps up with code.
func (s *stack) useBackupCode(t *testing.T, u enrolled, code string) response {
	t.Helper()
	aal1, _ := s.login(t, u.email, u.password)
	return s.do(t, "POST", "/auth/backup/verify", map[string]string{"code": code}, bearer(aal1))
}

// TestBackupCodesSaltedPerUser stores one code for two users the way the
// service stores new codes, reads the hashes back from the database, and
// uses the code once as each user.
func TestBackupCodesSaltedPerUser(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now})
	users := []enrolled{s.enroll(t, clock, "ada@example.com"), s.enroll(t, clock, "bob@example.com")}
	conn := rawConn(t, s.dbURL)

	// The codes made at enrollment are salted (version 2).
	codes := storedCodes(t, conn)
	if len(codes) != 20 {
		t.Fatalf("%d codes stored, want 20", len(codes))
	}
	requireHashVersions(t, codes, int16(ports.CodeHashV2))

	keys, err := keyring.New(s.cfg.TOTPEncryptionKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	pool, err := pgxpool.New(ctx, s.dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	repo := repositories.NewBackupCodes(pool)
	const code = "k7vq2m9xr4"
	for _, u := range users {
		id := userID(t, conn, u.email)
		if err := repo.Replace(ctx, id, []ports.CodeHash{keys.HashCode(id, code)}); err != nil {
			t.Fatal(err)
		}
	}
	codes = storedCodes(t, conn)
	if len(codes) != 2 || codes[0].UserID == codes[1].UserID {
		t.Fatalf("stored codes = %+v, want one per user", codes)
	}
	requireHashVersions(t, codes, int16(ports.CodeHashV2))
	if bytes.Equal(codes[0].CodeHash, codes[1].CodeHash) {
		t.Errorf("one code of two users is stored under one hash %x: a sweep of the code space would find both", codes[0].CodeHash)
	}

	for _, u := range users {
		if r := s.useBackupCode(t, u, "K7VQ2-M9XR4"); r.status != http.StatusOK || r.body["remaining"] != float64(0) {
			t.Errorf("%s: the shared code: %d %s", u.email, r.status, r.raw)
		}
		if r := s.useBackupCode(t, u, code); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_code" {
			t.Errorf("%s: the shared code again: %d %s", u.email, r.status, r.raw)
		}
	}
}

// unsaltedHash is a backup code's hash as the release before migration
// 0006 computed it, recomputed here from the master key with the standard
// library alone: HMAC-SHA256 of the code under the key derived by HKDF.
func unsaltedHash(t *testing.T, master []byte, code string) []byte {
	t.Helper()
	key, err := hkdf.Key(sha256.New, master, nil, "auth/backup-code-hmac-sha256/v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, key)
	m.Write([]byte(code))
	return m.Sum(nil)
}

// TestUnsaltedBackupCodes stores codes the way the release before
// migration 0006 did: they still work, once each, rotate-keys counts
// their user, and regenerating replaces them with salted ones.
func TestUnsaltedBackupCodes(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now})
	u := s.enroll(t, clock, "ada@example.com")
	s.enroll(t, clock, "bob@example.com")
	conn := rawConn(t, s.dbURL)
	id := userID(t, conn, u.email)
	keys, err := keyring.New(s.cfg.TOTPEncryptionKey, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := conn.Exec(ctx, "DELETE FROM backup_codes WHERE user_id = $1", id); err != nil {
		t.Fatal(err)
	}
	old := []string{"k7vq2m9xr4", "3hd8w0pzc6"}
	for _, c := range old {
		// No hash version: the previous release did not know the column.
		if _, err := conn.Exec(ctx, "INSERT INTO backup_codes (user_id, code_hash, key_version) VALUES ($1, $2, $3)",
			id, unsaltedHash(t, s.cfg.TOTPEncryptionKey, c), keys.CurrentVersion()); err != nil {
			t.Fatal(err)
		}
	}

	if r := s.useBackupCode(t, u, "k7vq2-m9xr4"); r.status != http.StatusOK || r.body["remaining"] != float64(1) {
		t.Fatalf("an unsalted code: %d %s", r.status, r.raw)
	}
	if r := s.useBackupCode(t, u, "k7vq2-m9xr4"); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_code" {
		t.Errorf("an unsalted code used twice: %d %s", r.status, r.raw)
	}
	rot, err := rotate(s.logCtx(), s.cfg)
	if err != nil {
		t.Fatal(err)
	}
	if rot.unsalted != 1 || rot.underOtherKeys != 0 {
		t.Errorf("rotate-keys counts %d users with unsalted codes and %d under another key; want 1 (Ada, one code left) and 0", rot.unsalted, rot.underOtherKeys)
	}
	if err := rotateKeys(s.logCtx(), s.cfg); err != nil {
		t.Fatal(err)
	}
	if logs := s.logs.String(); !strings.Contains(logs, `"users_with_unsalted_backup_codes":1`) {
		t.Errorf("rotate-keys does not report the users with unsalted codes:\n%s", logs)
	}

	// Regenerating makes a salted set; the unsalted code left is dead.
	regen := s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": u.password}, bearer(u.token))
	if regen.status != http.StatusOK {
		t.Fatalf("regenerate: %d %s", regen.status, regen.raw)
	}
	requireHashVersions(t, storedCodes(t, conn), int16(ports.CodeHashV2))
	if r := s.useBackupCode(t, u, old[1]); r.status != http.StatusUnauthorized {
		t.Errorf("an unsalted code after regenerating: %d %s", r.status, r.raw)
	}
	if rot, err := rotate(s.logCtx(), s.cfg); err != nil || rot.unsalted != 0 {
		t.Errorf("rotate-keys after regenerating: %d users with unsalted codes, %v; want 0", rot.unsalted, err)
	}
}

// TestBackupRegenerateAsksForThePassword: regenerating needs the password
// again, and a wrong one is a failed login of the account: it spends the
// same budget, after which even the right password is refused, at login
// as here.
func TestBackupRegenerateAsksForThePassword(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	s := newStack(t, stackOptions{now: clock.now, env: map[string]string{"THROTTLE_LOGIN_FAILURES": "3", "THROTTLE_LOGIN_WINDOW": "1h"}})
	u := s.enroll(t, clock, "ada@example.com")
	for _, tt := range []struct{ name, body string }{
		{"case=no body", ""},
		{"case=no password", `{}`},
		{"case=password over the bound", `{"password": "` + strings.Repeat("a", 1025) + `"}`},
		{"case=password not a string", `{"password": 12345678}`},
		{"case=unknown field", `{"password": "` + testPassword + `", "passwrod": "` + testPassword + `"}`},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if r := s.do(t, "POST", "/auth/backup/regenerate", tt.body, bearer(u.token)); r.status != http.StatusBadRequest || r.body["name"] != "invalid_input" {
				t.Errorf("%d %s, want 400 invalid_input", r.status, r.raw)
			}
		})
	}
	for i := range 3 {
		r := s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": fmt.Sprint("wrong-password-", i)}, bearer(u.token))
		if r.status != http.StatusUnauthorized || r.body["name"] != "invalid_credentials" {
			t.Fatalf("wrong password %d: %d %s, want 401 invalid_credentials", i, r.status, r.raw)
		}
	}
	retryAfter(t, s.do(t, "POST", "/auth/backup/regenerate", map[string]string{"password": u.password}, bearer(u.token)))
	retryAfter(t, s.do(t, "POST", "/auth/login", creds(u.email, u.password), nil))
	// Nothing changed: the first set is whole, and the session still
	// stands (a wrong password is no reason to end it).
	p := s.do(t, "GET", "/auth/profile", nil, bearer(u.token))
	if p.status != http.StatusOK || p.body["backup_codes_remaining"] != float64(10) {
		t.Errorf("profile after refused regenerations: %d %s", p.status, p.raw)
	}
	if logs := s.logs.String(); strings.Contains(logs, "wrong-password-") || strings.Contains(logs, u.password) {
		t.Error("a password tried appears in the logs")
	}
}
