package main

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"net/http"
	"sync"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/infrastructure/platform/services/auth/config"
	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
	"github.com/infrastructure/platform/services/auth/internal/keyring"
)

// twoReplicas starts two instances of the service on one database. The
// throttles are raised out of the way: these tests are about double
// spending, which must hold with or without them.
func twoReplicas(t *testing.T, clock *fakeClock) (*stack, *stack) {
	t.Helper()
	dbURL := dbtest.New(t)
	env := map[string]string{"THROTTLE_SECOND_FACTOR_FAILURES": "1000", "THROTTLE_IP_FAILURES": "1000"}
	a := newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: env})
	b := newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: env})
	return a, b
}

func TestTOTPReplayAcrossReplicas(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	a, b := twoReplicas(t, clock)
	u := a.enroll(t, clock, "ada@example.com")

	clock.advance()
	code := oathtool(t, u.secret, clock.now())
	onA, _ := a.login(t, u.email, u.password)
	onB, _ := b.login(t, u.email, u.password)
	if r := a.do(t, "POST", "/auth/totp/verify", map[string]string{"code": code}, bearer(onA)); r.status != http.StatusOK {
		t.Fatalf("first use on replica A: %d %s", r.status, r.raw)
	}
	if r := b.do(t, "POST", "/auth/totp/verify", map[string]string{"code": code}, bearer(onB)); r.status != http.StatusUnauthorized || r.body["name"] != "invalid_code" {
		t.Errorf("replay on replica B: %d %s, want 401 invalid_code", r.status, r.raw)
	}
	onA2, _ := a.login(t, u.email, u.password)
	if r := a.do(t, "POST", "/auth/totp/verify", map[string]string{"code": code}, bearer(onA2)); r.status != http.StatusUnauthorized {
		t.Errorf("replay on replica A: %d %s", r.status, r.raw)
	}
}

// race sends one request per session, all at once, alternating replicas,
// and counts the answers by status.
func race(t *testing.T, replicas []*stack, path string, body any, tokens []string) map[int]int {
	t.Helper()
	var (
		wg       sync.WaitGroup
		mu       sync.Mutex
		statuses = map[int]int{}
		start    = make(chan struct{})
	)
	for i, token := range tokens {
		s := replicas[i%len(replicas)]
		wg.Go(func() {
			<-start
			r := s.do(t, "POST", path, body, bearer(token))
			mu.Lock()
			statuses[r.status]++
			mu.Unlock()
		})
	}
	close(start)
	wg.Wait()
	return statuses
}

func sessionsFor(t *testing.T, replicas []*stack, u enrolled, n int) []string {
	t.Helper()
	tokens := make([]string, n)
	for i := range tokens {
		tokens[i], _ = replicas[i%len(replicas)].login(t, u.email, u.password)
	}
	return tokens
}

func TestConcurrentTOTPCodeAcrossReplicas(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	a, b := twoReplicas(t, clock)
	u := a.enroll(t, clock, "ada@example.com")
	tokens := sessionsFor(t, []*stack{a, b}, u, 20)
	clock.advance()
	code := oathtool(t, u.secret, clock.now())

	got := race(t, []*stack{a, b}, "/auth/totp/verify", map[string]string{"code": code}, tokens)
	if got[http.StatusOK] != 1 || got[http.StatusUnauthorized] != 19 {
		t.Errorf("20 concurrent uses of one TOTP code: %v, want exactly one 200 and nineteen 401", got)
	}
}

func TestConcurrentBackupCodeAcrossReplicas(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	a, b := twoReplicas(t, clock)
	u := a.enroll(t, clock, "ada@example.com")
	tokens := sessionsFor(t, []*stack{a, b}, u, 20)

	got := race(t, []*stack{a, b}, "/auth/backup/verify", map[string]string{"code": u.backupCodes[4]}, tokens)
	if got[http.StatusOK] != 1 || got[http.StatusUnauthorized] != 19 {
		t.Errorf("20 concurrent uses of one backup code: %v, want exactly one 200 and nineteen 401", got)
	}
	if p := a.do(t, "GET", "/auth/profile", nil, bearer(u.token)); p.body["backup_codes_remaining"] != float64(9) {
		t.Errorf("profile: %s", p.raw)
	}
}

