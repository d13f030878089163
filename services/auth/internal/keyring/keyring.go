// Package keyring holds the keys derived from TOTP_ENCRYPTION_KEY (and from
// the previous key during a rotation): it seals TOTP secrets with
// AES-256-GCM and hashes backup codes with HMAC-SHA256 salted with the
// user id. It implements ports.SecretBox and ports.CodeHasher. No key ever
// leaves it.
package keyring

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"

	"github.com/google/uuid"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Errors of Open. Neither is ever a silent pass.
var (
	// ErrUnknownKeyVersion means no configured key sealed the secret.
	ErrUnknownKeyVersion = errors.New("keyring: secret sealed under an unknown key version")
	// ErrTampered means the ciphertext, its user or its version changed.
	ErrTampered = errors.New("keyring: sealed secret failed authentication")
)

// HKDF labels: each purpose gets its own key from the master key.
const (
	infoVersion = "auth/key-version/v1"
	infoSeal    = "auth/totp-secret-aes-256-gcm/v1"
	infoBackup  = "auth/backup-code-hmac-sha256/v1"
)

// key is everything derived from one master key.
type key struct {
	version int32
	aead    cipher.AEAD
	mac     []byte
}

// Keyring seals under the current key and opens under the current or the
// previous one.
type Keyring struct {
	current  *key
	previous *key
}

var (
	_ ports.SecretBox  = (*Keyring)(nil)
	_ ports.CodeHasher = (*Keyring)(nil)
)

// New derives the keys from the current master key and, during a rotation,
// from the previous one (nil otherwise). Both must be 32 bytes.
func New(current, previous []byte) (*Keyring, error) {
	cur, err := derive(current)
	if err != nil {
		return nil, fmt.Errorf("current key: %w", err)
	}
	k := &Keyring{current: cur}
	if previous != nil {
		if k.previous, err = derive(previous); err != nil {
			return nil, fmt.Errorf("previous key: %w", err)
		}
		if k.previous.version == cur.version {
			return nil, errors.New("keyring: the previous key is the current key")
		}
	}
	return k, nil
}

func derive(master []byte) (*key, error) {
	if len(master) != 32 {
		return nil, fmt.Errorf("keyring: a master key has 32 bytes, not %d", len(master))
	}
	v, err := hkdf.Key(sha256.New, master, nil, infoVersion, 4)
	if err != nil {
		return nil, err
	}
	sealKey, err := hkdf.Key(sha256.New, master, nil, infoSeal, 32)
	if err != nil {
		return nil, err
	}
	mac, err := hkdf.Key(sha256.New, master, nil, infoBackup, 32)
	if err != nil {
		return nil, err
	}
	block, err := aes.NewCipher(sealKey)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	// A fingerprint of the key, not a counter: operators configure keys,
	// never version numbers, and a row names the exact key that sealed it.
	version := int32(binary.BigEndian.Uint32(v) & 0x7fffffff)
	return &key{version: version, aead: aead, mac: mac}, nil
}

// CurrentVersion is the version of the key that seals new secrets.
func (k *Keyring) CurrentVersion() int32 { return k.current.version }

// additionalData binds a sealed secret to its user and key version.
func additionalData(userID uuid.UUID, version int32) []byte {
	ad := make([]byte, 0, 16+4)
	ad = append(ad, userID[:]...)
	return binary.BigEndian.AppendUint32(ad, uint32(version))
}

// Seal implements ports.SecretBox: a random 12-byte nonce, then the
// AES-256-GCM ciphertext and tag of secret, bound to userID.
func (k *Keyring) Seal(userID uuid.UUID, secret []byte) (ports.Sealed, error) {
	nonce := make([]byte, k.current.aead.NonceSize())
	if _, err := rand.Read(nonce); err != nil {
		return ports.Sealed{}, fmt.Errorf("keyring: nonce: %w", err)
	}
	ct := k.current.aead.Seal(nonce, nonce, secret, additionalData(userID, k.current.version))
	return ports.Sealed{Ciphertext: ct, KeyVersion: k.current.version}, nil
}

// Open implements ports.SecretBox.
func (k *Keyring) Open(userID uuid.UUID, s ports.Sealed) ([]byte, error) {
	key := k.byVersion(s.KeyVersion)
	if key == nil {
		return nil, fmt.Errorf("%w (%d)", ErrUnknownKeyVersion, s.KeyVersion)
	}
	n := key.aead.NonceSize()
	if len(s.Ciphertext) < n+key.aead.Overhead() {
		return nil, ErrTampered
	}
	secret, err := key.aead.Open(nil, s.Ciphertext[:n], s.Ciphertext[n:], additionalData(userID, s.KeyVersion))
	if err != nil {
		return nil, ErrTampered
	}
	return secret, nil
}

func (k *Keyring) byVersion(v int32) *key {
	switch {
	case v == k.current.version:
		return k.current
	case k.previous != nil && v == k.previous.version:
		return k.previous
	}
	return nil
}

// codeV2Label starts every version 2 message: it sets them apart from
// version 1 messages (the 10-character code alone) and from any other use
// of the key.
const codeV2Label = "backup-code/v2"

// HashCode implements ports.CodeHasher: version 2 under the current key.
func (k *Keyring) HashCode(userID uuid.UUID, normalized string) ports.CodeHash {
	return codeHash(k.current, ports.CodeHashV2, userID, normalized)
}

// CodeCandidates implements ports.CodeHasher: version 2, then version 1,
// each under every configured key, current first. Codes made before the
// salt (version 1) or before a rotation (the previous key) keep working
// until they are regenerated or the previous key is removed. These are at
// most four HMACs, a few microseconds (see BenchmarkBackupCodeAttempt).
func (k *Keyring) CodeCandidates(userID uuid.UUID, normalized string) []ports.CodeHash {
	keys := []*key{k.current}
	if k.previous != nil {
		keys = append(keys, k.previous)
	}
	out := make([]ports.CodeHash, 0, 2*len(keys))
	for _, v := range []ports.CodeHashVersion{ports.CodeHashV2, ports.CodeHashV1} {
		for _, key := range keys {
			out = append(out, codeHash(key, v, userID, normalized))
		}
	}
	return out
}

// codeHash is HMAC-SHA256 under key's backup-code key of, for version 2,
// the label, the 16 bytes of the user id and the code (every part but the
// last of fixed length, so no two inputs share a message), and for version
// 1 of the code alone.
func codeHash(key *key, v ports.CodeHashVersion, userID uuid.UUID, normalized string) ports.CodeHash {
	m := hmac.New(sha256.New, key.mac)
	if v != ports.CodeHashV1 {
		m.Write([]byte(codeV2Label))
		m.Write(userID[:])
	}
	m.Write([]byte(normalized))
	return ports.CodeHash{Hash: m.Sum(nil), KeyVersion: key.version, HashVersion: v}
}
