package keyring

import (
	"bytes"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"testing"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// secretSize is the size of a TOTP secret (160 bits, services/auth/README.md, TOTP and backup codes).
const secretSize = 20

// sealedSize is nonce + secret + GCM tag: the length that the database
// constraint on totp_credentials.secret_ciphertext relies on.
const sealedSize = 12 + secretSize + 16

// randomBytes returns n bytes from crypto/rand.
func randomBytes(t *testing.T, n int) []byte {
	t.Helper()
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return b
}

// mustNew returns a keyring or fails the test.
func mustNew(t *testing.T, current, previous []byte) *Keyring {
	t.Helper()
	k, err := New(current, previous)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return k
}

// mustSeal seals secret for user or fails the test.
func mustSeal(t *testing.T, k *Keyring, user uuid.UUID, secret []byte) ports.Sealed {
	t.Helper()
	s, err := k.Seal(user, secret)
	if err != nil {
		t.Fatalf("Seal: %v", err)
	}
	return s
}

// requireOpenFails fails unless Open refuses s with want and returns no
// plaintext at all.
func requireOpenFails(t *testing.T, k *Keyring, user uuid.UUID, s ports.Sealed, want error) {
	t.Helper()
	got, err := k.Open(user, s)
	if !errors.Is(err, want) {
		t.Fatalf("Open err = %v, want %v", err, want)
	}
	if got != nil {
		t.Fatalf("Open returned %x with an error, want nil", got)
	}
}

func TestNew(t *testing.T) {
	t.Parallel()
	a, b := randomBytes(t, 32), randomBytes(t, 32)
	tests := []struct {
		name              string
		current, previous []byte
		wantErr           bool
	}{
		{name: "case=current only", current: a},
		{name: "case=current and previous", current: a, previous: b},
		{name: "case=nil current", current: nil, wantErr: true},
		{name: "case=empty current", current: []byte{}, wantErr: true},
		{name: "case=16-byte current", current: a[:16], wantErr: true},
		{name: "case=31-byte current", current: a[:31], wantErr: true},
		{name: "case=33-byte current", current: append(bytes.Clone(a), 0), wantErr: true},
		{name: "case=64-byte current", current: append(bytes.Clone(a), b...), wantErr: true},
		{name: "case=empty previous", current: a, previous: []byte{}, wantErr: true},
		{name: "case=31-byte previous", current: a, previous: b[:31], wantErr: true},
		{name: "case=33-byte previous", current: a, previous: append(bytes.Clone(b), 0), wantErr: true},
		{name: "case=previous is current", current: a, previous: bytes.Clone(a), wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			k, err := New(tt.current, tt.previous)
			if tt.wantErr {
				if err == nil || k != nil {
					t.Fatalf("New = %v, %v; want nil, an error", k, err)
				}
				return
			}
			if err != nil || k == nil {
				t.Fatalf("New = %v, %v; want a keyring", k, err)
			}
		})
	}
}

func TestSealOpenRoundTrip(t *testing.T) {
	t.Parallel()
	k := mustNew(t, randomBytes(t, 32), nil)
	user := uuid.New()
	secret := randomBytes(t, secretSize)

	s := mustSeal(t, k, user, secret)

	if len(s.Ciphertext) != sealedSize {
		t.Errorf("ciphertext length = %d, want %d (nonce + secret + tag)", len(s.Ciphertext), sealedSize)
	}
	if s.KeyVersion != k.CurrentVersion() {
		t.Errorf("key version = %d, want the current %d", s.KeyVersion, k.CurrentVersion())
	}
	if bytes.Contains(s.Ciphertext, secret) {
		t.Error("the ciphertext contains the secret")
	}
	got, err := k.Open(user, s)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	if !bytes.Equal(got, secret) {
		t.Errorf("Open = %x, want %x", got, secret)
	}
}

func TestSealNonceIsFresh(t *testing.T) {
	t.Parallel()
	k := mustNew(t, randomBytes(t, 32), nil)
	user := uuid.New()
	secret := randomBytes(t, secretSize)
	nonces := map[string]bool{}
	ciphertexts := map[string]bool{}
	for range 100 {
		s := mustSeal(t, k, user, secret)
		nonce := string(s.Ciphertext[:12])
		if nonces[nonce] {
			t.Fatalf("nonce %x reused", nonce)
		}
		nonces[nonce] = true
		ciphertexts[string(s.Ciphertext)] = true
	}
	if len(ciphertexts) != 100 {
		t.Errorf("%d distinct ciphertexts of one secret out of 100", len(ciphertexts))
	}
}

