package main

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
	"github.com/infrastructure/platform/services/auth/internal/mail/mailtest"
)

// pgBouncer runs PgBouncer (Debian's, 1.18) in transaction mode in front
// of the database of dbURL, with poolSize server connections, until the
// end of the test; it returns the URL of the database through it.
func pgBouncer(t *testing.T, dbURL string, poolSize int) string {
	t.Helper()
	bin, err := exec.LookPath("pgbouncer")
	if err != nil {
		bin = "/usr/sbin/pgbouncer"
		if _, err := os.Stat(bin); err != nil {
			t.Fatal("pgbouncer is not installed: scripts/install-deps.sh pgbouncer")
		}
	}
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	pass, _ := u.User.Password()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	// PgBouncer refuses to run as root; as root it is started as nobody,
	// so its directory must be readable by all.
	dir, err := os.MkdirTemp("", "pgbouncer")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	if err := os.Chmod(dir, 0o777); err != nil {
		t.Fatal(err)
	}
	ini := fmt.Sprintf(`[databases]
auth = host=%s port=%s dbname=%s user=%s password=%s
[pgbouncer]
listen_addr = 127.0.0.1
listen_port = %d
unix_socket_dir =
auth_type = any
pool_mode = transaction
default_pool_size = %d
max_client_conn = 200
ignore_startup_parameters = extra_float_digits
logfile = %s
pidfile = %s
`, u.Hostname(), u.Port(), strings.TrimPrefix(u.Path, "/"), u.User.Username(), pass, port, poolSize,
		filepath.Join(dir, "pgbouncer.log"), filepath.Join(dir, "pgbouncer.pid"))
	path := filepath.Join(dir, "pgbouncer.ini")
	if err := os.WriteFile(path, []byte(ini), 0o644); err != nil {
		t.Fatal(err)
	}
	args := []string{path}
	if os.Getuid() == 0 {
		args = []string{"-u", "nobody", path}
	}
	cmd := exec.Command(bin, args...)
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	through := fmt.Sprintf("postgres://%s:%s@127.0.0.1:%d/auth?sslmode=disable", u.User.Username(), pass, port)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(50 * time.Millisecond) {
		conn, err := pgx.Connect(context.Background(), through)
		if err == nil {
			conn.Close(context.Background())
			return through
		}
		if time.Now().After(deadline) {
			log, _ := os.ReadFile(filepath.Join(dir, "pgbouncer.log"))
			t.Fatalf("pgbouncer did not answer: %v\n%s", err, log)
		}
	}
}

// TestThroughPgBouncer: with DATABASE_URL through PgBouncer in transaction
// mode and DATABASE_DIRECT_URL straight to PostgreSQL, everything works:
// migrations, register (with its mail), login, TOTP, a backup code, and a
// logout that a sibling's cache hears of (the feed LISTENs on the direct
// connection). PgBouncer has fewer server connections than the service has
// clients, so that transactions of different clients share them.
func TestThroughPgBouncer(t *testing.T) {
	t.Parallel()
	dbURL := dbtest.New(t)
	through := pgBouncer(t, dbURL, 2)

	// The premise: pgx's default statement cache does not survive
	// transaction pooling (two clients prepare the same statement on one
	// server connection).
	t.Run("case=statement cache through the pooler", func(t *testing.T) {
		var errs []error
		for range 2 {
			conn, err := pgx.Connect(context.Background(), through)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Close(context.Background())
			var n int
			errs = append(errs, conn.QueryRow(context.Background(), "SELECT count(*) FROM pg_class WHERE relpages > $1", 0).Scan(&n))
		}
		if errs[0] != nil || errs[1] == nil {
			t.Skipf("the statement cache did not collide this time (%v): the premise needs both clients on one server connection", errs)
		}
	})

	smtp := mailtest.Start(t)
	clock := newFakeClock()
	s := newStack(t, stackOptions{dbURL: dbURL, now: clock.now, env: map[string]string{
		"DATABASE_URL": through, "DATABASE_DIRECT_URL": dbURL, "SMTP_URL": "smtp://" + smtp.Addr,
	}})
	if s.cfg.DatabaseExecMode != "exec" {
		t.Fatalf("exec mode %q, want exec by default behind a pooler", s.cfg.DatabaseExecMode)
	}
	c := newClient(t, s)
	u := s.enroll(t, clock, "ada@example.com")
	if _, ok := smtp.Wait(u.email, mailWait, "Subject: Verify your email address"); !ok {
		t.Error("no verification mail through the pooler")
	}
	for range 20 { // more clients than server connections
		if r := s.do(t, "GET", "/auth/profile", nil, bearer(u.token)); r.status != http.StatusOK {
			t.Fatalf("profile: %d %s", r.status, r.raw)
		}
	}
	if r := s.useBackupCode(t, u, u.backupCodes[0]); r.status != http.StatusOK {
		t.Fatalf("backup code: %d %s", r.status, r.raw)
	}
	if _, err := c.Validate(context.Background(), u.token); err != nil {
		t.Fatal(err)
	}
	if r := s.do(t, "POST", "/auth/logout", nil, bearer(u.token)); r.status != http.StatusNoContent {
		t.Fatalf("logout: %d %s", r.status, r.raw)
	}
	if _, err := c.Validate(context.Background(), u.token); err == nil {
		t.Error("the sibling's cache still vouches for a logged-out session")
	}
	if r := s.do(t, "GET", "/healthz", nil, nil); r.status != http.StatusOK {
		t.Errorf("healthz: %d %s", r.status, r.raw)
	}
}
