package tlsreload_test

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/pkitest"
	"github.com/infrastructure/platform/internal/tlsreload"
)

// copyFile replaces dst with src's contents the way a careful writer
// does: a temporary file renamed over it.
func copyFile(t *testing.T, src, dst string) {
	t.Helper()
	b, err := os.ReadFile(src)
	if err != nil {
		t.Fatal(err)
	}
	tmp := filepath.Join(filepath.Dir(dst), ".tmp-"+filepath.Base(dst))
	if err := os.WriteFile(tmp, b, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.Rename(tmp, dst); err != nil {
		t.Fatal(err)
	}
}

// liveFiles copies a PKI's server pair and CA to paths of their own, so
// that the test can replace them.
func liveFiles(t *testing.T, p pkitest.PKI) tlsreload.Files {
	t.Helper()
	dir := t.TempDir()
	f := tlsreload.Files{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem"), CA: filepath.Join(dir, "ca.pem")}
	copyFile(t, p.ServerCert, f.Cert)
	copyFile(t, p.ServerKey, f.Key)
	copyFile(t, p.CA, f.CA)
	return f
}

// serve accepts TLS connections with cfg until the test ends; each
// handshake's outcome is discarded (the client sees it).
func serve(t *testing.T, cfg *tls.Config) string {
	t.Helper()
	ln, err := tls.Listen("tcp", "127.0.0.1:0", cfg)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	t.Cleanup(func() { ln.Close(); wg.Wait() })
	wg.Add(1)
	go func() {
		defer wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			_ = c.(*tls.Conn).Handshake()
			c.Close()
		}
	}()
	return ln.Addr().String()
}

func pool(t *testing.T, files ...string) *x509.CertPool {
	t.Helper()
	p := x509.NewCertPool()
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		p.AppendCertsFromPEM(b)
	}
	return p
}

// handshake dials addr with a client certificate and returns the server's
// leaf.
func handshake(addr string, roots *x509.CertPool, certFile, keyFile string) (*x509.Certificate, error) {
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		return nil, err
	}
	c, err := tls.Dial("tcp", addr, &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12})
	if err != nil {
		return nil, err
	}
	defer c.Close()
	// TLS 1.3 reports a refused client certificate on the first read.
	_ = c.SetReadDeadline(time.Now().Add(200 * time.Millisecond))
	if _, err := c.Read(make([]byte, 1)); err != nil && !errors.Is(err, os.ErrDeadlineExceeded) && !errors.Is(err, io.EOF) {
		return nil, err
	}
	return c.ConnectionState().PeerCertificates[0], nil
}

func TestServerRotation(t *testing.T) {
	t.Parallel()
	old, next := pkitest.New(t), pkitest.New(t)
	files := liveFiles(t, old)
	var reported []error
	src, err := tlsreload.New(files, tlsreload.Options{OnError: func(err error) { reported = append(reported, err) }})
	if err != nil {
		t.Fatal(err)
	}
	addr := serve(t, src.ServerConfig())
	roots := pool(t, old.CA, next.CA)
	serial := func(t *testing.T, p pkitest.PKI) string {
		t.Helper()
		leaf, err := handshake(addr, roots, p.ClientCert, p.ClientKey)
		if err != nil {
			t.Fatalf("handshake with %s's client: %v", p.CA, err)
		}
		return leaf.SerialNumber.String()
	}
	first := serial(t, old)

	t.Run("case=files unchanged", func(t *testing.T) {
		if got := serial(t, old); got != first {
			t.Errorf("serial %s, want %s", got, first)
		}
	})
	t.Run("case=half-written pair keeps the last good one", func(t *testing.T) {
		copyFile(t, next.ServerCert, files.Cert) // key still the old one
		if got := serial(t, old); got != first {
			t.Errorf("serial %s, want the old %s", got, first)
		}
		_ = serial(t, old)
		if len(reported) != 1 {
			t.Errorf("%d errors reported, want 1 (once per failure): %v", len(reported), reported)
		}
	})
	t.Run("case=new pair and CA", func(t *testing.T) {
		copyFile(t, next.ServerKey, files.Key)
		copyFile(t, next.CA, files.CA)
		if got := serial(t, next); got == first {
			t.Error("the new connection got the old certificate")
		}
		if _, err := handshake(addr, roots, old.ClientCert, old.ClientKey); err == nil {
			t.Error("a client of the retired CA was admitted")
		}
	})
}

func TestNewRefusesBadFiles(t *testing.T) {
	t.Parallel()
	p := pkitest.New(t)
	junk := filepath.Join(t.TempDir(), "junk.pem")
	if err := os.WriteFile(junk, []byte("not pem"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		name  string
		files tlsreload.Files
	}{
		{"case=cert without key", tlsreload.Files{Cert: p.ServerCert}},
		{"case=missing file", tlsreload.Files{Cert: p.ServerCert, Key: filepath.Join(t.TempDir(), "nope")}},
		{"case=key of another cert", tlsreload.Files{Cert: p.ServerCert, Key: p.ClientKey}},
		{"case=CA not PEM", tlsreload.Files{CA: junk}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := tlsreload.New(tt.files, tlsreload.Options{}); err == nil {
				t.Error("New accepted the files")
			}
		})
	}
}

// TestClientRotation: the client side presents the certificate of the
// moment, so that a sibling's rotated certificate needs no restart.
func TestClientRotation(t *testing.T) {
	t.Parallel()
	p := pkitest.New(t)
	dir := t.TempDir()
	files := tlsreload.Files{Cert: filepath.Join(dir, "cert.pem"), Key: filepath.Join(dir, "key.pem"), CA: p.CA}
	copyFile(t, p.ClientCert, files.Cert)
	copyFile(t, p.ClientKey, files.Key)
	src, err := tlsreload.New(files, tlsreload.Options{})
	if err != nil {
		t.Fatal(err)
	}
	leaf := func() string {
		t.Helper()
		c, err := src.ClientConfig("").GetClientCertificate(&tls.CertificateRequestInfo{})
		if err != nil || len(c.Certificate) == 0 {
			t.Fatalf("GetClientCertificate: %v", err)
		}
		cert, err := x509.ParseCertificate(c.Certificate[0])
		if err != nil {
			t.Fatal(err)
		}
		return cert.SerialNumber.String()
	}
	before := leaf()
	cert, key := p.IssueClient(t, "spiffe://platform/executor")
	copyFile(t, cert, files.Cert)
	copyFile(t, key, files.Key)
	if leaf() == before {
		t.Error("the client still presents the replaced certificate")
	}
}
