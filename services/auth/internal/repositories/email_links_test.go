package repositories_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/mail"
	"github.com/infrastructure/platform/services/auth/internal/ports"
	"github.com/infrastructure/platform/services/auth/internal/repositories"
)

// issue makes a link as the mail worker does and returns its token hash.
func issue(t *testing.T, l *repositories.EmailLinks, link mail.Link) ([]byte, bool) {
	t.Helper()
	_, hash := mail.NewLinkToken()
	link.TokenHash = hash
	_, _, ok, err := l.Issue(context.Background(), link)
	if err != nil {
		t.Fatalf("issue %+v: %v", link, err)
	}
	return hash, ok
}

// TestEmailLinks: who gets a link, what voids it, and that each is spent
// once.
func TestEmailLinks(t *testing.T) {
	t.Parallel()
	f := newFixture(t)
	ctx := context.Background()
	links := repositories.NewEmailLinks(f.pool)
	changes := repositories.NewPasswords(f.pool, nil)
	u, _, _ := f.register(t, "ada@example.com")
	reset := mail.Link{Purpose: mail.LinkResetPassword, Email: u.Email}
	verify := mail.Link{Purpose: mail.LinkVerifyEmail, UserID: u.ID.String()}

	if _, ok := issue(t, links, mail.Link{Purpose: mail.LinkResetPassword, Email: "nobody@example.com"}); ok {
		t.Error("a reset link for an unknown email")
	}
	older, _ := issue(t, links, reset)
	newer, ok := issue(t, links, reset)
	if !ok {
		t.Fatal("no reset link")
	}
	if _, _, err := links.Peek(ctx, ports.LinkResetPassword, older); !errors.Is(err, ports.ErrInvalidToken) {
		t.Errorf("the older reset link: %v, want voided", err)
	}
	if id, email, err := links.Peek(ctx, ports.LinkResetPassword, newer); err != nil || id != u.ID || email != u.Email {
		t.Errorf("peek: %v %v %v", id, email, err)
	}
	if _, _, err := links.Peek(ctx, ports.LinkVerifyEmail, newer); !errors.Is(err, ports.ErrInvalidToken) {
		t.Errorf("a reset token as a verification token: %v", err)
	}

	// Concurrent resets with one token: one winner.
	var wg sync.WaitGroup
	var mu sync.Mutex
	wins := 0
	for range 10 {
		wg.Go(func() {
			_, _, err := changes.Reset(ctx, newer, []byte("$2a$04$new"))
			switch {
			case err == nil:
				mu.Lock()
				wins++
				mu.Unlock()
			case !errors.Is(err, ports.ErrInvalidToken):
				t.Errorf("reset: %v", err)
			}
		})
	}
	wg.Wait()
	if wins != 1 {
		t.Fatalf("%d resets with one token succeeded, want 1", wins)
	}
	// The reset proved the address: no verification link is made.
	if _, ok := issue(t, links, verify); ok {
		t.Error("a verification link for a verified address")
	}
	if err := links.RequestVerification(ctx, u.ID); !errors.Is(err, ports.ErrEmailVerified) {
		t.Errorf("request verification: %v, want ErrEmailVerified", err)
	}

	// Verification of another user, once.
	g, _, _ := f.register(t, "grace@example.com")
	token, ok := issue(t, links, mail.Link{Purpose: mail.LinkVerifyEmail, UserID: g.ID.String()})
	if !ok {
		t.Fatal("no verification link")
	}
	if id, err := links.Verify(ctx, token); err != nil || id != g.ID {
		t.Fatalf("verify: %v %v", id, err)
	}
	if _, err := links.Verify(ctx, token); !errors.Is(err, ports.ErrInvalidToken) {
		t.Errorf("verify twice: %v", err)
	}
	if user, err := f.users.ByID(ctx, g.ID); err != nil || !user.EmailVerified {
		t.Errorf("after verify: %+v %v", user, err)
	}

	// A disabled account gets no reset link.
	if _, err := repositories.NewOperators(f.pool, nil).Disable(ctx, g.ID, "spiffe://platform/operator"); err != nil {
		t.Fatal(err)
	}
	if _, ok := issue(t, links, mail.Link{Purpose: mail.LinkResetPassword, Email: g.Email}); ok {
		t.Error("a reset link for a disabled account")
	}

	// A link is bound to the address it went to.
	h, _, _ := f.register(t, "hedy@example.com")
	bound, _ := issue(t, links, mail.Link{Purpose: mail.LinkResetPassword, Email: h.Email})
	f.exec(t, `UPDATE users SET email = 'hedy@example.org' WHERE id = $1`, h.ID)
	if _, _, err := changes.Reset(ctx, bound, []byte("$2a$04$new")); !errors.Is(err, ports.ErrInvalidToken) {
		t.Errorf("a link to an address the account no longer has: %v", err)
	}
}
