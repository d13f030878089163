package client

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 28, 12, 0, 0, 0, time.UTC)

func identity(session string, expires time.Time) Identity {
	return Identity{SessionID: session, UserID: "u", Email: "ada@example.com", AAL: AAL1, ExpiresAt: expires}
}

func liveCache(size int, ttl time.Duration) *cache {
	c := newCache(size, ttl)
	c.setEnabled(true)
	return c
}

func TestCacheAnswersOnlyWhileEnabled(t *testing.T) {
	t.Parallel()
	c := newCache(10, time.Minute)
	k := keyOf("token")
	c.put(k, identity("s1", t0.Add(time.Hour)), c.generation(), t0)
	if _, ok := c.get(k, t0); ok {
		t.Fatal("a disabled cache stored or answered")
	}
	c.setEnabled(true)
	c.put(k, identity("s1", t0.Add(time.Hour)), c.generation(), t0)
	if _, ok := c.get(k, t0); !ok {
		t.Fatal("an enabled cache did not answer")
	}
	c.setEnabled(false) // the stream broke
	c.setEnabled(true)  // and came back: nothing from before survives
	if _, ok := c.get(k, t0); ok {
		t.Error("an entry survived a broken stream")
	}
}

func TestCacheExpiry(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		session time.Time // the session's own expiry
		at      time.Time
		want    bool
	}{
		{"case=fresh", t0.Add(time.Hour), t0.Add(59 * time.Second), true},
		{"case=past the ttl", t0.Add(time.Hour), t0.Add(time.Minute), false},
		{"case=past the session expiry", t0.Add(10 * time.Second), t0.Add(10 * time.Second), false},
		{"case=before the session expiry", t0.Add(10 * time.Second), t0.Add(9 * time.Second), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			c := liveCache(10, time.Minute)
			k := keyOf("token")
			c.put(k, identity("s1", tt.session), c.generation(), t0)
			if _, ok := c.get(k, tt.at); ok != tt.want {
				t.Errorf("get = %v, want %v", ok, tt.want)
			}
		})
	}
}

func TestCacheIsBounded(t *testing.T) {
	t.Parallel()
	c := liveCache(3, time.Minute)
	for i := range 5 {
		c.put(keyOf(fmt.Sprint(i)), identity(fmt.Sprint("s", i), t0.Add(time.Hour)), c.generation(), t0)
		if i == 2 {
			c.get(keyOf("0"), t0) // recently used: kept
		}
	}
	if n := c.len(); n != 3 {
		t.Fatalf("len = %d, want 3", n)
	}
	for _, k := range []string{"0", "3", "4"} {
		if _, ok := c.get(keyOf(k), t0); !ok {
			t.Errorf("%s evicted, want it kept", k)
		}
	}
	if len(c.byID) != 4 {
		t.Errorf("the index holds %d ids, want 4 (3 sessions, 1 user)", len(c.byID))
	}
}

func TestCacheInvalidate(t *testing.T) {
	t.Parallel()
	c := liveCache(10, time.Minute)
	c.put(keyOf("a"), identity("s1", t0.Add(time.Hour)), c.generation(), t0)
	c.put(keyOf("b"), identity("s2", t0.Add(time.Hour)), c.generation(), t0)
	c.invalidate("s1")
	if _, ok := c.get(keyOf("a"), t0); ok {
		t.Error("an invalidated session answered")
	}
	if _, ok := c.get(keyOf("b"), t0); !ok {
		t.Error("another session was dropped")
	}
}

func TestCacheInvalidateUser(t *testing.T) {
	t.Parallel()
	c := liveCache(10, time.Minute)
	ada1, ada2, bob := identity("s1", t0.Add(time.Hour)), identity("s2", t0.Add(time.Hour)), identity("s3", t0.Add(time.Hour))
	ada1.UserID, ada2.UserID, bob.UserID = "ada", "ada", "bob"
	c.put(keyOf("a"), ada1, c.generation(), t0)
	c.put(keyOf("b"), ada2, c.generation(), t0)
	c.put(keyOf("c"), bob, c.generation(), t0)
	c.invalidate("ada") // MFA turned on or off
	for _, k := range []string{"a", "b"} {
		if _, ok := c.get(keyOf(k), t0); ok {
			t.Errorf("session %s of the changed user answered", k)
		}
	}
	if _, ok := c.get(keyOf("c"), t0); !ok {
		t.Error("another user's session was dropped")
	}
	if len(c.byID) != 2 {
		t.Errorf("the index holds %d ids after the invalidation, want 2", len(c.byID))
	}
}

// TestCacheRefusesAnswersThatRacedARevocation: an answer obtained before a
// revocation arrived must not be stored after it.
func TestCacheRefusesAnswersThatRacedARevocation(t *testing.T) {
	t.Parallel()
	c := liveCache(10, time.Minute)
	gen := c.generation()                                         // the validation is sent...
	c.invalidate("s1")                                            // ...the revocation arrives...
	c.put(keyOf("a"), identity("s1", t0.Add(time.Hour)), gen, t0) // ...then the answer
	if _, ok := c.get(keyOf("a"), t0); ok {
		t.Error("a stale answer was cached")
	}
}
