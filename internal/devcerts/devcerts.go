// Package devcerts writes a throw-away certificate authority and
// certificates it signs as PEM files, for running the services with TLS
// and mutual TLS on loopback: in tests (through pkitest) and in commands
// such as the benchmarks. The services read certificates from files named
// by their environment, hence files. The keys are ECDSA P-256, valid for
// an hour either side of their making, and live as long as the directory:
// never use them beyond one run.
package devcerts

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"fmt"
	"math/big"
	"net"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// PKI holds the paths of the PEM files: a CA, a server certificate for
// 127.0.0.1 and localhost and a client certificate, both signed by the CA,
// with their keys.
type PKI struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// Write writes a fresh PKI to dir, which must exist. clientID, when not
// empty, is the client certificate's identity (see CA.IssueClient).
func Write(dir, clientID string) (PKI, *CA, error) {
	ca, err := NewCA(dir)
	if err != nil {
		return PKI{}, nil, err
	}
	p := PKI{CA: ca.File}
	if p.ServerCert, p.ServerKey, err = ca.IssueServer("server"); err != nil {
		return PKI{}, nil, err
	}
	if p.ClientCert, p.ClientKey, err = ca.IssueClient(clientID); err != nil {
		return PKI{}, nil, err
	}
	return p, ca, nil
}

// CA is a certificate authority whose certificate is in File.
type CA struct {
	// File is the path of the CA certificate (PEM).
	File string

	dir  string
	cert *x509.Certificate
	key  *ecdsa.PrivateKey
}

// NewCA makes a CA and writes its certificate to dir/ca.pem.
func NewCA(dir string) (*CA, error) {
	key, err := newKey()
	if err != nil {
		return nil, err
	}
	serial, err := newSerial()
	if err != nil {
		return nil, err
	}
	now := time.Now()
	tmpl := &x509.Certificate{
		SerialNumber:          serial,
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("devcerts: CA: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("devcerts: CA: %w", err)
	}
	file, err := writePEM(dir, "ca.pem", "CERTIFICATE", der)
	if err != nil {
		return nil, err
	}
	return &CA{File: file, dir: dir, cert: cert, key: key}, nil
}

// IssueClient writes a client certificate (and its key) whose identity is
// id: a URI SAN when id has a scheme (spiffe://platform/executor), else a
// DNS SAN; empty, the certificate has no SAN at all.
func (ca *CA) IssueClient(id string) (certFile, keyFile string, err error) {
	tmpl := &x509.Certificate{ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}
	name := "client"
	if id != "" {
		name = id
		if u, err := url.Parse(id); err == nil && u.Scheme != "" {
			tmpl.URIs = []*url.URL{u}
		} else {
			tmpl.DNSNames = []string{id}
		}
	}
	return ca.issue(name, tmpl)
}

// IssueServer writes a server certificate for 127.0.0.1 and localhost,
// under a file name of its own (a certificate to rotate to).
func (ca *CA) IssueServer(name string) (certFile, keyFile string, err error) {
	return ca.issue(name, &x509.Certificate{
		ExtKeyUsage: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)},
		DNSNames:    []string{"localhost"},
	})
}

// issue signs tmpl (SANs and usage set by the caller) for a new key and
// writes both, named after name and the serial.
func (ca *CA) issue(name string, tmpl *x509.Certificate) (certFile, keyFile string, err error) {
	key, err := newKey()
	if err != nil {
		return "", "", err
	}
	if tmpl.SerialNumber, err = newSerial(); err != nil {
		return "", "", err
	}
	tmpl.Subject = pkix.Name{CommonName: name}
	tmpl.NotBefore, tmpl.NotAfter = ca.cert.NotBefore, ca.cert.NotAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca.cert, &key.PublicKey, ca.key)
	if err != nil {
		return "", "", fmt.Errorf("devcerts: %s certificate: %w", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("devcerts: %s key: %w", name, err)
	}
	base := strings.NewReplacer("://", "-", "/", "-", ":", "-").Replace(name) + "-" + tmpl.SerialNumber.Text(16)[:8]
	if certFile, err = writePEM(ca.dir, base+".pem", "CERTIFICATE", der); err != nil {
		return "", "", err
	}
	if keyFile, err = writePEM(ca.dir, base+"-key.pem", "EC PRIVATE KEY", keyDER); err != nil {
		return "", "", err
	}
	return certFile, keyFile, nil
}

// writePEM writes der as one PEM block of the given type to dir/name and
// returns the path.
func writePEM(dir, name, blockType string, der []byte) (string, error) {
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: blockType, Bytes: der}), 0o600); err != nil {
		return "", fmt.Errorf("devcerts: %w", err)
	}
	return path, nil
}

// newSerial returns a random serial of at least 8 hex digits.
func newSerial() (*big.Int, error) {
	n, err := rand.Int(rand.Reader, new(big.Int).Lsh(big.NewInt(1), 62))
	if err != nil {
		return nil, fmt.Errorf("devcerts: serial: %w", err)
	}
	return n.Add(n, big.NewInt(1<<40)), nil
}

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devcerts: key: %w", err)
	}
	return key, nil
}
