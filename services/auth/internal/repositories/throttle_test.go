package repositories_test

import (
	"context"
	"errors"
	"fmt"
	"net/netip"
	"sync"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// testLimits are small limits for the throttle's tests.
var testLimits = ports.Limits{
	LoginFailures: 3, LoginWindow: time.Hour,
	SecondFactorFailures: 1000, SecondFactorWindow: time.Hour,
	IPFailures: 5, IPWindow: time.Hour,
	Registrations: 1000, RegistrationWindow: time.Hour,
	KnownIPMemory: time.Hour, IPv6Prefix: 64, LockoutFailures: 3, RefusalBucket: time.Minute,
}

func TestLimitsNetwork(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		ip     string
		prefix int
		want   string
	}{
		{"203.0.113.7", 64, "203.0.113.7"},
		{"::ffff:203.0.113.7", 64, "203.0.113.7"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 64, "2001:db8:1:2::"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 48, "2001:db8:1::"},
		{"2001:db8:1:2:aaaa:bbbb:cccc:dddd", 128, "2001:db8:1:2:aaaa:bbbb:cccc:dddd"},
	} {
		l := ports.Limits{IPv6Prefix: tt.prefix}
		if got := l.Network(netip.MustParseAddr(tt.ip)); got.String() != tt.want {
			t.Errorf("Network(%s) /%d = %s, want %s", tt.ip, tt.prefix, got, tt.want)
		}
	}
}

// TestRotatingIPv6 counts one /64 as one client, however many addresses
// it uses.
func TestRotatingIPv6(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	th := repositories.NewThrottle(f.pool, testLimits)
	ctx := context.Background()
	fail := func(ip string, account string) error {
		id, err := th.Begin(ctx, ports.Attempt{Kind: ports.KindLogin, Account: account, IP: netip.MustParseAddr(ip)})
		if err != nil {
			return err
		}
		_, err = th.Finish(ctx, id, ports.OutcomeFailure, uuid.Nil)
		return err
	}
	for i := range testLimits.IPFailures {
		if err := fail(fmt.Sprintf("2001:db8:1:2::%x", i+1), fmt.Sprint("victim", i, "@example.com")); err != nil {
			t.Fatalf("failure %d: %v", i, err)
		}
	}
	var limited *ports.RateLimitedError
	if err := fail("2001:db8:1:2:ffff:ffff:ffff:ffff", "fresh@example.com"); !errors.As(err, &limited) {
		t.Errorf("a new address in the same /64: %v, want rate limited", err)
	}
	if err := fail("2001:db8:1:3::1", "fresh@example.com"); err != nil {
		t.Errorf("another /64: %v, want it counted apart", err)
	}
}

// TestBusyCountsAgainstTheNetwork: logins refused for want of a hashing
// slot use up their network's budget, not the account's.
func TestBusyCountsAgainstTheNetwork(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	th := repositories.NewThrottle(f.pool, testLimits)
	ctx := context.Background()
	flooder := netip.MustParseAddr("198.51.100.9")
	for range testLimits.IPFailures {
		id, err := th.Begin(ctx, ports.Attempt{Kind: ports.KindLogin, Account: "ada@example.com", IP: flooder})
		if err != nil {
			t.Fatal(err)
		}
		if _, err := th.Finish(ctx, id, ports.OutcomeBusy, uuid.Nil); err != nil {
			t.Fatal(err)
		}
	}
	var limited *ports.RateLimitedError
	if _, err := th.Begin(ctx, ports.Attempt{Kind: ports.KindLogin, Account: "bob@example.com", IP: flooder}); !errors.As(err, &limited) {
		t.Errorf("the flooding address: %v, want rate limited", err)
	}
	if _, err := th.Begin(ctx, ports.Attempt{Kind: ports.KindLogin, Account: "ada@example.com", IP: netip.MustParseAddr("203.0.113.1")}); err != nil {
		t.Errorf("the account from elsewhere: %v, want its budget untouched", err)
	}
}

