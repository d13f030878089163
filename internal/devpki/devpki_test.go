package devpki_test

import (
	"bytes"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"net"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/devpki"
)

// start is the clock of the first Init of every test.
var start = time.Date(2026, 3, 1, 12, 0, 0, 0, time.UTC)

func at(t time.Time) devpki.Options { return devpki.Options{Now: func() time.Time { return t }} }

// initDir runs Init and fails the test on error.
func initDir(t *testing.T, dir string, opts devpki.Options) []devpki.File {
	t.Helper()
	files, err := devpki.Init(dir, opts)
	if err != nil {
		t.Fatalf("Init: %v", err)
	}
	return files
}

// made returns the base names of the files Init wrote.
func made(files []devpki.File) []string {
	var out []string
	for _, f := range files {
		if f.Made {
			out = append(out, filepath.Base(f.Path))
		}
	}
	return out
}

func readCert(t *testing.T, path string) *x509.Certificate {
	t.Helper()
	pair, err := tls.LoadX509KeyPair(path, strings.TrimSuffix(path, ".pem")+"-key.pem")
	if err != nil {
		t.Fatal(err)
	}
	return pair.Leaf
}

func caCert(t *testing.T, dir string) *x509.Certificate {
	t.Helper()
	return readCert(t, filepath.Join(dir, devpki.CAFile))
}

func mustRead(t *testing.T, path string) []byte {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

// snapshot returns every file of dir with its content.
func snapshot(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		out[e.Name()] = mustRead(t, filepath.Join(dir, e.Name()))
	}
	return out
}

func writeFile(t *testing.T, dir, name string, data []byte) {
	t.Helper()
	if err := os.WriteFile(filepath.Join(dir, name), data, 0o600); err != nil {
		t.Fatal(err)
	}
}

func removeFile(t *testing.T, dir, name string) {
	t.Helper()
	if err := os.Remove(filepath.Join(dir, name)); err != nil {
		t.Fatal(err)
	}
}

var allFiles = []string{"ca.pem", "ca-key.pem", "auth.pem", "auth-key.pem", "executor.pem", "executor-key.pem", "operator.pem", "operator-key.pem"}

func TestDevPKIFreshDirectory(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "certs") // made by Init
	files := initDir(t, dir, at(start))
	if got := made(files); !slices.Equal(got, allFiles) {
		t.Fatalf("made %v, want %v", got, allFiles)
	}
	for _, name := range allFiles {
		info, err := os.Stat(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		want := os.FileMode(0o644)
		if strings.HasSuffix(name, "-key.pem") {
			want = 0o600
		}
		if info.Mode().Perm() != want {
			t.Errorf("%s: mode %v, want %v", name, info.Mode().Perm(), want)
		}
	}

	ca := caCert(t, dir)
	if ca.Subject.CommonName != devpki.CAName || !ca.IsCA || !ca.MaxPathLenZero {
		t.Errorf("CA: %q, IsCA %v, MaxPathLenZero %v", ca.Subject.CommonName, ca.IsCA, ca.MaxPathLenZero)
	}
	if want := start.Add(devpki.CAValidity); !ca.NotAfter.Equal(want) {
		t.Errorf("CA valid until %v, want %v", ca.NotAfter, want)
	}
	roots := x509.NewCertPool()
	roots.AddCert(ca)

	for _, tc := range []struct {
		name    string
		usage   x509.ExtKeyUsage
		uri     string
		dns     []string
		ips     []string
		refuses x509.ExtKeyUsage
	}{
		{"auth", x509.ExtKeyUsageServerAuth, "spiffe://platform/auth", []string{"auth", "localhost"}, []string{"127.0.0.1", "::1"}, x509.ExtKeyUsageClientAuth},
		{"executor", x509.ExtKeyUsageClientAuth, "spiffe://platform/executor", []string{"executor"}, nil, x509.ExtKeyUsageServerAuth},
		{"operator", x509.ExtKeyUsageClientAuth, "spiffe://platform/operator", nil, nil, x509.ExtKeyUsageServerAuth},
	} {
		t.Run("leaf="+tc.name, func(t *testing.T) {
			cert := readCert(t, filepath.Join(dir, tc.name+".pem"))
			verify := func(usage x509.ExtKeyUsage, host string) error {
				_, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{usage}, DNSName: host, CurrentTime: start})
				return err
			}
			if err := verify(tc.usage, ""); err != nil {
				t.Errorf("does not verify for its usage: %v", err)
			}
			if verify(tc.refuses, "") == nil {
				t.Errorf("verifies for usage %v too", tc.refuses)
			}
			for _, host := range append(slices.Clone(tc.dns), tc.ips...) {
				if err := verify(tc.usage, host); err != nil {
					t.Errorf("not valid for %s: %v", host, err)
				}
			}
			if len(cert.URIs) != 1 || cert.URIs[0].String() != tc.uri {
				t.Errorf("URIs %v, want [%s]", cert.URIs, tc.uri)
			}
			if !slices.Equal(cert.DNSNames, tc.dns) {
				t.Errorf("DNS names %v, want %v", cert.DNSNames, tc.dns)
			}
			if len(cert.IPAddresses) != len(tc.ips) {
				t.Errorf("IP addresses %v, want %v", cert.IPAddresses, tc.ips)
			}
			if want := start.Add(devpki.LeafValidity); !cert.NotAfter.Equal(want) {
				t.Errorf("valid until %v, want %v", cert.NotAfter, want)
			}
		})
	}
}