// TestOpenRefusesGarbage checks that every change to a sealed secret, its
// user or its version is an error, and never a nil error with some output.
func TestOpenRefusesGarbage(t *testing.T) {
	t.Parallel()
	k := mustNew(t, randomBytes(t, 32), nil)
	user := uuid.New()
	s := mustSeal(t, k, user, randomBytes(t, secretSize))
	with := func(ct []byte) ports.Sealed { return ports.Sealed{Ciphertext: ct, KeyVersion: s.KeyVersion} }
	other := ports.Sealed{Ciphertext: bytes.Clone(s.Ciphertext), KeyVersion: s.KeyVersion ^ 1}

	tests := []struct {
		name   string
		user   uuid.UUID
		sealed ports.Sealed
		want   error
	}{
		{name: "case=wrong user", user: uuid.New(), sealed: s, want: ErrTampered},
		{name: "case=nil user", user: uuid.Nil, sealed: s, want: ErrTampered},
		{name: "case=nil ciphertext", user: user, sealed: with(nil), want: ErrTampered},
		{name: "case=empty ciphertext", user: user, sealed: with([]byte{}), want: ErrTampered},
		{name: "case=nonce only", user: user, sealed: with(s.Ciphertext[:12]), want: ErrTampered},
		{name: "case=nonce and tag only", user: user, sealed: with(s.Ciphertext[:28]), want: ErrTampered},
		{name: "case=tag cut off", user: user, sealed: with(s.Ciphertext[:len(s.Ciphertext)-16]), want: ErrTampered},
		{name: "case=one byte short", user: user, sealed: with(s.Ciphertext[:len(s.Ciphertext)-1]), want: ErrTampered},
		{name: "case=one byte more", user: user, sealed: with(append(bytes.Clone(s.Ciphertext), 0)), want: ErrTampered},
		{name: "case=nonce dropped", user: user, sealed: with(s.Ciphertext[12:]), want: ErrTampered},
		{name: "case=all zero", user: user, sealed: with(make([]byte, sealedSize)), want: ErrTampered},
		{name: "case=random bytes", user: user, sealed: with(randomBytes(t, sealedSize)), want: ErrTampered},
		{name: "case=unknown version", user: user, sealed: other, want: ErrUnknownKeyVersion},
		{name: "case=version zero", user: user, sealed: ports.Sealed{Ciphertext: s.Ciphertext, KeyVersion: 0}, want: ErrUnknownKeyVersion},
		{name: "case=negative version", user: user, sealed: ports.Sealed{Ciphertext: s.Ciphertext, KeyVersion: -s.KeyVersion}, want: ErrUnknownKeyVersion},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			requireOpenFails(t, k, tt.user, tt.sealed, tt.want)
		})
	}
}

func TestOpenFlippedBit(t *testing.T) {
	t.Parallel()
	k := mustNew(t, randomBytes(t, 32), nil)
	user := uuid.New()
	s := mustSeal(t, k, user, randomBytes(t, secretSize))
	for i := range len(s.Ciphertext) * 8 {
		ct := bytes.Clone(s.Ciphertext)
		ct[i/8] ^= 1 << (i % 8)
		requireOpenFails(t, k, user, ports.Sealed{Ciphertext: ct, KeyVersion: s.KeyVersion}, ErrTampered)
	}
}

func TestOpenTruncated(t *testing.T) {
	t.Parallel()
	k := mustNew(t, randomBytes(t, 32), nil)
	user := uuid.New()
	s := mustSeal(t, k, user, randomBytes(t, secretSize))
	for n := range len(s.Ciphertext) {
		requireOpenFails(t, k, user, ports.Sealed{Ciphertext: s.Ciphertext[:n], KeyVersion: s.KeyVersion}, ErrTampered)
	}
}

