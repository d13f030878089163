// Package devcerts writes a throw-away certificate authority, a server
// certificate for 127.0.0.1 and a client certificate as PEM files, for
// running the services with TLS and mutual TLS on loopback: in tests
// (through pkitest) and in commands such as the benchmarks. The services
// read certificates from files named by their environment, hence files.
// The keys are ECDSA P-256 and live as long as the directory: never use
// them beyond one run.
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
	"time"
)

// PKI holds the paths of the PEM files: a CA, a server certificate for
// 127.0.0.1 and a client certificate, both signed by the CA, with their
// keys. The certificates are valid for an hour either side of the time of
// Write.
type PKI struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// Write writes a fresh PKI to dir, which must exist. clientID, when not
// nil, is the client certificate's URI SAN: a SPIFFE ID such as
// spiffe://platform/bench.
func Write(dir string, clientID *url.URL) (PKI, error) {
	caKey, err := newKey()
	if err != nil {
		return PKI{}, err
	}
	now := time.Now()
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             now.Add(-time.Hour),
		NotAfter:              now.Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		return PKI{}, fmt.Errorf("devcerts: CA: %w", err)
	}
	caCert, err := x509.ParseCertificate(caDER)
	if err != nil {
		return PKI{}, fmt.Errorf("devcerts: CA: %w", err)
	}
	var p PKI
	if p.CA, err = writePEM(dir, "ca.pem", "CERTIFICATE", caDER); err != nil {
		return PKI{}, err
	}
	server := &x509.Certificate{
		SerialNumber: big.NewInt(2),
		Subject:      pkix.Name{CommonName: "server"},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth},
		IPAddresses:  []net.IP{net.IPv4(127, 0, 0, 1)},
	}
	if p.ServerCert, p.ServerKey, err = writeLeaf(dir, server, caCert, caKey); err != nil {
		return PKI{}, err
	}
	client := &x509.Certificate{
		SerialNumber: big.NewInt(3),
		Subject:      pkix.Name{CommonName: "client"},
		ExtKeyUsage:  []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth},
	}
	if clientID != nil {
		client.URIs = []*url.URL{clientID}
	}
	if p.ClientCert, p.ClientKey, err = writeLeaf(dir, client, caCert, caKey); err != nil {
		return PKI{}, err
	}
	return p, nil
}

// writeLeaf signs tmpl (named by its common name) with the CA for a new key
// and writes the certificate and the key to dir.
func writeLeaf(dir string, tmpl, ca *x509.Certificate, caKey *ecdsa.PrivateKey) (certFile, keyFile string, err error) {
	name := tmpl.Subject.CommonName
	key, err := newKey()
	if err != nil {
		return "", "", err
	}
	tmpl.NotBefore, tmpl.NotAfter = ca.NotBefore, ca.NotAfter
	tmpl.KeyUsage = x509.KeyUsageDigitalSignature
	der, err := x509.CreateCertificate(rand.Reader, tmpl, ca, &key.PublicKey, caKey)
	if err != nil {
		return "", "", fmt.Errorf("devcerts: %s certificate: %w", name, err)
	}
	keyDER, err := x509.MarshalECPrivateKey(key)
	if err != nil {
		return "", "", fmt.Errorf("devcerts: %s key: %w", name, err)
	}
	if certFile, err = writePEM(dir, name+".pem", "CERTIFICATE", der); err != nil {
		return "", "", err
	}
	if keyFile, err = writePEM(dir, name+"-key.pem", "EC PRIVATE KEY", keyDER); err != nil {
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

func newKey() (*ecdsa.PrivateKey, error) {
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		return nil, fmt.Errorf("devcerts: key: %w", err)
	}
	return key, nil
}
