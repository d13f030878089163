package keyring

import (
	"bytes"
	"errors"
	"testing"
	"testing/cryptotest"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// fuzzKeyring returns a keyring in rotation over two fixed master keys, so
// that every fuzz input meets the same keys.
func fuzzKeyring(tb testing.TB) *Keyring {
	tb.Helper()
	current, previous := make([]byte, 32), make([]byte, 32)
	for i := range current {
		current[i], previous[i] = byte(i), byte(0x80+i)
	}
	k, err := New(current, previous)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return k
}

// fuzzUser reads a user ID from the first 16 bytes of b (zeros after).
func fuzzUser(b []byte) uuid.UUID {
	var u uuid.UUID
	copy(u[:], b)
	return u
}

// FuzzOpen opens arbitrary sealed input, under the current key version,
// the previous one or any other, and checks that Open never panics and
// never opens it: authenticated encryption refuses what no key sealed,
// with ErrTampered under a known version and ErrUnknownKeyVersion under
// another, and never returns plaintext beside an error.
func FuzzOpen(f *testing.F) {
	f.Add([]byte{}, uint8(0), int32(0), []byte{})
	f.Add(make([]byte, 12+16), uint8(0), int32(0), []byte("user"))
	f.Add(bytes.Repeat([]byte{0xa5}, 12+20+16), uint8(1), int32(0), bytes.Repeat([]byte{1}, 16))
	f.Add(bytes.Repeat([]byte{0xff}, 12+20+15), uint8(0), int32(0), []byte{})
	f.Add(make([]byte, 200), uint8(2), int32(-1), []byte{})
	f.Add([]byte("not a sealed secret"), uint8(2), int32(0), []byte{})

	k := fuzzKeyring(f)
	f.Fuzz(func(t *testing.T, ciphertext []byte, which uint8, other int32, user []byte) {
		version := other
		switch which % 3 {
		case 0:
			version = k.current.version
		case 1:
			version = k.previous.version
		}
		want := ErrTampered
		if k.byVersion(version) == nil {
			want = ErrUnknownKeyVersion
		}
		got, err := k.Open(fuzzUser(user), ports.Sealed{Ciphertext: ciphertext, KeyVersion: version})
		if !errors.Is(err, want) || got != nil {
			t.Fatalf("Open(%x under version %d) = %x, %v; want nil, %v", ciphertext, version, got, err, want)
		}
	})
}

// FuzzSealTamper seals any secret for any user (with a deterministic
// nonce) and checks that it opens for that user only, and that every
// change of the sealed row fails with ErrTampered: one flipped bit
// anywhere (nonce, ciphertext, tag), a truncation, another user, or the
// previous key's version.
func FuzzSealTamper(f *testing.F) {
	f.Add([]byte("12345678901234567890"), []byte("user"), uint(0), uint8(0), uint(0))
	f.Add([]byte{}, []byte{}, uint(11), uint8(7), uint(12))
	f.Add(bytes.Repeat([]byte{0}, 64), bytes.Repeat([]byte{0xff}, 16), uint(1000), uint8(3), uint(47))

	k := fuzzKeyring(f)
	f.Fuzz(func(t *testing.T, secret, user []byte, pos uint, bit uint8, cut uint) {
		cryptotest.SetGlobalRandom(t, 1)
		owner := fuzzUser(user)
		s, err := k.Seal(owner, secret)
		if err != nil {
			t.Fatalf("Seal: %v", err)
		}
		if len(s.Ciphertext) != 12+len(secret)+16 || s.KeyVersion != k.CurrentVersion() {
			t.Fatalf("Seal(%d bytes) = %d bytes under version %d", len(secret), len(s.Ciphertext), s.KeyVersion)
		}
		if got, err := k.Open(owner, s); err != nil || !bytes.Equal(got, secret) {
			t.Fatalf("Open(Seal(%x)) = %x, %v", secret, got, err)
		}

		flipped := bytes.Clone(s.Ciphertext)
		flipped[pos%uint(len(flipped))] ^= 1 << (bit % 8)
		stranger := owner
		stranger[pos%16] ^= 1 << (bit % 8)
		for _, c := range []struct {
			name   string
			user   uuid.UUID
			sealed ports.Sealed
		}{
			{"a flipped bit", owner, ports.Sealed{Ciphertext: flipped, KeyVersion: s.KeyVersion}},
			{"a truncation", owner, ports.Sealed{Ciphertext: s.Ciphertext[:cut%uint(len(s.Ciphertext))], KeyVersion: s.KeyVersion}},
			{"another user", stranger, s},
			{"another version", owner, ports.Sealed{Ciphertext: s.Ciphertext, KeyVersion: k.previous.version}},
		} {
			if got, err := k.Open(c.user, c.sealed); !errors.Is(err, ErrTampered) || got != nil {
				t.Fatalf("Open after %s = %x, %v; want nil, %v", c.name, got, err, ErrTampered)
			}
		}
	})
}
