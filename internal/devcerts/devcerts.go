// Package devcerts writes a throw-away certificate authority and
// certificates it signs as PEM files, for running the services with TLS
// and mutual TLS on loopback: in tests (through pkitest) and in commands
// such as the benchmarks. It is devpki (the compose stack's development
// CA) with names of its own for every certificate, so that a test can
// issue as many as it needs in one directory. Never use the keys beyond
// one run.
package devcerts

import (
	"crypto/x509"
	"fmt"
	"net"
	"net/url"
	"path/filepath"
	"strings"
	"sync/atomic"

	"github.com/infrastructure/platform/internal/devpki"
)

// PKI holds the paths of the PEM files: a CA, a server certificate for
// 127.0.0.1 and localhost and a client certificate, both signed by the CA,
// with their keys.
type PKI struct {
	CA                    string
	ServerCert, ServerKey string
	ClientCert, ClientKey string
}

// Write writes a fresh PKI to dir. clientID, when not empty, is the client
// certificate's identity (see CA.IssueClient).
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

// CA is a certificate authority in a directory; its certificate is File.
type CA struct {
	// File is the path of the CA certificate (PEM).
	File string

	dir    string
	issued atomic.Int64
}

// NewCA makes a CA in dir (ca.pem, ca-key.pem).
func NewCA(dir string) (*CA, error) {
	if _, err := devpki.Init(dir, devpki.Options{Leaves: []devpki.Leaf{}}); err != nil {
		return nil, fmt.Errorf("devcerts: %w", err)
	}
	return &CA{File: filepath.Join(dir, devpki.CAFile), dir: dir}, nil
}

// IssueClient writes a client certificate (and its key) whose identity is
// id: a URI SAN when id has a scheme (spiffe://platform/executor), else a
// DNS SAN; empty, the certificate has no SAN at all.
func (ca *CA) IssueClient(id string) (certFile, keyFile string, err error) {
	l := devpki.Leaf{Name: "client", Usage: x509.ExtKeyUsageClientAuth}
	if id != "" {
		l.Name = id
		if u, err := url.Parse(id); err == nil && u.Scheme != "" {
			l.URIs = []string{id}
		} else {
			l.DNSNames = []string{id}
		}
	}
	return ca.issue(l)
}

// IssueServer writes a server certificate for 127.0.0.1 and localhost,
// under a file name of its own (a certificate to rotate to).
func (ca *CA) IssueServer(name string) (certFile, keyFile string, err error) {
	return ca.issue(devpki.Leaf{Name: name, DNSNames: []string{"localhost"},
		IPAddresses: []net.IP{net.IPv4(127, 0, 0, 1)}, Usage: x509.ExtKeyUsageServerAuth})
}

// issue writes l under a name no other certificate of the CA has.
func (ca *CA) issue(l devpki.Leaf) (certFile, keyFile string, err error) {
	l.Name = fmt.Sprintf("%s-%d", strings.NewReplacer("://", "-", "/", "-", ":", "-").Replace(l.Name), ca.issued.Add(1))
	if _, err := devpki.Init(ca.dir, devpki.Options{Leaves: []devpki.Leaf{l}}); err != nil {
		return "", "", fmt.Errorf("devcerts: %w", err)
	}
	return filepath.Join(ca.dir, l.CertFile()), filepath.Join(ca.dir, l.KeyFile()), nil
}
