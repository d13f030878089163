package controllers

import (
	"context"
	"errors"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

var errMsgPassword = errors.New("the password is wrong")

// reauthenticate asks the signed-in user for the password again before a
// sensitive change (OWASP ASVS 3.7.1), so that a session left open or
// stolen cannot make it alone. The attempt is a login attempt on the
// user's account: a wrong password counts against the same limit as a
// failed login, and the bcrypt comparison waits for a hashing slot like
// any login's.
func (s *Service) reauthenticate(ctx context.Context, ident ports.SessionIdentity, password string) error {
	_, ok, err := s.checkPassword(ctx, ident.Email, password, ident.UserID)
	if err != nil {
		return err
	}
	if !ok {
		return genauth.MakeInvalidCredentials(errMsgPassword)
	}
	return nil
}