// TestDevPKIMutualTLS proves the files work as they are meant to: the auth
// certificate serves names the clients dial, and the server sees the
// client's SPIFFE ID.
func TestDevPKIMutualTLS(t *testing.T) {
	dir := t.TempDir()
	initDir(t, dir, devpki.Options{})
	roots := x509.NewCertPool()
	roots.AppendCertsFromPEM(mustRead(t, filepath.Join(dir, devpki.CAFile)))
	pair := func(name string) tls.Certificate {
		c, err := tls.LoadX509KeyPair(filepath.Join(dir, name+".pem"), filepath.Join(dir, name+"-key.pem"))
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
	server := &tls.Config{Certificates: []tls.Certificate{pair("auth")}, ClientCAs: roots, ClientAuth: tls.RequireAndVerifyClientCert}

	for _, tc := range []struct{ client, serverName, identity string }{
		{"executor", "auth", "spiffe://platform/executor"},
		{"operator", "localhost", "spiffe://platform/operator"},
		{"executor", "127.0.0.1", "spiffe://platform/executor"},
	} {
		t.Run("case="+tc.client+"@"+tc.serverName, func(t *testing.T) {
			c, s := net.Pipe()
			defer c.Close()
			defer s.Close()
			srv := tls.Server(s, server)
			done := make(chan error, 1)
			go func() { done <- srv.Handshake() }()
			cli := tls.Client(c, &tls.Config{RootCAs: roots, ServerName: tc.serverName, Certificates: []tls.Certificate{pair(tc.client)}})
			if err := cli.Handshake(); err != nil {
				t.Fatalf("client handshake: %v", err)
			}
			if err := <-done; err != nil {
				t.Fatalf("server handshake: %v", err)
			}
			peer := srv.ConnectionState().PeerCertificates[0]
			if got := peer.URIs[0].String(); got != tc.identity {
				t.Errorf("server sees %s, want %s", got, tc.identity)
			}
		})
	}
}

func TestDevPKIKeepsWhatIsSound(t *testing.T) {
	dir := t.TempDir()
	initDir(t, dir, at(start))
	before := snapshot(t, dir)
	files := initDir(t, dir, at(start.Add(devpki.LeafValidity-devpki.RenewBefore-time.Hour)))
	if got := made(files); len(got) != 0 {
		t.Errorf("made %v again", got)
	}
	var lines []string
	for _, f := range files {
		lines = append(lines, f.String())
	}
	if want := "kept " + filepath.Join(dir, "ca.pem"); lines[0] != want {
		t.Errorf("first line %q, want %q", lines[0], want)
	}
	if len(lines) != len(allFiles) {
		t.Errorf("%d lines, want one per file: %q", len(lines), lines)
	}
	after := snapshot(t, dir) // also: no temporary file left behind
	if len(after) != len(before) {
		t.Errorf("files %d, then %d", len(before), len(after))
	}
	for name, data := range before {
		if !bytes.Equal(after[name], data) {
			t.Errorf("%s changed", name)
		}
	}
}

func TestDevPKIReissuesLeaves(t *testing.T) {
	write := func(name string, data []byte) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { writeFile(t, dir, name, data) }
	}
	remove := func(name string) func(t *testing.T, dir string) {
		return func(t *testing.T, dir string) { removeFile(t, dir, name) }
	}
	for _, tc := range []struct {
		name   string
		damage func(t *testing.T, dir string)
		later  time.Duration // since start, for the second Init
		made   []string
		reason string
	}{
		{name: "certificate missing", damage: remove("auth.pem"),
			made: []string{"auth.pem", "auth-key.pem"}, reason: "missing"},
		{name: "key missing", damage: remove("executor-key.pem"),
			made: []string{"executor.pem", "executor-key.pem"}, reason: "missing"},
		{name: "certificate unparsable", damage: write("operator.pem", []byte("not PEM")),
			made: []string{"operator.pem", "operator-key.pem"}, reason: "unparsable"},
		{name: "key unparsable", damage: write("auth-key.pem", []byte("-----BEGIN PRIVATE KEY-----\nAAAA\n-----END PRIVATE KEY-----\n")),
			made: []string{"auth.pem", "auth-key.pem"}, reason: "unparsable key"},
		{name: "key of another leaf", damage: func(t *testing.T, dir string) {
			write("operator-key.pem", mustRead(t, filepath.Join(dir, "executor-key.pem")))(t, dir)
		}, made: []string{"operator.pem", "operator-key.pem"}, reason: "does not match"},
		{name: "signed by another CA", damage: func(t *testing.T, dir string) {
			other := t.TempDir()
			initDir(t, other, at(start))
			for _, name := range []string{"executor.pem", "executor-key.pem"} {
				write(name, mustRead(t, filepath.Join(other, name)))(t, dir)
			}
		}, made: []string{"executor.pem", "executor-key.pem"}, reason: "not signed by the current CA"},
		{name: "expiring within 30 days", later: devpki.LeafValidity - devpki.RenewBefore + time.Hour,
			made: []string{"auth.pem", "auth-key.pem", "executor.pem", "executor-key.pem", "operator.pem", "operator-key.pem"}, reason: "expires"},
		{name: "expired", later: devpki.LeafValidity + 24*time.Hour,
			made: []string{"auth.pem", "auth-key.pem", "executor.pem", "executor-key.pem", "operator.pem", "operator-key.pem"}, reason: "expired"},
		{name: "31 days left", later: devpki.LeafValidity - devpki.RenewBefore - 24*time.Hour},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			dir := t.TempDir()
			initDir(t, dir, at(start))
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			ca := snapshot(t, dir)[devpki.CAFile]
			now := start.Add(tc.later)
			files := initDir(t, dir, at(now))
			if got := made(files); !slices.Equal(got, tc.made) {
				t.Fatalf("made %v, want %v", got, tc.made)
			}
			for _, f := range files {
				if f.Made && !strings.Contains(f.Reason, tc.reason) {
					t.Errorf("%s made because %q, want %q", f.Path, f.Reason, tc.reason)
				}
			}
			if !bytes.Equal(snapshot(t, dir)[devpki.CAFile], ca) {
				t.Error("the CA changed")
			}
			roots := x509.NewCertPool()
			roots.AddCert(caCert(t, dir))
			for _, name := range tc.made {
				if strings.HasSuffix(name, "-key.pem") {
					continue
				}
				cert := readCert(t, filepath.Join(dir, name))
				if _, err := cert.Verify(x509.VerifyOptions{Roots: roots, KeyUsages: []x509.ExtKeyUsage{x509.ExtKeyUsageAny}, CurrentTime: now}); err != nil {
					t.Errorf("%s does not verify: %v", name, err)
				}
			}
		})
	}
}

