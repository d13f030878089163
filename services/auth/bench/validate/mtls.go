package main

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"os"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"

	"github.com/infrastructure/platform/internal/devcerts"
	"github.com/infrastructure/platform/services/auth/authtest"
)

// benchID is the load generator's SPIFFE ID, in its client certificate, as
// a sibling service would carry its own.
const benchID = "spiffe://platform/bench"

// mtlsServer is case (e): a second auth binary on the same database that
// serves gRPC with mutual TLS (an auth process serves gRPC one way only),
// and the TLS configuration of its clients.
type mtlsServer struct {
	auth   *authtest.Server
	client *tls.Config
	dir    string // the throw-away PKI
}

// startMTLS writes a throw-away PKI to a temporary directory and starts the
// auth binary on dbURL with GRPC_TLS_CERT, GRPC_TLS_KEY and GRPC_CLIENT_CA:
// its handshake requires a client certificate signed by that CA.
func startMTLS(ctx context.Context, dbURL string) (m *mtlsServer, err error) {
	m = &mtlsServer{}
	defer func() {
		if err != nil {
			err, m = errors.Join(err, m.close()), nil
		}
	}()
	if m.dir, err = os.MkdirTemp("", "validate-bench-pki-"); err != nil {
		return m, fmt.Errorf("mTLS: %w", err)
	}
	pki, _, err := devcerts.Write(m.dir, benchID)
	if err != nil {
		return m, fmt.Errorf("mTLS: %w", err)
	}
	if m.client, err = clientTLS(pki); err != nil {
		return m, fmt.Errorf("mTLS: %w", err)
	}
	m.auth, err = authtest.StartProcess(ctx, authtest.Options{DatabaseURL: dbURL, Env: map[string]string{
		"GRPC_TLS_CERT":  pki.ServerCert,
		"GRPC_TLS_KEY":   pki.ServerKey,
		"GRPC_CLIENT_CA": pki.CA,
	}})
	if err != nil {
		return m, fmt.Errorf("start auth with mutual TLS: %w", err)
	}
	return m, nil
}

// close stops the auth binary and removes the PKI.
func (m *mtlsServer) close() error {
	var errs []error
	if m.auth != nil {
		if err := m.auth.Stop(); err != nil {
			errs = append(errs, fmt.Errorf("stop auth with mutual TLS: %w", err))
		}
	}
	if m.dir != "" {
		errs = append(errs, os.RemoveAll(m.dir))
	}
	return errors.Join(errs...)
}

// clientTLS trusts the PKI's CA and presents its client certificate. The
// server name is the host of the address dialled: 127.0.0.1, the IP SAN of
// the server certificate.
func clientTLS(pki devcerts.PKI) (*tls.Config, error) {
	caPEM, err := os.ReadFile(pki.CA)
	if err != nil {
		return nil, err
	}
	roots := x509.NewCertPool()
	if !roots.AppendCertsFromPEM(caPEM) {
		return nil, errors.New("the CA file holds no certificate")
	}
	cert, err := tls.LoadX509KeyPair(pki.ClientCert, pki.ClientKey)
	if err != nil {
		return nil, err
	}
	return &tls.Config{RootCAs: roots, Certificates: []tls.Certificate{cert}, MinVersion: tls.VersionTLS12}, nil
}

// dialTLS opens a connection with the given TLS configuration.
func dialTLS(addr string, cfg *tls.Config) (*grpc.ClientConn, error) {
	conn, err := grpc.NewClient(addr, grpc.WithTransportCredentials(credentials.NewTLS(cfg)))
	if err != nil {
		return nil, fmt.Errorf("dial %s: %w", addr, err)
	}
	return conn, nil
}
