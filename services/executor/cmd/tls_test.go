package main

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/infrastructure/platform/services/auth/authtest"
)

// TestMutualTLS runs the auth service's gRPC API with mutual TLS and the
// executor with AUTH_TLS_*: validations and health checks both go over
// TLS, and an executor without a client certificate is refused.
func TestMutualTLS(t *testing.T) {
	t.Parallel()
	pki := newPKI(t)
	srv := authtest.Start(t, authtest.Options{Env: map[string]string{
		"GRPC_TLS_CERT":  pki.serverCert,
		"GRPC_TLS_KEY":   pki.serverKey,
		"GRPC_CLIENT_CA": pki.ca,
	}})
	token, err := srv.Register(t.Context(), "ada@example.com", "password1")
	if err != nil {
		t.Fatal(err)
	}

	for _, tt := range []struct {
		name   string
		env    map[string]string
		status int
	}{
		{"case=client certificate", map[string]string{"AUTH_TLS_CA": pki.ca, "AUTH_TLS_CERT": pki.clientCert, "AUTH_TLS_KEY": pki.clientKey}, http.StatusOK},
		{"case=no client certificate", map[string]string{"AUTH_TLS_CA": pki.ca}, http.StatusServiceUnavailable},
		{"case=plaintext", nil, http.StatusServiceUnavailable},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			env := map[string]string{"AUTH_GRPC_ADDR": srv.GRPCAddr}
			for k, v := range tt.env {
				env[k] = v
			}
			url := startExecutor(t, env)
			if code, body := status(t, url, "/executor/whoami", token); code != tt.status {
				t.Errorf("whoami: %d %v, want %d", code, body, tt.status)
			}
			if code, body := status(t, url, "/healthz", ""); code != tt.status {
				t.Errorf("healthz: %d %v, want %d", code, body, tt.status)
			}
		})
	}
}

// pki is a throw-away CA with a server certificate for 127.0.0.1 and a
// client certificate, as PEM files.
type pki struct {
	ca, serverCert, serverKey, clientCert, clientKey string
}

func newPKI(t *testing.T) pki {
	t.Helper()
	dir := t.TempDir()
	caKey := newKey(t)
	caTmpl := &x509.Certificate{
		SerialNumber:          big.NewInt(1),
		Subject:               pkix.Name{CommonName: "test CA"},
		NotBefore:             time.Now().Add(-time.Hour),
		NotAfter:              time.Now().Add(time.Hour),
		IsCA:                  true,
		BasicConstraintsValid: true,
		KeyUsage:              x509.KeyUsageCertSign,
	}
	caDER, err := x509.CreateCertificate(rand.Reader, caTmpl, caTmpl, &caKey.PublicKey, caKey)
	if err != nil {
		t.Fatal(err)
	}
	caCert, _ := x509.ParseCertificate(caDER)
	p := pki{ca: writePEM(t, dir, "ca.pem", "CERTIFICATE", caDER)}
	leaf := func(name string, serial int64, usage x509.ExtKeyUsage, ips []net.IP) (string, string) {
		key := newKey(t)
		tmpl := &x509.Certificate{
			SerialNumber: big.NewInt(serial),
			Subject:      pkix.Name{CommonName: name},
			NotBefore:    time.Now().Add(-time.Hour),
			NotAfter:     time.Now().Add(time.Hour),
			KeyUsage:     x509.KeyUsageDigitalSignature,
			ExtKeyUsage:  []x509.ExtKeyUsage{usage},
			IPAddresses:  ips,
		}
		der, err := x509.CreateCertificate(rand.Reader, tmpl, caCert, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		keyDER, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return writePEM(t, dir, name+".pem", "CERTIFICATE", der), writePEM(t, dir, name+"-key.pem", "EC PRIVATE KEY", keyDER)
	}
	p.serverCert, p.serverKey = leaf("auth", 2, x509.ExtKeyUsageServerAuth, []net.IP{net.IPv4(127, 0, 0, 1)})
	p.clientCert, p.clientKey = leaf("executor", 3, x509.ExtKeyUsageClientAuth, nil)
	return p
}

func newKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	return key
}

func writePEM(t *testing.T, dir, name, kind string, der []byte) string {
	t.Helper()
	path := filepath.Join(dir, name)
	if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: kind, Bytes: der}), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}