func TestOpenWithOtherKey(t *testing.T) {
	t.Parallel()
	a := mustNew(t, randomBytes(t, 32), nil)
	b := mustNew(t, randomBytes(t, 32), nil)
	user := uuid.New()
	s := mustSeal(t, a, user, randomBytes(t, secretSize))

	requireOpenFails(t, b, user, s, ErrUnknownKeyVersion)
	// Even under b's version, a's ciphertext does not authenticate.
	requireOpenFails(t, b, user, ports.Sealed{Ciphertext: s.Ciphertext, KeyVersion: b.CurrentVersion()}, ErrTampered)
}

func TestRotation(t *testing.T) {
	t.Parallel()
	keyA, keyB := randomBytes(t, 32), randomBytes(t, 32)
	a := mustNew(t, keyA, nil)
	b := mustNew(t, keyB, nil)
	rotated := mustNew(t, keyB, keyA)
	user := uuid.New()
	secret := randomBytes(t, secretSize)

	old := mustSeal(t, a, user, secret)
	got, err := rotated.Open(user, old)
	if err != nil || !bytes.Equal(got, secret) {
		t.Fatalf("rotated Open of a secret sealed by A = %x, %v; want %x", got, err, secret)
	}
	requireOpenFails(t, rotated, uuid.New(), old, ErrTampered)

	fresh := mustSeal(t, rotated, user, secret)
	if fresh.KeyVersion != b.CurrentVersion() || rotated.CurrentVersion() != b.CurrentVersion() {
		t.Errorf("new seals use version %d, want B's %d", fresh.KeyVersion, b.CurrentVersion())
	}
	if got, err := b.Open(user, fresh); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("B alone opens the new seal = %x, %v; want %x", got, err, secret)
	}
	requireOpenFails(t, a, user, fresh, ErrUnknownKeyVersion)
	// Once A is dropped from the configuration, its seals no longer open.
	requireOpenFails(t, b, user, old, ErrUnknownKeyVersion)
}

func TestVersions(t *testing.T) {
	t.Parallel()
	keyA, keyB := randomBytes(t, 32), randomBytes(t, 32)
	a1, a2, b := mustNew(t, keyA, nil), mustNew(t, bytes.Clone(keyA), nil), mustNew(t, keyB, nil)

	if a1.CurrentVersion() != a2.CurrentVersion() {
		t.Errorf("one key, versions %d and %d", a1.CurrentVersion(), a2.CurrentVersion())
	}
	if a1.CurrentVersion() == b.CurrentVersion() {
		t.Errorf("two keys, one version %d", a1.CurrentVersion())
	}
	if a1.CurrentVersion() < 0 || b.CurrentVersion() < 0 {
		t.Errorf("versions %d, %d; want non-negative", a1.CurrentVersion(), b.CurrentVersion())
	}
	if v := mustNew(t, keyA, keyB).CurrentVersion(); v != a1.CurrentVersion() {
		t.Errorf("with a previous key, version = %d, want %d", v, a1.CurrentVersion())
	}
	// A secret sealed by one instance opens in another over the same key:
	// replicas share the key, not the process.
	user := uuid.New()
	secret := randomBytes(t, secretSize)
	if got, err := a2.Open(user, mustSeal(t, a1, user, secret)); err != nil || !bytes.Equal(got, secret) {
		t.Errorf("Open across instances = %x, %v; want %x", got, err, secret)
	}
}

func TestHashCode(t *testing.T) {
	t.Parallel()
	keyA, keyB := randomBytes(t, 32), randomBytes(t, 32)
	a1, a2, b := mustNew(t, keyA, nil), mustNew(t, keyA, nil), mustNew(t, keyB, nil)
	ada, bob := uuid.New(), uuid.New()
	const code = "k7vq2m9xr4"

	h := a1.HashCode(ada, code)
	if len(h.Hash) != 32 || h.KeyVersion != a1.CurrentVersion() || h.HashVersion != ports.CodeHashV2 {
		t.Errorf("HashCode = %d bytes, key version %d, hash version %d; want 32 bytes, %d, 2", len(h.Hash), h.KeyVersion, h.HashVersion, a1.CurrentVersion())
	}
	if again := a2.HashCode(ada, code); !bytes.Equal(again.Hash, h.Hash) || again.KeyVersion != h.KeyVersion {
		t.Error("HashCode is not deterministic for one key")
	}
	if other := b.HashCode(ada, code); bytes.Equal(other.Hash, h.Hash) {
		t.Error("two keys give the same hash")
	}
	if other := a1.HashCode(ada, "k7vq2m9xr5"); bytes.Equal(other.Hash, h.Hash) {
		t.Error("two codes give the same hash")
	}
	// The salt: one code of two users has two hashes, so that a sweep of
	// the code space (with the key) finds one user's codes, never all.
	if other := a1.HashCode(bob, code); bytes.Equal(other.Hash, h.Hash) {
		t.Error("one code of two users gives the same hash")
	}
	if bytes.Contains(h.Hash, []byte(code)) {
		t.Error("the hash contains the code")
	}
}

