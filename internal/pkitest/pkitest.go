// Package pkitest makes a throw-away certificate authority for tests of TLS
// and mutual TLS, written as PEM files in the test's temporary directory:
// the services read certificates from files named by their environment.
package pkitest

import (
	"testing"

	"github.com/infrastructure/platform/internal/devcerts"
)

// PKI holds the paths of the PEM files: a CA, a server certificate for
// 127.0.0.1 and a client certificate, both signed by the CA, with their
// keys. The certificates are valid for an hour either side of now.
type PKI = devcerts.PKI

// New writes a fresh PKI to t.TempDir().
func New(t testing.TB) PKI {
	t.Helper()
	p, err := devcerts.Write(t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return p
}