// TestTamperedSecretsNeverPass changes stored rows as an attacker with
// write access to the database would.
func TestTamperedSecretsNeverPass(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ name, tamper string }{
		{"case=flipped ciphertext byte", "UPDATE totp_credentials SET secret_ciphertext = set_byte(secret_ciphertext, 20, get_byte(secret_ciphertext, 20) # 1)"},
		{"case=unknown key version", "UPDATE totp_credentials SET key_version = key_version # 1"},
		{"case=secret of another user", "UPDATE totp_credentials t SET secret_ciphertext = o.secret_ciphertext FROM totp_credentials o WHERE o.user_id <> t.user_id AND t.user_id = (SELECT id FROM users WHERE email = 'ada@example.com')"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			clock := newFakeClock()
			s := newStack(t, stackOptions{now: clock.now})
			s.enroll(t, clock, "eve@example.com")
			u := s.enroll(t, clock, "ada@example.com")
			execOn(t, s.dbURL, tt.tamper)

			clock.advance()
			aal1, _ := s.login(t, u.email, u.password)
			r := s.do(t, "POST", "/auth/totp/verify", map[string]string{"code": oathtool(t, u.secret, clock.now())}, bearer(aal1))
			if r.status != http.StatusInternalServerError || r.body["message"] != "internal error" {
				t.Errorf("verify with a tampered row: %d %s, want a 500 that tells nothing", r.status, r.raw)
			}
		})
	}
}

// TestRotateKeys re-encrypts every secret under a new key while the old
// one is configured as previous, then serves with the new key alone.
func TestRotateKeys(t *testing.T) {
	t.Parallel()
	clock := newFakeClock()
	dbURL := dbtest.New(t)
	old := newStack(t, stackOptions{dbURL: dbURL, now: clock.now})
	users := []enrolled{old.enroll(t, clock, "ada@example.com"), old.enroll(t, clock, "bob@example.com")}

	newKey := make([]byte, 32)
	_, _ = rand.Read(newKey)
	env := map[string]string{
		"DATABASE_URL":                 dbURL,
		"TOTP_ENCRYPTION_KEY":          base64.StdEncoding.EncodeToString(newKey),
		"TOTP_PREVIOUS_ENCRYPTION_KEY": testKey,
	}
	cfg, _, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if err := rotateKeys(old.logCtx(), cfg); err != nil {
		t.Fatalf("rotate-keys: %v", err)
	}
	keys, _ := keyring.New(newKey, nil)
	var stale int
	conn := rawConn(t, dbURL)
	if err := conn.QueryRow(context.Background(), "SELECT count(*) FROM totp_credentials WHERE key_version <> $1", keys.CurrentVersion()).Scan(&stale); err != nil || stale != 0 {
		t.Fatalf("%d secrets under another key after rotation (%v)", stale, err)
	}
	// Running it again is a no-op.
	if err := rotateKeys(old.logCtx(), cfg); err != nil {
		t.Fatalf("second rotate-keys: %v", err)
	}

	// A replica with only the new key serves TOTP for every user.
	fresh := newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: map[string]string{"TOTP_ENCRYPTION_KEY": env["TOTP_ENCRYPTION_KEY"]}})
	clock.advance()
	for _, u := range users {
		aal1, _ := fresh.login(t, u.email, u.password)
		if r := fresh.do(t, "POST", "/auth/totp/verify", map[string]string{"code": oathtool(t, u.secret, clock.now())}, bearer(aal1)); r.status != http.StatusOK {
			t.Errorf("%s after rotation: %d %s", u.email, r.status, r.raw)
		}
	}
	// With both keys, backup codes hashed under the previous key still work.
	both := newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: map[string]string{
		"TOTP_ENCRYPTION_KEY": env["TOTP_ENCRYPTION_KEY"], "TOTP_PREVIOUS_ENCRYPTION_KEY": testKey,
	}})
	aal1, _ := both.login(t, users[0].email, users[0].password)
	if r := both.do(t, "POST", "/auth/backup/verify", map[string]string{"code": users[0].backupCodes[0]}, bearer(aal1)); r.status != http.StatusOK {
		t.Errorf("backup code under the previous key: %d %s", r.status, r.raw)
	}
}

// execOn runs a statement on a test database.
func execOn(t *testing.T, dbURL, sql string) {
	t.Helper()
	conn, err := pgx.Connect(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(context.Background())
	tag, err := conn.Exec(context.Background(), sql)
	if err != nil || tag.RowsAffected() == 0 {
		t.Fatalf("%s: %v (%d rows)", sql, err, tag.RowsAffected())
	}
}
