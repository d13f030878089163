package grpcauthz_test

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/url"
	"testing"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	"google.golang.org/grpc/peer"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	"github.com/infrastructure/platform/services/auth/internal/grpcauthz"
)

// TestEveryMethodHasAGroup: a method added to the design without a group
// would be refused to everyone; this catches it before a user does.
func TestEveryMethodHasAGroup(t *testing.T) {
	t.Parallel()
	desc := genpb.Auth_ServiceDesc
	var methods []string
	for _, m := range desc.Methods {
		methods = append(methods, m.MethodName)
	}
	for _, s := range desc.Streams {
		methods = append(methods, s.StreamName)
	}
	for _, m := range methods {
		full := "/" + desc.ServiceName + "/" + m
		if g, ok := grpcauthz.Methods[full]; !ok || g == grpcauthz.Open {
			t.Errorf("%s has group %q, want validate, read or admin", full, g)
		}
	}
}

// peerWith returns a context whose peer verified a certificate with the
// given SANs (nil: no verified certificate).
func peerWith(uris []string, dns []string) context.Context {
	p := &peer.Peer{Addr: &net.TCPAddr{IP: net.IPv4(10, 0, 0, 7), Port: 4242}}
	if uris != nil || dns != nil {
		leaf := &x509.Certificate{DNSNames: dns}
		for _, u := range uris {
			parsed, _ := url.Parse(u)
			leaf.URIs = append(leaf.URIs, parsed)
		}
		p.AuthInfo = credentials.TLSInfo{State: tls.ConnectionState{VerifiedChains: [][]*x509.Certificate{{leaf}}}}
	}
	return peer.NewContext(context.Background(), p)
}

func TestIdentity(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		ctx  context.Context
		want string
	}{
		{"case=URI SAN first", peerWith([]string{"spiffe://platform/executor", "spiffe://platform/other"}, []string{"executor"}), "spiffe://platform/executor"},
		{"case=DNS SAN without URI", peerWith([]string{}, []string{"billing.internal", "b2"}), "billing.internal"},
		{"case=certificate without SAN", peerWith([]string{}, []string{}), ""},
		{"case=no certificate", peerWith(nil, nil), ""},
		{"case=no peer", context.Background(), ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := grpcauthz.Identity(tt.ctx); got != tt.want {
				t.Errorf("Identity = %q, want %q", got, tt.want)
			}
		})
	}
}

func TestUnaryPolicy(t *testing.T) {
	t.Parallel()
	g := grpcauthz.New(grpcauthz.Config{
		Validate: []string{"*"},
		Read:     []string{"spiffe://platform/billing"},
		Admin:    []string{"spiffe://platform/operator"},
	})
	intercept := g.UnaryServerInterceptor()
	for _, tt := range []struct {
		name   string
		ctx    context.Context
		method string
		want   codes.Code
	}{
		{"case=any caller validates", peerWith(nil, nil), genpb.Auth_ValidateSession_FullMethodName, codes.OK},
		{"case=listed reader", peerWith([]string{"spiffe://platform/billing"}, nil), genpb.Auth_GetUser_FullMethodName, codes.OK},
		{"case=unlisted reader", peerWith([]string{"spiffe://platform/executor"}, nil), genpb.Auth_GetUser_FullMethodName, codes.PermissionDenied},
		{"case=anonymous reader", peerWith(nil, nil), genpb.Auth_GetUser_FullMethodName, codes.PermissionDenied},
		{"case=operator", peerWith([]string{"spiffe://platform/operator"}, nil), genpb.Auth_RevokeUserSessions_FullMethodName, codes.OK},
		{"case=reader is no operator", peerWith([]string{"spiffe://platform/billing"}, nil), genpb.Auth_RevokeSession_FullMethodName, codes.PermissionDenied},
		{"case=identity matched exactly", peerWith([]string{"spiffe://platform/operator/evil"}, nil), genpb.Auth_RevokeSession_FullMethodName, codes.PermissionDenied},
		{"case=DNS SAN shaped like a URI", peerWith(nil, []string{"spiffe://platform/operator"}), genpb.Auth_RevokeSession_FullMethodName, codes.PermissionDenied},
		{"case=unknown method", peerWith([]string{"spiffe://platform/operator"}, nil), "/auth.Auth/Unknown", codes.PermissionDenied},
		{"case=health for anyone", peerWith(nil, nil), "/grpc.health.v1.Health/Check", codes.OK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			called := false
			_, err := intercept(tt.ctx, nil, &grpc.UnaryServerInfo{FullMethod: tt.method}, func(context.Context, any) (any, error) {
				called = true
				return nil, nil
			})
			if got := status.Code(err); got != tt.want {
				t.Fatalf("code %v, want %v (%v)", got, tt.want, err)
			}
			if called != (tt.want == codes.OK) {
				t.Errorf("handler called = %v with code %v", called, tt.want)
			}
		})
	}
}
