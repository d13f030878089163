// Package controllers implements the Goa auth service: the inbound side of
// the hexagon. It depends on ports only, never on repositories or pgx.
package controllers

import (
	"errors"
	"fmt"
	"time"

	genauth "github.com/infrastructure/platform/services/auth/gen/auth"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// Options configures a Service.
type Options struct {
	Users    ports.Users
	Sessions ports.Sessions
	// BcryptCost is the password hashing cost.
	BcryptCost int
	// IdleTimeout is how long a session lives without a refresh.
	IdleTimeout time.Duration
	// AbsoluteTimeout is how long a session lives at most.
	AbsoluteTimeout time.Duration
}

// Service implements genauth.Service and genauth.Auther.
type Service struct {
	users     ports.Users
	sessions  ports.Sessions
	passwords *passwordHasher
	idle      time.Duration
	absolute  time.Duration
}

var (
	_ genauth.Service = (*Service)(nil)
	_ genauth.Auther  = (*Service)(nil)
)

// New returns the service. It computes one bcrypt hash at the configured
// cost, so that logins for unknown emails cost as much as real ones.
func New(o Options) (*Service, error) {
	if o.Users == nil || o.Sessions == nil {
		return nil, errors.New("controllers: Users and Sessions are required")
	}
	if o.IdleTimeout <= 0 || o.AbsoluteTimeout <= 0 {
		return nil, errors.New("controllers: session timeouts must be positive")
	}
	ph, err := newPasswordHasher(o.BcryptCost)
	if err != nil {
		return nil, fmt.Errorf("controllers: %w", err)
	}
	return &Service{
		users:     o.Users,
		sessions:  o.Sessions,
		passwords: ph,
		idle:      o.IdleTimeout,
		absolute:  o.AbsoluteTimeout,
	}, nil
}
