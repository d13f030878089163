package devcerts_test

import (
	"crypto/tls"
	"crypto/x509"
	"os"
	"testing"

	"github.com/infrastructure/platform/internal/devcerts"
)

// TestWrite checks what TLS on loopback needs: each key matches its
// certificate, the server certificate verifies for 127.0.0.1 as a server,
// the client certificate as a client with its SPIFFE ID.
func TestWrite(t *testing.T) {
	t.Parallel()
	p, ca, err := devcerts.Write(t.TempDir(), "spiffe://platform/bench")
	if err != nil {
		t.Fatal(err)
	}
	rotated, rotatedKey, err := ca.IssueServer("rotated")
	if err != nil {
		t.Fatal(err)
	}
	dnsClient, dnsClientKey, err := ca.IssueClient("billing.internal")
	if err != nil {
		t.Fatal(err)
	}
	caPEM, err := os.ReadFile(p.CA)
	if err != nil {
		t.Fatal(err)
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		t.Fatal("the CA file holds no certificate")
	}
	for _, tt := range []struct {
		name      string
		cert, key string
		opts      x509.VerifyOptions
		uri       string
	}{
		{"case=server", p.ServerCert, p.ServerKey, x509.VerifyOptions{DNSName: "127.0.0.1", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ""},
		{"case=client", p.ClientCert, p.ClientKey, x509.VerifyOptions{KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, "spiffe://platform/bench"},
		{"case=another server", rotated, rotatedKey, x509.VerifyOptions{DNSName: "localhost", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageServerAuth}}, ""},
		{"case=client by DNS name", dnsClient, dnsClientKey, x509.VerifyOptions{DNSName: "billing.internal", KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageClientAuth}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			pair, err := tls.LoadX509KeyPair(tt.cert, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			leaf := pair.Leaf
			tt.opts.Roots = roots
			if _, err := leaf.Verify(tt.opts); err != nil {
				t.Errorf("Verify: %v", err)
			}
			var uris []string
			for _, u := range leaf.URIs {
				uris = append(uris, u.String())
			}
			if want := tt.uri; (want == "" && len(uris) != 0) || (want != "" && (len(uris) != 1 || uris[0] != want)) {
				t.Errorf("URI SANs = %v, want %q", uris, want)
			}
		})
	}
}