// TestCodeHashKnownAnswer recomputes both hash versions from the master
// key with the standard library alone: version 1 must stay what rows made
// before migration 0006 hold, version 2 what the service README describes.
func TestCodeHashKnownAnswer(t *testing.T) {
	t.Parallel()
	master := randomBytes(t, 32)
	k := mustNew(t, master, nil)
	user := uuid.New()
	const code = "k7vq2m9xr4"
	macKey, err := hkdf.Key(sha256.New, master, nil, "auth/backup-code-hmac-sha256/v1", 32)
	if err != nil {
		t.Fatal(err)
	}
	mac := func(parts ...[]byte) []byte {
		m := hmac.New(sha256.New, macKey)
		for _, p := range parts {
			m.Write(p)
		}
		return m.Sum(nil)
	}
	want := map[ports.CodeHashVersion][]byte{
		ports.CodeHashV1: mac([]byte(code)),
		ports.CodeHashV2: mac([]byte("backup-code/v2"), user[:], []byte(code)),
	}
	if got := k.HashCode(user, code); !bytes.Equal(got.Hash, want[ports.CodeHashV2]) {
		t.Errorf("HashCode = %x, want HMAC(key, \"backup-code/v2\" || user id || code) = %x", got.Hash, want[ports.CodeHashV2])
	}
	for _, c := range k.CodeCandidates(user, code) {
		if !bytes.Equal(c.Hash, want[c.HashVersion]) {
			t.Errorf("candidate of version %d = %x, want %x", c.HashVersion, c.Hash, want[c.HashVersion])
		}
	}
}

func TestCodeCandidates(t *testing.T) {
	t.Parallel()
	keyA, keyB := randomBytes(t, 32), randomBytes(t, 32)
	a, b := mustNew(t, keyA, nil), mustNew(t, keyB, nil)
	user := uuid.New()
	const code = "k7vq2m9xr4"
	type want struct {
		key  *Keyring
		hash ports.CodeHashVersion
	}
	tests := []struct {
		name string
		k    *Keyring
		want []want
	}{
		{name: "case=current only", k: a, want: []want{{a, ports.CodeHashV2}, {a, ports.CodeHashV1}}},
		{name: "case=rotation", k: mustNew(t, keyB, keyA), want: []want{
			{b, ports.CodeHashV2}, {a, ports.CodeHashV2}, {b, ports.CodeHashV1}, {a, ports.CodeHashV1},
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := tt.k.CodeCandidates(user, code)
			if len(got) != len(tt.want) {
				t.Fatalf("%d candidates, want %d", len(got), len(tt.want))
			}
			seen := map[string]bool{}
			for i, w := range tt.want {
				h := codeHash(w.key.current, w.hash, user, code)
				if !bytes.Equal(got[i].Hash, h.Hash) || got[i].KeyVersion != h.KeyVersion || got[i].HashVersion != w.hash {
					t.Errorf("candidate %d = %x@%d/v%d, want %x@%d/v%d", i, got[i].Hash, got[i].KeyVersion, got[i].HashVersion, h.Hash, h.KeyVersion, w.hash)
				}
				if seen[string(got[i].Hash)] {
					t.Errorf("candidate %d repeats another", i)
				}
				seen[string(got[i].Hash)] = true
			}
			if first := tt.k.HashCode(user, code); !bytes.Equal(got[0].Hash, first.Hash) {
				t.Error("the first candidate is not HashCode (version 2, the current key)")
			}
		})
	}
}
