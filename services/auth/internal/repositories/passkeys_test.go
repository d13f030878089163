package repositories_test

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"net/netip"
	"sync"
	"testing"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

var testIP = netip.MustParseAddr("203.0.113.7")

// newPasskey is a passkey of the user with a random credential id.
func newPasskey(userID uuid.UUID, count uint32) ports.Passkey {
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return ports.Passkey{
		UserID: userID, CredentialID: id, PublicKey: []byte("cose key"), AttestationType: "none",
		SignCount: count, Transports: []string{"internal"}, Name: "Laptop", UserVerified: true,
	}
}

// registerPasskey stores a passkey for the fixture's user and follows the
// rotated session.
func (m *mfaFixture) registerPasskey(t *testing.T, p *repositories.Passkeys, count uint32, codes []ports.CodeHash) (ports.Passkey, bool) {
	t.Helper()
	rot := m.rotation(t)
	stored, stored2, _, err := p.Register(context.Background(), ports.PasskeyRegistration{
		Passkey: newPasskey(m.user.ID, count), BackupCodes: codes, Rotation: rot, IP: testIP,
	})
	if err != nil {
		t.Fatalf("Register: %v", err)
	}
	m.token = rot.NewTokenHash
	return stored, stored2
}

func (m *mfaFixture) mfaEnabled(t *testing.T) bool {
	t.Helper()
	u, err := m.users.ByID(context.Background(), m.user.ID)
	if err != nil {
		t.Fatal(err)
	}
	return u.MFAEnabled
}

func TestPasskeyRegister(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	p := repositories.NewPasskeys(m.pool)
	ctx := context.Background()

	first, codesStored := m.registerPasskey(t, p, 0, []ports.CodeHash{codeHash("a"), codeHash("b")})
	if !codesStored || !m.mfaEnabled(t) {
		t.Fatalf("first passkey: codes stored %v, mfa %v; want both", codesStored, m.mfaEnabled(t))
	}
	if n, _ := m.backup.Remaining(ctx, m.user.ID); n != 2 {
		t.Errorf("backup codes = %d, want 2", n)
	}
	// A second passkey keeps the codes the user has.
	_, codesStored = m.registerPasskey(t, p, 0, []ports.CodeHash{codeHash("c")})
	if codesStored {
		t.Error("second passkey replaced the backup codes")
	}
	list, err := p.List(ctx, m.user.ID)
	if err != nil || len(list) != 2 || list[0].ID != first.ID || list[0].Name != "Laptop" {
		t.Fatalf("List = %+v, %v", list, err)
	}
	// A credential belongs to one account.
	other, _, _ := m.register(t, "eve@example.com")
	_, _, _, err = p.Register(ctx, ports.PasskeyRegistration{Passkey: ports.Passkey{
		UserID: other.ID, CredentialID: first.CredentialID, PublicKey: []byte("k"), AttestationType: "none", Name: "stolen",
	}, Rotation: m.rotation(t)})
	if !errors.Is(err, ports.ErrPasskeyTaken) {
		t.Errorf("same credential id for another user: %v, want ErrPasskeyTaken", err)
	}
	owner, err := p.ByCredentialID(ctx, first.CredentialID)
	if err != nil || owner.UserID != m.user.ID || owner.Email != "ada@example.com" || !owner.MFAEnabled {
		t.Errorf("ByCredentialID = %+v, %v", owner, err)
	}
}

// TestPasskeyCounterConcurrent: one assertion (one counter value) sent
// twenty times at once signs in once; the others are refused as clones
// and recorded.
func TestPasskeyCounterConcurrent(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	p := repositories.NewPasskeys(m.pool)
	key, _ := m.registerPasskey(t, p, 5, nil)

	const n = 20
	var (
		wg        sync.WaitGroup
		mu        sync.Mutex
		ok, clone int
	)
	for range n {
		wg.Go(func() {
			_, err := p.SignIn(context.Background(), ports.PasskeyUse{ID: key.ID, UserID: m.user.ID, SignCount: 6, IP: testIP}, newSession(t, m.user.ID))
			mu.Lock()
			defer mu.Unlock()
			switch {
			case err == nil:
				ok++
			case errors.Is(err, ports.ErrCounterRegressed):
				clone++
			default:
				t.Errorf("SignIn: %v", err)
			}
		})
	}
	wg.Wait()
	if ok != 1 || clone != n-1 {
		t.Fatalf("successes %d, refusals %d; want 1 and %d", ok, clone, n-1)
	}
	var events int
	if err := m.pool.QueryRow(context.Background(),
		"SELECT count(*) FROM auth_attempts WHERE user_id = $1 AND kind = 'passkey_counter_regressed'", m.user.ID).Scan(&events); err != nil {
		t.Fatal(err)
	}
	if events != n-1 {
		t.Errorf("counter_regressed events = %d, want %d", events, n-1)
	}
	// The counter moved on: an older value stays refused.
	if _, err := p.SignIn(context.Background(), ports.PasskeyUse{ID: key.ID, UserID: m.user.ID, SignCount: 3}, newSession(t, m.user.ID)); !errors.Is(err, ports.ErrCounterRegressed) {
		t.Errorf("older counter: %v, want ErrCounterRegressed", err)
	}
}

