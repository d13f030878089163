package controllers

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
	"go.uber.org/mock/gomock"
	"goa.design/goa/v3/security"

	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// identity returns a live session of a user.
func identity(mfa bool, aal ports.AAL) ports.SessionIdentity {
	return ports.SessionIdentity{
		Session: ports.Session{
			ID: uuid.New(), UserID: uuid.New(), AAL: aal, CreatedAt: base,
			IdleExpiresAt: base.Add(15 * time.Minute), ExpiresAt: base.Add(12 * time.Hour),
		},
		Email:      "ada@example.com",
		MFAEnabled: mfa,
	}
}

// scheme is the session scheme of a method that requires scopes.
func scheme(required ...string) *security.APIKeyScheme {
	return &security.APIKeyScheme{
		Name:           "session",
		Scopes:         []string{scopeSession, scopeMFA, scopeAAL2},
		RequiredScopes: required,
	}
}

// malformedTokens are tokens that cannot be ours, each with the reason. A
// valid token is 43 characters of unpadded base64url.
func malformedTokens(t *testing.T) map[string]string {
	t.Helper()
	tok := testToken(t)
	return map[string]string{
		"case=empty":                 "",
		"case=too short":             tok[:42],
		"case=too long":              tok + "A",
		"case=padded":                tok[:42] + "=",
		"case=standard alphabet +":   "+" + tok[1:],
		"case=standard alphabet /":   "/" + tok[1:],
		"case=space":                 " " + tok[1:],
		"case=nul byte":              "\x00" + tok[1:],
		"case=non-ascii":             "é" + tok[2:],
		"case=leading newline":       "\n" + tok[:42],
		"case=trailing return":       tok[:42] + "\r",
		"case=non-zero padding bits": tok[:42] + "B",
	}
}

func TestAPIKeyAuthMalformedToken(t *testing.T) {
	t.Parallel()
	for name, token := range malformedTokens(t) {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			f.sessions.EXPECT().Validate(gomock.Any(), gomock.Any()).Times(0)

			ctx, err := f.svc.APIKeyAuth(f.ctx, token, scheme(scopeSession))

			f.requireServiceError(t, err, "unauthorized", token)
			if _, ok := sessionFrom(ctx); ok {
				t.Error("a session is in the context")
			}
		})
	}
}

func TestAPIKeyAuthLookupErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		err      error
		wantName string
	}{
		{name: "case=unknown, expired or revoked", err: fmt.Errorf("validate: %w", ports.ErrNotFound), wantName: "unauthorized"},
		{name: "case=unavailable", err: fmt.Errorf("validate: %w", ports.ErrUnavailable), wantName: "unavailable"},
		{name: "case=other", err: errors.New("conn reset by peer"), wantName: "fault"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			token := testToken(t)
			f.sessions.EXPECT().Validate(gomock.Any(), sha256Of(token)).Return(ports.SessionIdentity{}, tt.err)

			ctx, err := f.svc.APIKeyAuth(f.ctx, token, scheme(scopeSession))

			se := f.requireServiceError(t, err, tt.wantName, token)
			if strings.Contains(se.Message, "conn reset") {
				t.Errorf("message %q exposes the cause", se.Message)
			}
			if _, ok := sessionFrom(ctx); ok {
				t.Error("a session is in the context")
			}
		})
	}
}

func TestAPIKeyAuthScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name     string
		mfa      bool
		aal      ports.AAL
		required []string
		wantName string // "" for success
	}{
		{name: "case=no scope required", aal: ports.AAL1},
		{name: "case=no mfa, aal1, session", aal: ports.AAL1, required: []string{scopeSession}},
		{name: "case=no mfa, aal1, mfa", aal: ports.AAL1, required: []string{scopeMFA}},
		{name: "case=no mfa, aal1, session and mfa", aal: ports.AAL1, required: []string{scopeSession, scopeMFA}},
		{name: "case=no mfa, aal1, aal2", aal: ports.AAL1, required: []string{scopeAAL2}, wantName: "mfa_required"},
		{name: "case=mfa, aal1, session", mfa: true, aal: ports.AAL1, required: []string{scopeSession}},
		{name: "case=mfa, aal1, mfa", mfa: true, aal: ports.AAL1, required: []string{scopeMFA}, wantName: "mfa_required"},
		{name: "case=mfa, aal1, session and mfa", mfa: true, aal: ports.AAL1, required: []string{scopeSession, scopeMFA}, wantName: "mfa_required"},
		{name: "case=mfa, aal1, aal2", mfa: true, aal: ports.AAL1, required: []string{scopeAAL2}, wantName: "mfa_required"},
		{name: "case=mfa, aal2, mfa", mfa: true, aal: ports.AAL2, required: []string{scopeMFA}},
		{name: "case=mfa, aal2, aal2", mfa: true, aal: ports.AAL2, required: []string{scopeAAL2}},
		{name: "case=mfa, aal2, all", mfa: true, aal: ports.AAL2, required: []string{scopeSession, scopeMFA, scopeAAL2}},
		{name: "case=no mfa, aal2, aal2", aal: ports.AAL2, required: []string{scopeAAL2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			f := newFixture(t)
			token := testToken(t)
			ident := identity(tt.mfa, tt.aal)
			f.sessions.EXPECT().Validate(gomock.Any(), sha256Of(token)).Return(ident, nil)

			ctx, err := f.svc.APIKeyAuth(f.ctx, token, scheme(tt.required...))

			got, ok := sessionFrom(ctx)
			if tt.wantName != "" {
				f.requireServiceError(t, err, tt.wantName, token)
				if ok {
					t.Error("a session is in the context of a refused request")
				}
				return
			}
			if err != nil {
				t.Fatalf("APIKeyAuth: %v", err)
			}
			if !ok || got != ident {
				t.Errorf("session in context = %+v, %v; want %+v", got, ok, ident)
			}
		})
	}
}

func TestGrantedScopes(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name string
		mfa  bool
		aal  ports.AAL
		want []string
	}{
		{name: "case=no mfa, aal1", aal: ports.AAL1, want: []string{scopeSession, scopeMFA}},
		{name: "case=mfa, aal1", mfa: true, aal: ports.AAL1, want: []string{scopeSession}},
		{name: "case=no mfa, aal2", aal: ports.AAL2, want: []string{scopeSession, scopeMFA, scopeAAL2}},
		{name: "case=mfa, aal2", mfa: true, aal: ports.AAL2, want: []string{scopeSession, scopeMFA, scopeAAL2}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			got := grantedScopes(identity(tt.mfa, tt.aal))
			if strings.Join(got, ",") != strings.Join(tt.want, ",") {
				t.Errorf("grantedScopes = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestNewToken(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 100 {
		token, hash := newToken()
		requireFreshToken(t, token)
		if !wellFormedToken(token) {
			t.Fatalf("wellFormedToken(%q) = false for a token of ours", token)
		}
		if !bytes.Equal(hash, sha256Of(token)) {
			t.Fatalf("hash of %q = %x, want its sha256", token, hash)
		}
		if seen[token] {
			t.Fatalf("token %q returned twice", token)
		}
		seen[token] = true
	}
}
