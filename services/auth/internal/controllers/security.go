package controllers

import (
	"context"
	"errors"
	"slices"

	"goa.design/goa/v3/security"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Scopes of the session security scheme (design/api/design.go).
const (
	scopeSession = "session"
	scopeMFA     = "mfa"
	scopeAAL2    = "aal2"
)

type sessionKey struct{}

// APIKeyAuth implements genauth.Auther: it resolves the session token once
// (one indexed read), checks that the session grants the scopes the method
// requires, and stores the session in the context for the method.
func (s *Service) APIKeyAuth(ctx context.Context, token string, scheme *security.APIKeyScheme) (context.Context, error) {
	ident, err := s.resolve(ctx, token)
	if err != nil {
		return ctx, err
	}
	granted := grantedScopes(ident)
	if err := scheme.Validate(granted); err != nil {
		if !slices.Contains(granted, scopeMFA) {
			return ctx, genauth.MakeMfaRequired(errors.New("this account has MFA enabled: verify a TOTP or backup code first"))
		}
		return ctx, genauth.MakeMfaRequired(errors.New("this endpoint needs a session at aal2: verify a TOTP or backup code first"))
	}
	return context.WithValue(ctx, sessionKey{}, authenticated{ident: ident, tokenHash: hashToken(token)}), nil
}

// authenticated is what APIKeyAuth leaves in the context.
type authenticated struct {
	ident     ports.SessionIdentity
	tokenHash []byte
}

// resolve returns the live session behind token, or unauthorized.
func (s *Service) resolve(ctx context.Context, token string) (ports.SessionIdentity, error) {
	if !wellFormedToken(token) {
		return ports.SessionIdentity{}, genauth.MakeUnauthorized(errMsgUnauthorized)
	}
	ident, err := s.sessions.Validate(ctx, hashToken(token))
	if errors.Is(err, ports.ErrNotFound) {
		return ports.SessionIdentity{}, genauth.MakeUnauthorized(errMsgUnauthorized)
	}
	if err != nil {
		return ports.SessionIdentity{}, toGoa(ctx, err)
	}
	return ident, nil
}

// grantedScopes says what a session may do: any live session has
// "session"; "mfa" needs aal2 when the user has MFA on; "aal2" needs aal2.
func grantedScopes(ident ports.SessionIdentity) []string {
	granted := []string{scopeSession}
	if !ident.MFAEnabled || ident.AAL == ports.AAL2 {
		granted = append(granted, scopeMFA)
	}
	if ident.AAL == ports.AAL2 {
		granted = append(granted, scopeAAL2)
	}
	return granted
}

// sessionFrom returns the session APIKeyAuth stored in ctx.
func sessionFrom(ctx context.Context) (ports.SessionIdentity, bool) {
	a, ok := ctx.Value(sessionKey{}).(authenticated)
	return a.ident, ok
}

// mustSession returns the session APIKeyAuth stored in ctx, or unauthorized
// (a method behind the scheme always has one).
func mustSession(ctx context.Context) (ports.SessionIdentity, error) {
	ident, ok := sessionFrom(ctx)
	if !ok {
		return ident, genauth.MakeUnauthorized(errMsgUnauthorized)
	}
	return ident, nil
}

// tokenHashFrom returns the hash of the token that authenticated the
// request, for rotations that must replace exactly that token.
func tokenHashFrom(ctx context.Context) []byte {
	a, _ := ctx.Value(sessionKey{}).(authenticated)
	return a.tokenHash
}