// TestPasskeyCounterZero: an authenticator that keeps no counter (0 every
// time) signs in every time; one that had a counter may not fall to 0.
func TestPasskeyCounterZero(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	p := repositories.NewPasskeys(m.pool)
	ctx := context.Background()
	zero, _ := m.registerPasskey(t, p, 0, nil)
	for range 3 {
		if _, err := p.SignIn(ctx, ports.PasskeyUse{ID: zero.ID, UserID: m.user.ID}, newSession(t, m.user.ID)); err != nil {
			t.Fatalf("zero counter: %v", err)
		}
	}
	counted, _ := m.registerPasskey(t, p, 0, nil)
	if _, err := p.SignIn(ctx, ports.PasskeyUse{ID: counted.ID, UserID: m.user.ID, SignCount: 1}, newSession(t, m.user.ID)); err != nil {
		t.Fatal(err)
	}
	if _, err := p.SignIn(ctx, ports.PasskeyUse{ID: counted.ID, UserID: m.user.ID, SignCount: 0}, newSession(t, m.user.ID)); !errors.Is(err, ports.ErrCounterRegressed) {
		t.Errorf("counter back to 0: %v, want ErrCounterRegressed", err)
	}
}

// TestPasskeyChallengeOnce: of concurrent finishes with one challenge,
// exactly one spends it.
func TestPasskeyChallengeOnce(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	p := repositories.NewPasskeys(m.pool)
	ctx := context.Background()
	sum := sha256.Sum256([]byte("challenge"))
	if err := p.Save(ctx, ports.PasskeyChallenge{ChallengeHash: sum[:], Flow: ports.FlowPasswordless, Data: []byte(`{"challenge":"x"}`)}); err != nil {
		t.Fatal(err)
	}
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		winners int
	)
	for range 10 {
		wg.Go(func() {
			c, err := p.Take(ctx, sum[:])
			if err == nil {
				mu.Lock()
				winners++
				mu.Unlock()
				if c.Flow != ports.FlowPasswordless || string(c.Data) != `{"challenge": "x"}` {
					t.Errorf("Take = %+v", c)
				}
			} else if !errors.Is(err, ports.ErrNotFound) {
				t.Errorf("Take: %v", err)
			}
		})
	}
	wg.Wait()
	if winners != 1 {
		t.Errorf("winners = %d, want 1", winners)
	}
	// A session keeps one pending ceremony per flow.
	a, b := sha256.Sum256([]byte("a")), sha256.Sum256([]byte("b"))
	for _, h := range [][32]byte{a, b} {
		if err := p.Save(ctx, ports.PasskeyChallenge{ChallengeHash: h[:], Flow: ports.FlowRegister, UserID: m.user.ID, SessionID: m.session.ID, Data: []byte(`{}`)}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Take(ctx, a[:]); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("replaced challenge: %v, want ErrNotFound", err)
	}
	if _, err := p.Take(ctx, b[:]); err != nil {
		t.Errorf("latest challenge: %v", err)
	}
	// Expired ceremonies are not taken.
	c := sha256.Sum256([]byte("c"))
	if err := p.Save(ctx, ports.PasskeyChallenge{ChallengeHash: c[:], Flow: ports.FlowPasswordless, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	m.exec(t, "UPDATE webauthn_challenges SET expires_at = now() - interval '1 second'")
	if _, err := p.Take(ctx, c[:]); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("expired challenge: %v, want ErrNotFound", err)
	}
}

// TestPasskeyFactors: the last second factor turns MFA off only with the
// fresh proof (allowLast); TOTP off keeps MFA while a passkey remains;
// ResetMFA removes the passkeys.
func TestPasskeyFactors(t *testing.T) {
	t.Parallel()
	m := newMFAFixture(t)
	p := repositories.NewPasskeys(m.pool)
	ctx := context.Background()

	m.enroll(t, 100, []ports.CodeHash{codeHash("a")})
	key, codesStored := m.registerPasskey(t, p, 0, []ports.CodeHash{codeHash("b")})
	if codesStored {
		t.Error("the TOTP user's codes were replaced")
	}
	if err := m.totp.Disable(ctx, m.user.ID, 101); err != nil {
		t.Fatal(err)
	}
	if n, _ := m.backup.Remaining(ctx, m.user.ID); !m.mfaEnabled(t) || n != 1 {
		t.Fatalf("TOTP off with a passkey left: mfa %v, codes %d; want on, 1", m.mfaEnabled(t), n)
	}
	if _, err := p.Delete(ctx, m.user.ID, uuid.New(), true, testIP); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("unknown passkey: %v", err)
	}
	other, _, _ := m.register(t, "eve@example.com")
	if _, err := p.Delete(ctx, other.ID, key.ID, true, testIP); !errors.Is(err, ports.ErrNotFound) {
		t.Errorf("another user's passkey: %v", err)
	}
	if _, err := p.Delete(ctx, m.user.ID, key.ID, false, testIP); !errors.Is(err, ports.ErrLastSecondFactor) {
		t.Fatalf("last factor without proof: %v", err)
	}
	off, err := p.Delete(ctx, m.user.ID, key.ID, true, testIP)
	if n, _ := m.backup.Remaining(ctx, m.user.ID); err != nil || !off || m.mfaEnabled(t) || n != 0 {
		t.Fatalf("last factor: off %v, %v, mfa %v, codes %d", off, err, m.mfaEnabled(t), n)
	}

	m.registerPasskey(t, p, 0, nil)
	if _, err := repositories.NewOperators(m.pool, nil).ResetMFA(ctx, m.user.ID, "op"); err != nil {
		t.Fatal(err)
	}
	if list, _ := p.List(ctx, m.user.ID); len(list) != 0 || m.mfaEnabled(t) {
		t.Errorf("after ResetMFA: %d passkeys, mfa %v", len(list), m.mfaEnabled(t))
	}
}
