// Package pkitest makes a throw-away certificate authority for tests of TLS
// and mutual TLS (devcerts, failing the test on error), written as PEM
// files in the test's temporary directory: the services read certificates
// from files named by their environment.
package pkitest

import (
	"testing"

	"github.com/infrastructure/platform/internal/devcerts"
)

// PKI holds the paths of the PEM files: a CA, a server certificate for
// 127.0.0.1 and localhost and a client certificate (DNS SAN "client"),
// both signed by the CA, with their keys. IssueClient and IssueServer
// sign more.
type PKI struct {
	devcerts.PKI
	ca *devcerts.CA
}

// New writes a fresh PKI to t.TempDir().
func New(t testing.TB) PKI {
	t.Helper()
	p, ca, err := devcerts.Write(t.TempDir(), "client")
	if err != nil {
		t.Fatal(err)
	}
	return PKI{PKI: p, ca: ca}
}

// IssueClient writes a client certificate whose identity is id (a URI SAN
// when it has a scheme, else a DNS SAN, none when empty).
func (p PKI) IssueClient(t testing.TB, id string) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile, err := p.ca.IssueClient(id)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}

// IssueServer writes a new server certificate for 127.0.0.1 and localhost.
func (p PKI) IssueServer(t testing.TB, name string) (certFile, keyFile string) {
	t.Helper()
	certFile, keyFile, err := p.ca.IssueServer(name)
	if err != nil {
		t.Fatal(err)
	}
	return certFile, keyFile
}
