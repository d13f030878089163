package main

import (
	"context"
	"crypto/tls"
	"net"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"

	"github.com/infrastructure/platform/internal/devcerts"
)

// TestClientTLS serves Echo with mutual TLS configured as the auth binary
// configures it from GRPC_TLS_CERT, GRPC_TLS_KEY and GRPC_CLIENT_CA, and
// calls it as case (e) does: the handshake passes and the server sees the
// load generator's SPIFFE ID.
func TestClientTLS(t *testing.T) {
	pki, _, err := devcerts.Write(t.TempDir(), benchID)
	if err != nil {
		t.Fatal(err)
	}
	serverCert, err := tls.LoadX509KeyPair(pki.ServerCert, pki.ServerKey)
	if err != nil {
		t.Fatal(err)
	}
	client, err := clientTLS(pki)
	if err != nil {
		t.Fatal(err)
	}
	serverTLS := &tls.Config{
		Certificates: []tls.Certificate{serverCert},
		ClientCAs:    client.RootCAs, // the same CA signs both sides
		ClientAuth:   tls.RequireAndVerifyClientCert,
		MinVersion:   tls.VersionTLS12,
	}
	ids := make(chan string, 1)
	srv := grpc.NewServer(grpc.Creds(credentials.NewTLS(serverTLS)), grpc.UnaryInterceptor(
		func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, next grpc.UnaryHandler) (any, error) {
			if p, ok := peer.FromContext(ctx); ok {
				if info, ok := p.AuthInfo.(credentials.TLSInfo); ok && len(info.State.PeerCertificates) > 0 {
					for _, u := range info.State.PeerCertificates[0].URIs {
						ids <- u.String()
					}
				}
			}
			return next(ctx, req)
		}))
	srv.RegisterService(&referenceDesc, reference{})
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = srv.Serve(ln) }()
	t.Cleanup(srv.Stop)

	conn, err := dialTLS(ln.Addr().String(), client)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	if err := echoCall(conn)(t.Context()); err != nil {
		t.Fatalf("Echo over mutual TLS: %v", err)
	}
	select {
	case id := <-ids:
		if id != benchID {
			t.Errorf("client SPIFFE ID = %q, want %q", id, benchID)
		}
	default:
		t.Error("the server saw no SPIFFE ID")
	}
}
