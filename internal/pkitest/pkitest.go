// Package pkitest makes a throw-away certificate authority for tests of TLS
// and mutual TLS, written as PEM files in the test's temporary directory:
// the services read certificates from files named by their environment.
package pkitest

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// PKI holds the paths of the PEM files: a CA, a server certificate for
// 127.0.0.1 and a client certificate (DNS SAN "client"), both signed by
// the CA, with their keys. The certificates are valid for an hour either
// side of now. IssueClient and IssueServer sign more.
type PKI struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string

	dir    string
	caCert *x509.Certificate
	caKey  *ecdsa.PrivateKey
}

// New writes a fresh PKI to t.TempDir().
func New(t testing.TB) PKI {
	t.Helper()
	p := PKI{dir: t.TempDir(), caKey: newKey(t)}
	caTmpl := &x509.Certificate{
		SerialNumber:          serial(t),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &p.caKey.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	if p.caCert, err = x509.ParseCertificate(caDER); err != nil {
		t.Fatal(err)
	}
	p.CA = writePEM(t, p.dir, "ca.pem", "CERTIFICATE", caDER)
	p.ServerCert, p.ServerKey = p.IssueServer(t, "server")
	p.ClientCert, p.ClientKey = p.IssueClient(t, "client")
	return p
}

// IssueClient writes a client certificate (and its key) whose identity is
// id: a URI SAN when id has a scheme (spiffe://platform/executor), else a
// DNS SAN. Empty, the certificate has no SAN at all.
func (p PKI) IssueClient(t testing.TB, id string) (certFile, keyFile string) {
	t.Helper()
	tmpl := &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	name := "anonymous"
	if id != "" {
		name = id
		if u, err := url.Parse(id); err == nil && u.Scheme != "" {
			tmpl.URIs = []*url.URL{u}
		} else {
			tmpl.DNSNames = []string{id}
		}
	}
	return p.issue(t, name, tmpl)
}

// IssueServer writes a server certificate for 127.0.0.1 and localhost
// under a new file name (a certificate to rotate to).
func (p PKI) IssueServer(t testing.TB, name string) (certFile, keyFile string) {
	t.Helper()
	return p.issue(t, name, &x509.Certificate{
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	})
}

// issue signs tmpl (SANs and usage set by the caller) and writes it.
func (p PKI) issue(t testing.TB, name string, tmpl *x509.Certificate) (certFile, keyFile string) {
	t.Helper()
	key := newKey(t)
	tmpl.SerialNumber = serial(t)
	tmpl.Subject = pkix.Name{CommonName: name}
	tmpl.NotBefore, tmpl.NotAfter = time.Now().Add(-time.Hour), time.Now().Add(time.Hour)
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, p.caCert, &key.PublicKey, p.caKey)
	if err != nil {
		t.Fatal(err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.NewReplacer("://", "-", "/", "-", ":", "-").Replace(name) + "-" + tmpl.SerialNumber.Text(16)[:8]
	return writePEM(t, p.dir, base+".pem", "CERTIFICATE", der), writePEM(t, p.dir, base+"-key.pem", "EC PRIVATE KEY", keyDER)
}

// writePEM writes der as one PEM block of the given type to dir/name and
// returns the path.
func writePEM(t testing.TB, dir, name, blockType string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

func serial(t testing.TB) *big.Int {
	t.Helper()
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		t.Fatal(err)
	}
	return n.Add(n, big.NewInt(1<<40)) // at least 8 hex digits
}

func newKey(t testing.TB) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}
