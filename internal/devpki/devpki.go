// Package devpki makes a development certificate authority and the
// certificates of the platform's gRPC peers, and keeps them valid: `auth
// certs init` runs it when the compose stack starts, so that gRPC runs with
// mutual TLS without anyone making certificates by hand.
//
// Everything lives as PEM files in one directory: ca.pem and ca-key.pem,
// then NAME.pem and NAME-key.pem for each Leaf. Keys are ECDSA P-256 in
// PKCS #8, written 0600; certificates 0644. Every file is written to a
// temporary file in the same directory and renamed over the old one, so a
// reader (a service re-reading its certificate) never sees half a file.
//
// Init is idempotent. An existing CA is kept; a leaf is issued again only
// when it is missing, unparsable (or its key does not match it), not signed
// by the current CA, or expiring within RenewBefore. Running it at every
// start therefore renews leaves in time and changes nothing otherwise.
//
// The CA's key sits beside the certificates, readable by whoever can read
// the directory: fine for a development stack, never for production, where
// certificates come from the organisation's own CA (cert-manager, SPIRE;
// see docs/grpc-trust.md).
package devpki

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"errors"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"time"
)

// The CA and the validity of what Init issues.
const (
	// CAName is the common name of the development CA.
	CAName = "platform development CA"
	// CAValidity is how long a new CA is valid: ten years.
	CAValidity = 10 * 365 * 24 * time.Hour
	// LeafValidity is how long a new leaf is valid: one year (never beyond
	// the CA).
	LeafValidity = 365 * 24 * time.Hour
	// RenewBefore is how long before its expiry a leaf (or the CA) is
	// replaced.
	RenewBefore = 30 * 24 * time.Hour
	// clockSkew backdates NotBefore, so that a peer whose clock is a little
	// behind accepts a certificate made a moment ago.
	clockSkew = time.Hour
)

// File names of the CA.
const (
	CAFile    = "ca.pem"
	CAKeyFile = "ca-key.pem"
)

// Leaf describes a certificate that Init issues with the CA and keeps
// valid, written as Name.pem and Name-key.pem.
type Leaf struct {
	// Name is the base of the file names and the certificate's common name.
	Name string
	// DNSNames, IPAddresses and URIs are the subject alternative names. A
	// peer's identity is its first URI (a SPIFFE ID), else its first DNS
	// name.
	DNSNames    []string
	IPAddresses []net.IP
	URIs        []string
	// Usage is the extended key usage: ServerAuth or ClientAuth.
	Usage x509.ExtKeyUsage
}

// CertFile is the file name of the leaf's certificate.
func (l Leaf) CertFile() string { return l.Name + ".pem" }

// KeyFile is the file name of the leaf's private key.
func (l Leaf) KeyFile() string { return l.Name + "-key.pem" }

// Platform returns the leaves of the compose stack: the auth service's
// server certificate (reached as auth inside the stack and as localhost
// or 127.0.0.1 through the published port), and the client certificates
// of the executor and of an operator (a developer calling the admin
// methods with grpcurl).
func Platform() []Leaf {
	return []Leaf{
		{
			Name:        "auth",
			DNSNames:    []string{"auth", "localhost"},
			IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1), net.IPv6loopback},
			URIs:        []string{"spiffe://platform/auth"},
			Usage:       x509.ExtKeyUsageServerAuth,
		},
		{
			Name:     "executor",
			DNSNames: []string{"executor"},
			URIs:     []string{"spiffe://platform/executor"},
			Usage:    x509.ExtKeyUsageClientAuth,
		},
		{
			Name:  "operator",
			URIs:  []string{"spiffe://platform/operator"},
			Usage: x509.ExtKeyUsageClientAuth,
		},
	}
}

// Options steer Init. The zero value issues the Platform leaves at the
// current time.
type Options struct {
	// Leaves to issue and keep; nil means Platform().
	Leaves []Leaf
	// Now is the clock (time.Now when nil); tests move it to renewal time.
	Now func() time.Time
}

// File is what Init did with one file.
type File struct {
	// Path of the file.
	Path string
	// Made is true when Init wrote the file, false when it kept it.
	Made bool
	// Reason says why the file was made ("missing", "expires ...").
	Reason string
}

