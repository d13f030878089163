package janitor_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
	"github.com/infrastructure/platform/services/auth/internal/janitor"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// TestSweepDeletesOnlyLongEndedSessions runs the clean-up against a real
// database holding sessions in every state.
func TestSweepDeletesOnlyLongEndedSessions(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	ctx := context.Background()
	exec := func(sql string) {
		t.Helper()
		if _, err := pool.Exec(ctx, sql); err != nil {
			t.Fatalf("%s: %v", sql, err)
		}
	}
	exec(`INSERT INTO users (email, password_hash) VALUES ('ada@example.com', 'x')`)
	insert := func(n int, idle, abs, revoked string) {
		for range n {
			exec(fmt.Sprintf(`INSERT INTO sessions (user_id, token_hash, idle_expires_at, expires_at, revoked_at)
				SELECT id, sha256(gen_random_uuid()::text::bytea), %s, %s, %s FROM users`, idle, abs, revoked))
		}
	}
	old := "now() - interval '8 days'"
	insert(3, "now() + interval '1 hour'", "now() + interval '2 hours'", "NULL")                      // live
	insert(2, "now() - interval '1 day'", "now() + interval '2 hours'", "NULL")                       // ended recently
	insert(5, old, "now() + interval '2 hours'", "NULL")                                              // idle long ago
	insert(4, old, old, "NULL")                                                                       // expired long ago
	insert(3, "now() + interval '1 hour'", "now() + interval '2 hours'", "now() - interval '8 days'") // revoked long ago

	o := janitor.Options{Batch: 5, Pause: time.Millisecond}
	n, err := janitor.Sweep(ctx, repositories.NewSessions(pool), time.Now().Add(-7*24*time.Hour), o)
	if err != nil {
		t.Fatal(err)
	}
	if n != 12 {
		t.Errorf("deleted %d sessions, want 12", n)
	}
	var left int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM sessions").Scan(&left); err != nil || left != 5 {
		t.Errorf("%d sessions left (%v), want the 3 live and 2 recent ones", left, err)
	}
}

// TestRunStopsWithItsContext checks that the loop ends with the service.
func TestRunStopsWithItsContext(t *testing.T) {
	t.Parallel()
	pool := dbtest.NewPool(t)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		janitor.Run(ctx, repositories.NewSessions(pool), janitor.Options{Every: time.Millisecond, Retention: time.Hour, Batch: 10})
		close(done)
	}()
	time.Sleep(20 * time.Millisecond)
	cancel()
	<-done
}
