package repositories_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// feed runs the revocation feed of f's database until the test ends.
func (f fixture) feed(t *testing.T) *repositories.Revocations {
	t.Helper()
	r := repositories.NewRevocations(f.pool)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { r.Run(ctx); close(done) }()
	t.Cleanup(func() { cancel(); <-done })
	return r
}

// subscribe waits until the feed is live and subscribes.
func subscribe(t *testing.T, r *repositories.Revocations) ports.Subscription {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	for deadline := time.Now().Add(10 * time.Second); ; time.Sleep(10 * time.Millisecond) {
		sub, err := r.Subscribe(ctx)
		if err == nil {
			return sub
		}
		if !errors.Is(err, ports.ErrUnavailable) || time.Now().After(deadline) {
			t.Fatalf("subscribe: %v", err)
		}
	}
}

// next returns the next change, failing after a while.
func next(t *testing.T, sub ports.Subscription) ports.Change {
	t.Helper()
	select {
	case c, ok := <-sub.Events:
		if !ok {
			t.Fatal("the subscription closed")
		}
		return c
	case <-time.After(5 * time.Second):
		t.Fatal("no change within 5s")
	}
	return ports.Change{}
}

func TestRevocationsUserEvents(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.feed(t)
	sub := subscribe(t, r)
	u, _, _ := f.register(t, "ada@example.com")

	for _, tt := range []struct {
		name string
		sql  string
	}{
		{"case=MFA turned on", "UPDATE users SET mfa_enabled = true WHERE id = $1"},
		{"case=MFA turned off", "UPDATE users SET mfa_enabled = false WHERE id = $1"},
		{"case=new email", "UPDATE users SET email = 'ada@example.org' WHERE id = $1"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			since := r.Mark()
			f.exec(t, tt.sql, u.ID)
			if c := next(t, sub); c != (ports.Change{ID: u.ID, User: true}) {
				t.Fatalf("change %+v, want the user %s", c, u.ID)
			}
			sub.Ack(u.ID)
			r.Await(context.Background(), since, u.ID)
		})
	}
	// An update that changes neither reports nothing; the next session
	// change is the next event.
	f.exec(t, "UPDATE users SET mfa_enabled = mfa_enabled WHERE id = $1", u.ID)
	_, s, _ := f.register(t, "bob@example.com")
	if err := f.sessions.Revoke(context.Background(), s.ID); err != nil {
		t.Fatal(err)
	}
	if c := next(t, sub); c != (ports.Change{ID: s.ID}) {
		t.Errorf("change %+v, want the session %s", c, s.ID)
	}
}

// TestRevokeEndedSession: revoking a session that already ended changes
// nothing (nobody can hold it as valid) and leaves no waiter behind.
func TestRevokeEndedSession(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.feed(t)
	_ = subscribe(t, r)
	ctx := context.Background()
	u, ended, _ := f.register(t, "ada@example.com")
	live, err := f.sessions.Create(ctx, newSession(t, u.ID))
	if err != nil {
		t.Fatal(err)
	}
	f.exec(t, "UPDATE sessions SET idle_expires_at = now() - interval '1 minute', expires_at = now() - interval '1 minute' WHERE id = $1", ended.ID)

	if err := f.sessions.Revoke(ctx, ended.ID); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("revoke an expired session: %v, want ErrNotFound", err)
	}
	if err := f.sessions.RevokeOwn(ctx, ended.ID, u.ID); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("revoke an expired own session: %v, want ErrNotFound", err)
	}
	ids, err := f.sessions.RevokeAll(ctx, u.ID)
	if err != nil || len(ids) != 1 || ids[0] != live.ID {
		t.Errorf("RevokeAll = %v, %v; want only the live session %s", ids, err, live.ID)
	}

	// An Await for a change that never comes gives up at its bound and
	// leaves nothing behind.
	r.Await(ctx, r.Mark(), uuid.New(), uuid.New())
	if n := r.Waiters(); n != 0 {
		t.Errorf("%d waiters left behind", n)
	}
}

// TestSilentSubscriberIsCutOff: a subscriber that never acknowledges is
// cut off when a revoking call has waited the bound for it, so that it
// slows no later call; the subscriber that acknowledges stays.
func TestSilentSubscriberIsCutOff(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	r := f.feed(t)
	silent, polite := subscribe(t, r), subscribe(t, r)
	go func() {
		for c := range polite.Events {
			polite.Ack(c.ID)
		}
	}()
	ctx := context.Background()
	_, s, _ := f.register(t, "ada@example.com")
	since := r.Mark()
	if err := f.sessions.Revoke(ctx, s.ID); err != nil {
		t.Fatal(err)
	}
	r.Await(ctx, since, s.ID)
	// The silent subscriber got the event, never acknowledged it, and its
	// subscription is closed.
	if c := next(t, silent); c.ID != s.ID {
		t.Errorf("silent subscriber got %+v", c)
	}
	select {
	case _, ok := <-silent.Events:
		if ok {
			t.Error("the silent subscription got another event")
		}
	case <-time.After(5 * time.Second):
		t.Fatal("the silent subscription was not closed")
	}
	if n := r.Subscribers(); n != 1 {
		t.Errorf("%d subscribers, want the polite one only", n)
	}
}
