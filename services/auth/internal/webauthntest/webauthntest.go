// Package webauthntest is a virtual WebAuthn authenticator for tests: an
// ECDSA P-256 key per credential, "none" attestation, and the JSON a
// browser hands back from navigator.credentials.create and get
// (PublicKeyCredential.toJSON), so that the service's passkey ceremonies
// can be driven end to end without a browser.
package webauthntest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"encoding/json"
	"fmt"

	"github.com/fxamacker/cbor/v2"
)

// Flags of the authenticator data (WebAuthn §6.1).
const (
	flagUP = 0x01
	flagUV = 0x04
	flagBE = 0x08
	flagBS = 0x10
	flagAT = 0x40
)

var b64 = base64.RawURLEncoding

// Authenticator is one credential on a virtual authenticator. Its fields
// may be changed between ceremonies to play a misbehaving client: another
// Origin or RPID, no user verification, a Counter set back.
type Authenticator struct {
	// RPID is the relying party id whose hash goes into the
	// authenticator data; Origin is the origin the "browser" reports.
	RPID, Origin string
	// UserVerified sets the UV flag; Synced sets BE and BS.
	UserVerified, Synced bool
	// Counter is the signature counter; every assertion increments it
	// first unless NoCounter (an authenticator that keeps none).
	Counter   uint32
	NoCounter bool

	key          *ecdsa.PrivateKey
	credentialID []byte
	userHandle   []byte
}

// New returns an authenticator for the relying party, with a fresh key
// and credential id, that verifies its user.
func New(rpID, origin string) *Authenticator {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		panic(err)
	}
	id := make([]byte, 32)
	_, _ = rand.Read(id)
	return &Authenticator{RPID: rpID, Origin: origin, UserVerified: true, key: key, credentialID: id}
}

// Clone returns a copy that shares the key, the credential and the
// counter's current value: a cloned authenticator.
func (a *Authenticator) Clone() *Authenticator {
	c := *a
	return &c
}

// CredentialID is the credential's id, base64url.
func (a *Authenticator) CredentialID() string { return b64.EncodeToString(a.credentialID) }

// Create answers navigator.credentials.create for options, the service's
// {"publicKey": PublicKeyCredentialCreationOptions} as JSON values.
func (a *Authenticator) Create(options map[string]any) (map[string]any, error) {
	pk, _ := options["publicKey"].(map[string]any)
	challenge, _ := pk["challenge"].(string)
	user, _ := pk["user"].(map[string]any)
	handle, _ := user["id"].(string)
	h, err := b64.DecodeString(handle)
	if err != nil || challenge == "" {
		return nil, fmt.Errorf("webauthntest: creation options without challenge or user id: %v", options)
	}
	a.userHandle = h
	clientData := a.clientData("webauthn.create", challenge)
	point, err := a.key.PublicKey.Bytes() // 0x04 || X || Y
	if err != nil {
		return nil, err
	}
	cose, err := cbor.Marshal(map[int]any{
		1: 2, 3: -7, -1: 1, // EC2, ES256, P-256
		-2: point[1:33], -3: point[33:65],
	})
	if err != nil {
		return nil, err
	}
	auth := a.authData(flagAT)
	auth = append(auth, make([]byte, 16)...) // AAGUID: none
	auth = binary.BigEndian.AppendUint16(auth, uint16(len(a.credentialID)))
	auth = append(auth, a.credentialID...)
	auth = append(auth, cose...)
	att, err := cbor.Marshal(map[string]any{"fmt": "none", "attStmt": map[string]any{}, "authData": auth})
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": a.CredentialID(), "rawId": a.CredentialID(), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"attestationObject": b64.EncodeToString(att),
			"transports":        []string{"internal"},
		},
	}, nil
}

// Get answers navigator.credentials.get for options, the service's
// {"publicKey": PublicKeyCredentialRequestOptions} as JSON values.
func (a *Authenticator) Get(options map[string]any) (map[string]any, error) {
	pk, _ := options["publicKey"].(map[string]any)
	challenge, _ := pk["challenge"].(string)
	if challenge == "" {
		return nil, fmt.Errorf("webauthntest: request options without challenge: %v", options)
	}
	if !a.NoCounter {
		a.Counter++
	}
	clientData := a.clientData("webauthn.get", challenge)
	auth := a.authData(0)
	sum := sha256.Sum256(clientData)
	signed := sha256.Sum256(append(append([]byte{}, auth...), sum[:]...))
	sig, err := ecdsa.SignASN1(rand.Reader, a.key, signed[:])
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"id": a.CredentialID(), "rawId": a.CredentialID(), "type": "public-key",
		"authenticatorAttachment": "platform", "clientExtensionResults": map[string]any{},
		"response": map[string]any{
			"clientDataJSON":    b64.EncodeToString(clientData),
			"authenticatorData": b64.EncodeToString(auth),
			"signature":         b64.EncodeToString(sig),
			"userHandle":        b64.EncodeToString(a.userHandle),
		},
	}, nil
}

// clientData is the CollectedClientData the browser would sign over.
func (a *Authenticator) clientData(typ, challenge string) []byte {
	b, _ := json.Marshal(map[string]any{"type": typ, "challenge": challenge, "origin": a.Origin, "crossOrigin": false})
	return b
}

// authData is the authenticator data up to the counter, with extra flags.
func (a *Authenticator) authData(extra byte) []byte {
	rp := sha256.Sum256([]byte(a.RPID))
	flags := flagUP | extra
	if a.UserVerified {
		flags |= flagUV
	}
	if a.Synced {
		flags |= flagBE | flagBS
	}
	out := append([]byte{}, rp[:]...)
	out = append(out, flags)
	return binary.BigEndian.AppendUint32(out, a.Counter)
}
