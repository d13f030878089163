package repositories

import (
	"context"

	"github.com/google/uuid"
	"github.com/jackc/pgx/v5"
	"github.com/riverqueue/river"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/mail"
)

// Notices is the mail outbox of the security notices: each is a River job
// inserted in the transaction of the change it reports, so that it
// commits with the change or not at all (see package mail).
type Notices struct {
	client *river.Client[pgx.Tx]
}

// NewNotices returns the outbox over client (which need not be started on
// this replica to insert).
func NewNotices(client *river.Client[pgx.Tx]) *Notices { return &Notices{client: client} }

// enqueue puts the notice for the user in the outbox, in tx. A nil Notices
// (tests of other things) mails nothing.
func (n *Notices) enqueue(ctx context.Context, tx pgx.Tx, q *database.Queries, userID uuid.UUID, notice string) error {
	if n == nil {
		return nil
	}
	u, err := q.GetUserByID(ctx, userID)
	if err != nil {
		return wrap("notice: user", err)
	}
	_, err = n.client.InsertTx(ctx, tx, mail.NoticeArgs{Notice: notice, UserID: userID.String(), To: u.Email}, nil)
	return wrap("notice: outbox", err)
}

// link puts an emailed link in the outbox, in tx. A nil Notices mails
// nothing.
func (n *Notices) link(ctx context.Context, tx pgx.Tx, args mail.LinkArgs) error {
	if n == nil {
		return nil
	}
	_, err := n.client.InsertTx(ctx, tx, args, nil)
	return wrap("link: outbox", err)
}