func TestDevPKICA(t *testing.T) {
	for _, tc := range []struct {
		name     string
		damage   func(t *testing.T, dir string)
		later    time.Duration
		unusable bool // Init refuses and changes nothing
		reason   string
	}{
		{name: "key missing", unusable: true, damage: func(t *testing.T, dir string) {
			removeFile(t, dir, devpki.CAKeyFile)
		}},
		{name: "certificate unparsable", unusable: true, damage: func(t *testing.T, dir string) {
			writeFile(t, dir, devpki.CAFile, []byte("garbage"))
		}},
		{name: "not a CA", unusable: true, damage: func(t *testing.T, dir string) {
			writeFile(t, dir, devpki.CAFile, mustRead(t, filepath.Join(dir, "auth.pem")))
			writeFile(t, dir, devpki.CAKeyFile, mustRead(t, filepath.Join(dir, "auth-key.pem")))
		}},
		{name: "key of another CA", unusable: true, damage: func(t *testing.T, dir string) {
			other := t.TempDir()
			initDir(t, other, at(start))
			writeFile(t, dir, devpki.CAKeyFile, mustRead(t, filepath.Join(other, devpki.CAKeyFile)))
		}},
		{name: "certificate missing", reason: "new development CA", damage: func(t *testing.T, dir string) {
			removeFile(t, dir, devpki.CAFile)
		}},
		{name: "expiring within 30 days", reason: "the CA expires", later: devpki.CAValidity - devpki.RenewBefore + time.Hour},
	} {
		t.Run("case="+tc.name, func(t *testing.T) {
			dir := t.TempDir()
			initDir(t, dir, at(start))
			if tc.damage != nil {
				tc.damage(t, dir)
			}
			before := snapshot(t, dir)
			now := start.Add(tc.later)
			files, err := devpki.Init(dir, at(now))
			if tc.unusable {
				if !errors.Is(err, devpki.ErrUnusableCA) {
					t.Fatalf("Init: %v, want ErrUnusableCA", err)
				}
				if len(made(files)) != 0 {
					t.Errorf("made %v", made(files))
				}
				after := snapshot(t, dir)
				for name, data := range before {
					if !bytes.Equal(after[name], data) {
						t.Errorf("%s changed", name)
					}
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got := made(files); !slices.Equal(got, allFiles) {
				t.Fatalf("made %v, want every file", got)
			}
			if !strings.Contains(files[0].Reason, tc.reason) {
				t.Errorf("CA made because %q, want %q", files[0].Reason, tc.reason)
			}
			for _, f := range files[2:] {
				if f.Reason != "not signed by the current CA" {
					t.Errorf("%s made because %q, want: not signed by the current CA", f.Path, f.Reason)
				}
			}
		})
	}
}

// TestDevPKILeafNeverOutlivesCA: a leaf issued late in the CA's life ends
// with the CA.
func TestDevPKILeafNeverOutlivesCA(t *testing.T) {
	dir := t.TempDir()
	initDir(t, dir, at(start))
	files := initDir(t, dir, at(start.Add(devpki.CAValidity-200*24*time.Hour)))
	if got := made(files); len(got) != 6 {
		t.Fatalf("made %v, want the six leaf files", got)
	}
	ca := caCert(t, dir)
	if got := readCert(t, filepath.Join(dir, "auth.pem")).NotAfter; !got.Equal(ca.NotAfter) {
		t.Errorf("leaf valid until %v, CA until %v", got, ca.NotAfter)
	}
}

func TestDevPKIFileString(t *testing.T) {
	for _, tc := range []struct {
		f    devpki.File
		want string
	}{
		{devpki.File{Path: "/certs/ca.pem"}, "kept /certs/ca.pem"},
		{devpki.File{Path: "/certs/auth.pem", Made: true, Reason: "missing"}, "made /certs/auth.pem (missing)"},
	} {
		if got := tc.f.String(); got != tc.want {
			t.Errorf("%q, want %q", got, tc.want)
		}
	}
}
