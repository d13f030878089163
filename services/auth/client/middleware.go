package client

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
)

// DefaultCookieName is the auth service's session cookie with
// COOKIE_SECURE=true (its default); with COOKIE_SECURE=false it is
// "session", which WithCookieName must then name.
const DefaultCookieName = "__Host-session"

type identityKey struct{}

// withIdentity returns ctx carrying id.
func withIdentity(ctx context.Context, id Identity) context.Context {
	return context.WithValue(ctx, identityKey{}, id)
}

// IdentityFrom returns the identity Middleware or UnaryServerInterceptor
// put in the request context.
func IdentityFrom(ctx context.Context) (Identity, bool) {
	id, ok := ctx.Value(identityKey{}).(Identity)
	return id, ok
}

// GuardOption configures Middleware and UnaryServerInterceptor.
type GuardOption func(*guard)

type guard struct {
	minAAL          AAL
	allowIncomplete bool
	cookie          string
	trusted         []string
}

// TrustOrigins lets pages of these origins (https://app.example.com) send
// unsafe requests (POST, PUT, PATCH, DELETE) through Middleware, which
// otherwise refuses every one that a browser marks as cross-site (403
// forbidden_origin, Go's http.CrossOriginProtection): a page elsewhere
// cannot make its visitor's browser act with the visitor's cookie. A
// malformed origin makes Middleware panic, as regexp.MustCompile does.
func TrustOrigins(origins ...string) GuardOption {
	return func(g *guard) { g.trusted = append(g.trusted, origins...) }
}

// RequireAAL refuses sessions below aal (AAL2), whether the user has MFA
// or not: 403 mfa_required over HTTP, PermissionDenied over gRPC.
func RequireAAL(aal AAL) GuardOption { return func(g *guard) { g.minAAL = aal } }

// AllowIncompleteMFA admits the AAL1 session of a user who has MFA, which
// the guard refuses by default: only for the rare route that must serve a
// user who has not passed the second factor yet (one that sends them to
// it, say). Identity.Complete still tells.
func AllowIncompleteMFA() GuardOption { return func(g *guard) { g.allowIncomplete = true } }

// WithCookieName names the session cookie (DefaultCookieName unless the
// auth service runs with COOKIE_SECURE=false: then "session"). Only that
// cookie is read.
func WithCookieName(name string) GuardOption { return func(g *guard) { g.cookie = name } }

func newGuard(opts []GuardOption) *guard {
	g := &guard{cookie: DefaultCookieName}
	for _, o := range opts {
		o(g)
	}
	return g
}

// allows reports whether the identity meets the guard's level: complete
// (unless AllowIncompleteMFA), and at least RequireAAL's level.
func (g *guard) allows(id Identity) bool {
	if !g.allowIncomplete && !id.Complete() {
		return false
	}
	return g.minAAL != AAL2 || id.AAL == AAL2
}

// Middleware authenticates every request with the session cookie or an
// "Authorization: Bearer" token, puts the Identity in the request context,
// and answers 401 (no valid session), 403 mfa_required (a user with MFA
// who has not passed it, or a level below RequireAAL), 403
// forbidden_origin (an unsafe cross-site request, see TrustOrigins) or
// 503 (the auth service cannot answer) with a JSON error body.
func (c *Client) Middleware(opts ...GuardOption) func(http.Handler) http.Handler {
	g := newGuard(opts)
	csrf := http.NewCrossOriginProtection()
	for _, o := range g.trusted {
		if err := csrf.AddTrustedOrigin(o); err != nil {
			panic(fmt.Sprintf("auth client: TrustOrigins(%q): %v", o, err))
		}
	}
	csrf.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
		writeError(w, http.StatusForbidden, "forbidden_origin", "cross-origin request refused")
	}))
	return func(next http.Handler) http.Handler {
		return csrf.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			id, err := c.Validate(r.Context(), g.tokenFromRequest(r))
			switch {
			case errors.Is(err, ErrUnauthenticated):
				writeError(w, http.StatusUnauthorized, "unauthorized", "a valid session is required")
			case err != nil:
				writeError(w, http.StatusServiceUnavailable, "unavailable", "the auth service cannot answer; retry later")
			case !g.allows(id):
				writeError(w, http.StatusForbidden, "mfa_required", "this session must pass a second factor first (aal2)")
			default:
				next.ServeHTTP(w, r.WithContext(withIdentity(r.Context(), id)))
			}
		}))
	}
}

func (g *guard) tokenFromRequest(r *http.Request) string {
	if token, ok := bearer(r.Header.Get("Authorization")); ok {
		return token
	}
	if c, err := r.Cookie(g.cookie); err == nil {
		return c.Value
	}
	return ""
}

func bearer(h string) (string, bool) {
	const prefix = "bearer "
	if len(h) > len(prefix) && strings.EqualFold(h[:len(prefix)], prefix) {
		return strings.TrimSpace(h[len(prefix):]), true
	}
	return "", false
}

func writeError(w http.ResponseWriter, status int, name, message string) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]string{"name": name, "message": message})
}

// UnaryServerInterceptor does for a sibling's gRPC server what Middleware
// does for HTTP, with the token in the "authorization: Bearer <token>"
// metadata: Unauthenticated, PermissionDenied (the same rule as
// Middleware's 403) or Unavailable on failure.
func (c *Client) UnaryServerInterceptor(opts ...GuardOption) grpc.UnaryServerInterceptor {
	g := newGuard(opts)
	return func(ctx context.Context, req any, _ *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		var token string
		if md, ok := metadata.FromIncomingContext(ctx); ok {
			for _, v := range md.Get("authorization") {
				if t, ok := bearer(v); ok {
					token = t
					break
				}
			}
		}
		id, err := c.Validate(ctx, token)
		switch {
		case errors.Is(err, ErrUnauthenticated):
			return nil, status.Error(codes.Unauthenticated, "a valid session is required")
		case err != nil:
			return nil, status.Error(codes.Unavailable, "the auth service cannot answer; retry later")
		case !g.allows(id):
			return nil, status.Error(codes.PermissionDenied, "this session must pass a second factor first (aal2)")
		}
		return handler(withIdentity(ctx, id), req)
	}
}