// TestRefusalsAreAggregated: 10,000 refused attempts add a bounded number
// of rows, and the activity still counts every one.
func TestRefusalsAreAggregated(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	th := repositories.NewThrottle(f.pool, testLimits)
	ctx := context.Background()
	u, _, _ := f.register(t, "ada@example.com")
	ip := netip.MustParseAddr("198.51.100.9")
	attempt := ports.Attempt{Kind: ports.KindLogin, Account: "ada@example.com", IP: ip}
	for range testLimits.LoginFailures {
		id, err := th.Begin(ctx, attempt)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := th.Finish(ctx, id, ports.OutcomeFailure, u.ID); err != nil {
			t.Fatal(err)
		}
	}
	const flood = 10000
	var wg sync.WaitGroup
	errs := make(chan error, flood)
	for w := range 8 {
		wg.Go(func() {
			for i := w; i < flood; i += 8 {
				_, err := th.Begin(ctx, attempt)
				var limited *ports.RateLimitedError
				if !errors.As(err, &limited) {
					errs <- fmt.Errorf("attempt %d: %v, want rate limited", i, err)
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	var rows, repeats int
	if err := f.pool.QueryRow(ctx, "SELECT count(*), sum(repeats) FROM auth_attempts").Scan(&rows, &repeats); err != nil {
		t.Fatal(err)
	}
	// The three failures, then one row per minute of refusals (the flood
	// may straddle a minute boundary of its bucket, hardly more).
	if rows > testLimits.LoginFailures+3 || repeats != testLimits.LoginFailures+flood {
		t.Errorf("%d rows standing for %d attempts, want at most %d rows for %d", rows, repeats, testLimits.LoginFailures+3, testLimits.LoginFailures+flood)
	}
	events, err := th.Activity(ctx, u.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	seen := 0
	for _, e := range events {
		seen += e.Repeats
	}
	if seen != testLimits.LoginFailures+flood {
		t.Errorf("activity shows %d attempts, want %d", seen, testLimits.LoginFailures+flood)
	}
}

// TestSecondFactorLockout: consecutive failures lock the factor, a success
// resets the count, Unlock lifts the lock; each event is in the activity.
func TestSecondFactorLockout(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	limits := testLimits
	limits.IPFailures = 100 // the address is not what this test limits
	th := repositories.NewThrottle(f.pool, limits)
	ctx := context.Background()
	u, _, _ := f.register(t, "ada@example.com")
	ip := netip.MustParseAddr("203.0.113.7")
	try := func(outcome ports.Outcome) (bool, error) {
		id, err := th.Begin(ctx, ports.Attempt{Kind: ports.KindTOTP, Account: "user:" + u.ID.String(), UserID: u.ID, IP: ip})
		if err != nil {
			return false, err
		}
		return th.Finish(ctx, id, outcome, u.ID)
	}
	steps := []struct {
		outcome    ports.Outcome
		wantLocked bool
	}{
		{ports.OutcomeFailure, false}, {ports.OutcomeFailure, false},
		{ports.OutcomeSuccess, false}, // resets the count
		{ports.OutcomeFailure, false}, {ports.OutcomeFailure, false},
		{ports.OutcomeFailure, true}, // the third in a row
	}
	for i, st := range steps {
		locked, err := try(st.outcome)
		if err != nil || locked != st.wantLocked {
			t.Fatalf("step %d (%s): locked %v, %v; want %v", i, st.outcome, locked, err, st.wantLocked)
		}
	}
	if _, err := try(ports.OutcomeSuccess); !errors.Is(err, ports.ErrSecondFactorLocked) {
		t.Fatalf("after the lockout: %v, want ErrSecondFactorLocked", err)
	}
	if err := th.Unlock(ctx, uuid.New(), "spiffe://platform/operator"); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("Unlock of an unknown user: %v", err)
	}
	if err := th.Unlock(ctx, u.ID, "spiffe://platform/operator"); err != nil {
		t.Fatal(err)
	}
	if _, err := try(ports.OutcomeSuccess); err != nil {
		t.Errorf("after Unlock: %v", err)
	}
	events, err := th.Activity(ctx, u.ID, 50)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []ports.AttemptKind
	for _, e := range events {
		if e.Kind == ports.KindSecondFactorLocked || e.Kind == ports.KindSecondFactorUnlocked {
			kinds = append(kinds, e.Kind)
		}
	}
	if len(kinds) != 2 || kinds[0] != ports.KindSecondFactorUnlocked || kinds[1] != ports.KindSecondFactorLocked {
		t.Errorf("account events, newest first: %v", kinds)
	}
}