// String is the line `auth certs init` prints: "made PATH (REASON)" or
// "kept PATH".
func (f File) String() string {
	if !f.Made {
		return "kept " + f.Path
	}
	return fmt.Sprintf("made %s (%s)", f.Path, f.Reason)
}

// ErrUnusableCA means the directory holds a CA certificate that Init cannot
// sign with (no matching key, not a CA, unparsable). Init never replaces
// it: it may be someone's own CA.
var ErrUnusableCA = errors.New("devpki: unusable CA")

// Init makes or keeps the CA and the leaves in dir (created when missing)
// and reports each file, CA first, in order. On error the files reported
// so far are returned too.
func Init(dir string, opts Options) ([]File, error) {
	now := time.Now
	if opts.Now != nil {
		now = opts.Now
	}
	leaves := opts.Leaves
	if leaves == nil {
		leaves = Platform()
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, fmt.Errorf("devpki: %w", err)
	}

	ca, files, err := ensureCA(dir, now())
	if err != nil {
		return files, err
	}
	for _, l := range leaves {
		made, err := ensureLeaf(dir, ca, l, now())
		files = append(files, made...)
		if err != nil {
			return files, err
		}
	}
	return files, nil
}

// authority is the CA that signs the leaves.
type authority struct {
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// ensureCA loads the CA of dir, or makes one when there is none or it
// expires within RenewBefore.
func ensureCA(dir string, now time.Time) (*authority, []File, error) {
	certPath, keyPath := filepath.Join(dir, CAFile), filepath.Join(dir, CAKeyFile)
	ca, reason, err := loadCA(certPath, keyPath, now)
	if err != nil {
		return nil, nil, err
	}
	if ca != nil {
		return ca, []File{{Path: certPath}, {Path: keyPath}}, nil
	}
	ca, err = newCA(now)
	if err != nil {
		return nil, nil, err
	}
	if err := writePair(certPath, keyPath, ca.cert.Raw, ca.key); err != nil {
		return nil, nil, err
	}
	return ca, []File{{Path: certPath, Made: true, Reason: reason}, {Path: keyPath, Made: true, Reason: reason}}, nil
}

// loadCA returns the CA of dir, or nil and the reason to make a new one.
// A CA certificate it cannot use is an error wrapping ErrUnusableCA.
func loadCA(certPath, keyPath string, now time.Time) (*authority, string, error) {
	certPEM, err := os.ReadFile(certPath)
	if errors.Is(err, os.ErrNotExist) {
		return nil, "new development CA", nil
	} else if err != nil {
		return nil, "", fmt.Errorf("devpki: %w", err)
	}
	unusable := func(format string, args ...any) error {
		return fmt.Errorf("%w: %s %s; remove %s and %s to make a new development CA (every leaf is then issued again)",
			ErrUnusableCA, certPath, fmt.Sprintf(format, args...), filepath.Base(certPath), filepath.Base(keyPath))
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return nil, "", unusable("is unparsable: %v", err)
	}
	if !cert.IsCA || cert.KeyUsage&x509.KeyUsageCertSign == 0 {
		return nil, "", unusable("is not a CA certificate")
	}
	keyPEM, err := os.ReadFile(keyPath)
	if err != nil {
		return nil, "", unusable("has no readable key (%v)", err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return nil, "", unusable("has an unparsable key: %v", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return nil, "", unusable("does not match %s", filepath.Base(keyPath))
	}
	if expiresSoon(cert, now) {
		return nil, fmt.Sprintf("the CA expires %s", cert.NotAfter.UTC().Format(time.DateOnly)), nil
	}
	return &authority{cert: cert, key: key}, "", nil
}

// newCA makes a self-signed CA that may sign leaves only (path length 0).
func newCA(now time.Time) (*authority, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devpki: CA key: %w", err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: CAName},
		NotBefore:             now.Add(-clockSkew),
		NotAfter:              now.Add(CAValidity),
		IsCA:                  true,
		BasicConstraintsValid: true,
		MaxPathLenZero:        true,
		KeyUsage:              x509.KeyUsageCertSign | x509.KeyUsageCRLSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("devpki: CA certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("devpki: CA certificate: %w", err)
	}
	return &authority{cert: cert, key: key}, nil
}

// ensureLeaf keeps the leaf's pair when it is sound, or issues a new one.
func ensureLeaf(dir string, ca *authority, l Leaf, now time.Time) ([]File, error) {
	certPath, keyPath := filepath.Join(dir, l.CertFile()), filepath.Join(dir, l.KeyFile())
	reason := checkLeaf(certPath, keyPath, ca, now)
	if reason == "" {
		return []File{{Path: certPath}, {Path: keyPath}}, nil
	}
	der, key, err := ca.issue(l, now)
	if err != nil {
		return nil, err
	}
	if err := writePair(certPath, keyPath, der, key); err != nil {
		return nil, err
	}
	return []File{{Path: certPath, Made: true, Reason: reason}, {Path: keyPath, Made: true, Reason: reason}}, nil
}

// checkLeaf returns why the pair must be issued again, or "" to keep it.
func checkLeaf(certPath, keyPath string, ca *authority, now time.Time) string {
	certPEM, certErr := os.ReadFile(certPath)
	keyPEM, keyErr := os.ReadFile(keyPath)
	if errors.Is(certErr, os.ErrNotExist) || errors.Is(keyErr, os.ErrNotExist) {
		return "missing"
	}
	if err := errors.Join(certErr, keyErr); err != nil {
		return fmt.Sprintf("unreadable: %v", err)
	}
	cert, err := parseCert(certPEM)
	if err != nil {
		return fmt.Sprintf("unparsable: %v", err)
	}
	key, err := parseKey(keyPEM)
	if err != nil {
		return fmt.Sprintf("unparsable key: %v", err)
	}
	if !key.PublicKey.Equal(cert.PublicKey) {
		return "the key does not match the certificate"
	}
	if err := cert.CheckSignatureFrom(ca.cert); err != nil {
		return "not signed by the current CA"
	}
	if expiresSoon(cert, now) {
		if now.After(cert.NotAfter) {
			return fmt.Sprintf("expired %s", cert.NotAfter.UTC().Format(time.DateOnly))
		}
		return fmt.Sprintf("expires %s", cert.NotAfter.UTC().Format(time.DateOnly))
	}
	return ""
}

// issue signs a new key pair for l, valid LeafValidity but never beyond
// the CA.
func (ca *authority) issue(l Leaf, now time.Time) ([]byte, *ecdsa.PrivateKey, error) {
	uris := make([]*url.URL, 0, len(l.URIs))
	for _, s := range l.URIs {
		u, err := url.Parse(s)
		if err != nil {
			return nil, nil, fmt.Errorf("devpki: %s: URI %q: %w", l.Name, s, err)
		}
		uris = append(uris, u)
	}
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, nil, fmt.Errorf("devpki: %s key: %w", l.Name, err)
	}
	serial, err := newSerial()
	if err != nil {
		return nil, nil, err
	}
	notAfter := now.Add(LeafValidity)
	if notAfter.After(ca.cert.NotAfter) {
		notAfter = ca.cert.NotAfter
	}
	tmpl := &x509.Certificate{
		SerialNumber: serial,
		Subject:      pkix.Name{CommonName: l.Name},
		NotBefore:    now.Add(-clockSkew),
		NotAfter:     notAfter,
		KeyUsage:     x509.KeyUsageDigitalSignature,
		ExtKeyUsage:  []x509.ExtKeyUsage{l.Usage},
		DNSNames:     l.DNSNames,
		IPAddresses:  l.IPAddresses,
		URIs:         uris,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return nil, nil, fmt.Errorf("devpki: %s certificate: %w", l.Name, err)
	}
	return der, key, nil
}

// expiresSoon reports whether cert expires within RenewBefore of now.
func expiresSoon(cert *x509.Certificate, now time.Time) bool {
	return cert.NotAfter.Sub(now) < RenewBefore
}

// newSerial returns a random 128-bit serial number, unique without any
// state to keep.
func newSerial() (*big.Int, error) {
	serial, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 128))
	if err != nil {
		return nil, fmt.Errorf("devpki: serial number: %w", err)
	}
	return serial, nil
}
