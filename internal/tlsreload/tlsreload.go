// Package tlsreload serves TLS from PEM files that may be replaced while the
// process runs (cert-manager renewing a mounted secret, spiffe-helper
// writing a new SVID, an operator copying files): every handshake uses the
// files as they are at that moment, so rotating a certificate, its key or
// the CA needs no restart. Connections already open keep the certificate
// they were made with; TLS never renegotiates them.
//
// Change detection costs a stat of each file per handshake (size,
// modification time and inode, following symbolic links, as Kubernetes
// swaps a "..data" link); the files are read and parsed again only when
// one of them changed. New files that do not parse, or a certificate that
// does not match its key (a pair caught half-written), leave the last good
// ones in use and are reported once through Options.OnError; they are
// tried again at the next handshake.
package tlsreload

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"os"
	"sync"
	"syscall"
	"time"

	"google.golang.org/grpc/credentials"
)

// Files names the PEM files of one side of a connection. Cert and Key are
// this side's certificate (chain) and private key, both or neither; CA is
// the bundle that signs the other side: the clients a server admits
// (mutual TLS) or the servers a client trusts (empty: the system roots).
type Files struct {
	Cert, Key, CA string
}

// Options configures New.
type Options struct {
	// OnError is told why changed files were not taken (nil: ignored).
	OnError func(error)
}

// Source is the current contents of Files.
type Source struct {
	files   Files
	onError func(error)

	mu       sync.Mutex
	stamps   [3]stamp
	state    *state
	lastFail string
}

// state is one parsed generation of the files.
type state struct {
	cert *tls.Certificate // nil without Cert and Key
	pool *x509.CertPool   // nil without CA
}

// stamp tells whether a file changed since it was read.
type stamp struct {
	size  int64
	mtime time.Time
	ino   uint64
}

// New reads the files once; an error names the file that could not be used.
func New(files Files, opts Options) (*Source, error) {
	if (files.Cert == "") != (files.Key == "") {
		return nil, errors.New("tlsreload: a certificate needs its key and a key its certificate")
	}
	s := &Source{files: files, onError: opts.OnError}
	stamps := s.stat()
	st, err := s.load()
	if err != nil {
		return nil, err
	}
	s.stamps, s.state = stamps, st
	return s, nil
}

// current returns the files' contents, reloading them if they changed.
func (s *Source) current() *state {
	stamps := s.stat()
	s.mu.Lock()
	defer s.mu.Unlock()
	if stamps == s.stamps {
		return s.state
	}
	st, err := s.load()
	if err != nil {
		// Keep serving the last good files; report each new failure once.
		if msg := err.Error(); msg != s.lastFail {
			s.lastFail = msg
			if s.onError != nil {
				s.onError(err)
			}
		}
		return s.state
	}
	s.stamps, s.state, s.lastFail = stamps, st, ""
	return st
}

func (s *Source) stat() [3]stamp {
	var out [3]stamp
	for i, name := range []string{s.files.Cert, s.files.Key, s.files.CA} {
		if name == "" {
			continue
		}
		fi, err := os.Stat(name)
		if err != nil {
			out[i] = stamp{size: -1}
			continue
		}
		out[i] = stamp{size: fi.Size(), mtime: fi.ModTime()}
		if sys, ok := fi.Sys().(*syscall.Stat_t); ok {
			out[i].ino = uint64(sys.Ino)
		}
	}
	return out
}

func (s *Source) load() (*state, error) {
	st := &state{}
	if s.files.Cert != "" {
		cert, err := tls.LoadX509KeyPair(s.files.Cert, s.files.Key)
		if err != nil {
			// The error of crypto/tls names no key material.
			return nil, fmt.Errorf("tlsreload: %s and %s: %w", s.files.Cert, s.files.Key, err)
		}
		st.cert = &cert
	}
	if s.files.CA != "" {
		pem, err := os.ReadFile(s.files.CA)
		if err != nil {
			return nil, fmt.Errorf("tlsreload: %w", err)
		}
		st.pool = x509.NewCertPool()
		if !st.pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("tlsreload: %s holds no PEM certificate", s.files.CA)
		}
	}
	return st, nil
}

// ServerConfig returns a server configuration that presents the current
// certificate and, with a CA, requires and verifies a client certificate
// signed by the current CA.
func (s *Source) ServerConfig() *tls.Config {
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		GetConfigForClient: func(*tls.ClientHelloInfo) (*tls.Config, error) {
			st := s.current()
			c := &tls.Config{MinVersion: tls.VersionTLS12, NextProtos: []string{"h2"}}
			if st.cert != nil {
				c.Certificates = []tls.Certificate{*st.cert}
			}
			if st.pool != nil {
				c.ClientCAs = st.pool
				c.ClientAuth = tls.RequireAndVerifyClientCert
			}
			return c, nil
		},
	}
}

// ClientConfig returns a client configuration that presents the current
// certificate when the server asks for one and verifies the server
// against the current CA (the system roots without one). serverName is
// the name the server's certificate must hold; empty, it is taken from
// the address dialled (gRPC does so).
func (s *Source) ClientConfig(serverName string) *tls.Config {
	st := s.current()
	return &tls.Config{
		MinVersion: tls.VersionTLS12,
		ServerName: serverName,
		RootCAs:    st.pool,
		GetClientCertificate: func(*tls.CertificateRequestInfo) (*tls.Certificate, error) {
			if st := s.current(); st.cert != nil {
				return st.cert, nil
			}
			return &tls.Certificate{}, nil // none: the server decides
		},
	}
}

// ServerCredentials returns gRPC credentials over ServerConfig.
func (s *Source) ServerCredentials() credentials.TransportCredentials {
	return credentials.NewTLS(s.ServerConfig())
}

// ClientCredentials returns gRPC credentials that build ClientConfig at
// every handshake, so that a new connection uses the files of the moment.
func (s *Source) ClientCredentials(serverName string) credentials.TransportCredentials {
	return &clientCredentials{TransportCredentials: credentials.NewTLS(s.ClientConfig(serverName)), s: s, serverName: serverName}
}

type clientCredentials struct {
	credentials.TransportCredentials // Info and ServerHandshake
	s                                *Source
	serverName                       string
}

func (c *clientCredentials) ClientHandshake(ctx context.Context, authority string, raw net.Conn) (net.Conn, credentials.AuthInfo, error) {
	return credentials.NewTLS(c.s.ClientConfig(c.serverName)).ClientHandshake(ctx, authority, raw)
}

func (c *clientCredentials) Clone() credentials.TransportCredentials {
	return &clientCredentials{TransportCredentials: c.TransportCredentials.Clone(), s: c.s, serverName: c.serverName}
}

// OverrideServerName is deprecated in gRPC; it sets the name checked.
func (c *clientCredentials) OverrideServerName(name string) error {
	c.serverName = name
	return nil
}
