package keyring_test

import (
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"testing"

	"github.com/google/uuid"
	"golang.org/x/crypto/argon2"
	"golang.org/x/crypto/scrypt"

	"github.com/infrastructure/platform/services/auth/internal/keyring"
)

// Parameters of the slow candidates: OWASP's password storage cheat
// sheet's argon2id (19 MiB, 2 passes, 1 lane) and scrypt (N=2^17, r=8,
// p=1: 128 MiB).
const (
	argonTime    = 2
	argonMemory  = 19 * 1024 // KiB
	argonThreads = 1
	scryptN      = 1 << 17
	scryptR      = 8
	scryptP      = 1
	rowsPerSet   = 10
)

// sink keeps the compiler from dropping the work measured.
var sink []byte

// BenchmarkBackupCodeAttempt measures the hashing that checking one
// backup-code attempt costs under each scheme considered for salting the
// codes per user (the database part, one indexed UPDATE, is the same for
// all of them and not measured here):
//
//   - hmac-v1: the unsalted scheme before migration 0006, for reference;
//   - hmac-v2: the salted HMAC a new code is stored under;
//   - hmac-v2-candidates: what an attempt really computes, one HMAC per
//     hash version and configured key (keys=2 during a rotation);
//   - argon2id-per-user, scrypt-per-user: one slow hash of the code with a
//     salt stored once per user, then an HMAC under each configured key
//     (so that the key still guards a database-only leak); the most a
//     slow scheme can cost and still be one slow hash per attempt;
//   - argon2id-per-row: a salt per row, as password hashes have: an
//     attempt must be hashed once per unused code of the user.
//
// go test -run '^$' -bench BackupCodeAttempt -benchmem ./services/auth/internal/keyring/
func BenchmarkBackupCodeAttempt(b *testing.B) {
	current, previous := randomKey(b), randomKey(b)
	one, err := keyring.New(current, nil)
	if err != nil {
		b.Fatal(err)
	}
	two, err := keyring.New(current, previous)
	if err != nil {
		b.Fatal(err)
	}
	macKey, err := hkdf.Key(sha256.New, current, nil, "auth/backup-code-hmac-sha256/v1", 32)
	if err != nil {
		b.Fatal(err)
	}
	user := uuid.New()
	code := []byte("k7vq2m9xr4")
	salts := make([][]byte, rowsPerSet)
	for i := range salts {
		salts[i] = randomKey(b)[:16]
	}
	peppered := func(slow []byte) []byte {
		m := hmac.New(sha256.New, macKey)
		m.Write(slow)
		return m.Sum(nil)
	}

	b.Run("scheme=hmac-v1", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = peppered(code)
		}
	})
	b.Run("scheme=hmac-v2", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = one.HashCode(user, string(code)).Hash
		}
	})
	for _, k := range []struct {
		name string
		k    *keyring.Keyring
	}{{"keys=1", one}, {"keys=2", two}} {
		b.Run("scheme=hmac-v2-candidates/"+k.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				sink = k.k.CodeCandidates(user, string(code))[0].Hash
			}
		})
	}
	b.Run("scheme=argon2id-per-user", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			sink = peppered(argon2.IDKey(code, salts[0], argonTime, argonMemory, argonThreads, 32))
		}
	})
	b.Run("scheme=scrypt-per-user", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			slow, err := scrypt.Key(code, salts[0], scryptN, scryptR, scryptP, 32)
			if err != nil {
				b.Fatal(err)
			}
			sink = peppered(slow)
		}
	})
	b.Run("scheme=argon2id-per-row/rows=10", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			for _, salt := range salts {
				sink = peppered(argon2.IDKey(code, salt, argonTime, argonMemory, argonThreads, 32))
			}
		}
	})
}

func randomKey(b *testing.B) []byte {
	b.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		b.Fatal(err)
	}
	return k
}
