package controllers

import (
	"context"

	"github.com/google/uuid"
)

// revoking runs change, which ends or changes sessions or users and returns
// their ids, then waits until this replica's revocation subscribers have
// acknowledged those changes (within a short bound), so that the caches
// that hear of them have forgotten them before the caller answers. The
// helper owns the protocol (the feed's mark before the change, the wait
// after it); the caller passes the change, as wild-workouts'
// UpdateHour(ctx, id, updateFn) takes the rule.
func (s *Service) revoking(ctx context.Context, change func() ([]uuid.UUID, error)) error {
	mark := s.revocations.Mark()
	ids, err := change()
	if err != nil {
		return err
	}
	s.revocations.Await(ctx, mark, ids...)
	return nil
}
