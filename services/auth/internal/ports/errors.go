package ports

import "errors"

// Errors that repositories return, wrapped with context. Controllers map
// them to Goa errors in one place.
var (
	// ErrNotFound means no row matched.
	ErrNotFound = errors.New("not found")
	// ErrEmailTaken means the email belongs to another account.
	ErrEmailTaken = errors.New("email taken")
	// ErrUnavailable means the database could not be reached.
	ErrUnavailable = errors.New("database unavailable")
)
