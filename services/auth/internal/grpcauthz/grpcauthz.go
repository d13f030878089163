// Package grpcauthz decides who may call the gRPC API. It is the one place
// of that rule: an interceptor for unary calls and one for streams, over a
// table that puts every method in a group.
//
// The caller's identity is the client certificate that mutual TLS
// verified: its URI SAN (SPIFFE style, spiffe://platform/executor), else
// its first DNS SAN. Each group admits the identities of its list; "*"
// admits any caller the transport admitted (any certificate of
// GRPC_CLIENT_CA, or anyone on a plaintext loopback port). A caller outside
// the list gets PermissionDenied before the handler runs, so nothing
// changes.
//
// WatchRevocations streams are also bounded here, in all and per caller
// (the identity, or the peer's IP address when there is none): past either
// bound a new stream gets ResourceExhausted.
package grpcauthz

import (
	"context"
	"net"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/peer"
	reflectionv1 "google.golang.org/grpc/reflection/grpc_reflection_v1"
	reflectionv1alpha "google.golang.org/grpc/reflection/grpc_reflection_v1alpha"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Group is a set of methods under one rule.
type Group string

// The method groups.
const (
	// Validate: checking sessions and following their revocations, what
	// every sibling needs.
	Validate Group = "validate"
	// Read: looking up users.
	Read Group = "read"
	// Admin: calls that change accounts or end sessions.
	Admin Group = "admin"
	// Open: health and reflection, for any caller the transport admitted.
	Open Group = "open"
)

// Methods puts every served method in its group; a method missing here is
// refused to everyone.
var Methods = map[string]Group{
	genpb.Auth_ValidateSession_FullMethodName:    Validate,
	genpb.Auth_WatchRevocations_FullMethodName:   Validate,
	genpb.Auth_GetUser_FullMethodName:            Read,
	genpb.Auth_RevokeSession_FullMethodName:      Admin,
	genpb.Auth_RevokeUserSessions_FullMethodName: Admin,
	genpb.Auth_UnlockUser_FullMethodName:         Admin,
	genpb.Auth_DisableUser_FullMethodName:        Admin,
	genpb.Auth_EnableUser_FullMethodName:         Admin,
	genpb.Auth_ResetMfa_FullMethodName:           Admin,

	healthpb.Health_Check_FullMethodName:                                   Open,
	healthpb.Health_Watch_FullMethodName:                                   Open,
	healthpb.Health_List_FullMethodName:                                    Open,
	reflectionv1.ServerReflection_ServerReflectionInfo_FullMethodName:      Open,
	reflectionv1alpha.ServerReflection_ServerReflectionInfo_FullMethodName: Open,
}

// Any is the list entry that admits every caller the transport admitted.
const Any = "*"

// Config is the policy: the identities each group admits (Any or exact
// identities) and the bounds on revocation streams.
type Config struct {
	Validate, Read, Admin []string
	// MaxWatchers bounds the open WatchRevocations streams in all,
	// MaxWatchersPerPeer those of one caller.
	MaxWatchers, MaxWatchersPerPeer int
}

// Guard enforces a Config.
type Guard struct {
	allow      map[Group]allowList
	maxWatch   int
	maxPerPeer int

	mu       sync.Mutex
	watchers int
	perPeer  map[string]int
}

type allowList struct {
	any bool
	ids map[string]struct{}
}

func newAllowList(entries []string) allowList {
	l := allowList{ids: map[string]struct{}{}}
	for _, e := range entries {
		if e == Any {
			l.any = true
			continue
		}
		l.ids[e] = struct{}{}
	}
	return l
}

func (l allowList) admits(identity string) bool {
	if l.any {
		return true
	}
	_, ok := l.ids[identity]
	return ok && identity != ""
}

// New returns the guard of cfg.
func New(cfg Config) *Guard {
	return &Guard{
		allow: map[Group]allowList{
			Validate: newAllowList(cfg.Validate),
			Read:     newAllowList(cfg.Read),
			Admin:    newAllowList(cfg.Admin),
			Open:     {any: true},
		},
		maxWatch:   cfg.MaxWatchers,
		maxPerPeer: cfg.MaxWatchersPerPeer,
		perPeer:    map[string]int{},
	}
}

// Identity returns the identity of the caller that mutual TLS verified,
// or "" when the connection carries no verified client certificate.
func Identity(ctx context.Context) string {
	p, ok := peer.FromContext(ctx)
	if !ok {
		return ""
	}
	info, ok := p.AuthInfo.(credentials.TLSInfo)
	if !ok || len(info.State.VerifiedChains) == 0 || len(info.State.VerifiedChains[0]) == 0 {
		return ""
	}
	leaf := info.State.VerifiedChains[0][0]
	if len(leaf.URIs) > 0 {
		return leaf.URIs[0].String()
	}
	if len(leaf.DNSNames) > 0 && !strings.ContainsAny(leaf.DNSNames[0], ":/") {
		// A "DNS name" shaped like a URI is not one: it must not pass
		// for a SPIFFE ID.
		return leaf.DNSNames[0]
	}
	return ""
}

// authorize returns PermissionDenied unless the caller may call method,
// and the method's group.
func (g *Guard) authorize(ctx context.Context, method string) (identity string, group Group, err error) {
	identity = Identity(ctx)
	group, ok := Methods[method]
	if !ok || !g.allow[group].admits(identity) {
		who := identity
		if who == "" {
			who = "a caller without a client certificate"
		}
		return identity, group, status.Errorf(codes.PermissionDenied, "%s may not call %s (method group %s)", who, method, groupName(group))
	}
	return identity, group, nil
}

func groupName(g Group) string {
	if g == "" {
		return "none"
	}
	return string(g)
}

// UnaryServerInterceptor refuses unary calls outside the policy.
func (g *Guard) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		identity, group, err := g.authorize(ctx, info.FullMethod)
		if err != nil {
			return nil, err
		}
		if group == Admin { // operator acts name their caller; the hot path needs no copy
			ctx = ports.WithCaller(ctx, identity)
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor refuses streams outside the policy and bounds
// the revocation streams.
func (g *Guard) StreamServerInterceptor() grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		identity, _, err := g.authorize(ss.Context(), info.FullMethod)
		if err != nil {
			return err
		}
		if info.FullMethod == genpb.Auth_WatchRevocations_FullMethodName {
			key := watcherKey(ss.Context(), identity)
			if err := g.acquireWatcher(key); err != nil {
				return err
			}
			defer g.releaseWatcher(key)
		}
		return handler(srv, ss)
	}
}

// watcherKey is what the per-peer bound counts by: the identity, else the
// peer's IP address.
func watcherKey(ctx context.Context, identity string) string {
	if identity != "" {
		return identity
	}
	if p, ok := peer.FromContext(ctx); ok && p.Addr != nil {
		addr := p.Addr.String()
		if host, _, err := net.SplitHostPort(addr); err == nil {
			addr = host
		}
		return "ip:" + strings.ToLower(addr)
	}
	return "unknown"
}

func (g *Guard) acquireWatcher(key string) error {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.watchers >= g.maxWatch {
		return status.Errorf(codes.ResourceExhausted, "too many revocation streams (%d): retry later", g.maxWatch)
	}
	if g.perPeer[key] >= g.maxPerPeer {
		return status.Errorf(codes.ResourceExhausted, "too many revocation streams from this caller (%d): share one per process", g.maxPerPeer)
	}
	g.watchers++
	g.perPeer[key]++
	return nil
}

func (g *Guard) releaseWatcher(key string) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.watchers--
	if g.perPeer[key]--; g.perPeer[key] <= 0 {
		delete(g.perPeer, key)
	}
}
