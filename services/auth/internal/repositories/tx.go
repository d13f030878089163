package repositories

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/infrastructure/platform/services/auth/gen/database"
	"github.com/infrastructure/platform/services/auth/internal/ports"
)

// inTx runs fn in a transaction: committed when fn returns nil, rolled back
// otherwise, so that a failure leaves nothing half-written.
func inTx(ctx context.Context, pool *pgxpool.Pool, op string, fn func(q *database.Queries) error) error {
	return inTxWith(ctx, pool, op, func(_ pgx.Tx, q *database.Queries) error { return fn(q) })
}

// inTxWith is inTx for work that also needs the transaction itself (the
// mail outbox inserts its jobs in it).
func inTxWith(ctx context.Context, pool *pgxpool.Pool, op string, fn func(tx pgx.Tx, q *database.Queries) error) error {
	tx, err := pool.Begin(ctx)
	if err != nil {
		return wrap(op+": begin", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // a no-op after Commit
	if err := fn(tx, database.New(tx)); err != nil {
		return err
	}
	if err := tx.Commit(ctx); err != nil {
		return wrap(op+": commit", err)
	}
	return nil
}

// rotate replaces a session's token within q; ports.ErrSessionEnded when
// the old token is no longer live.
func rotate(ctx context.Context, q *database.Queries, r ports.Rotation) (ports.Session, error) {
	row, err := q.RotateSession(ctx, rotateSessionParams(r))
	if err != nil {
		err = wrap("rotate session", err)
		if errorsIsNotFound(err) {
			return ports.Session{}, ports.ErrSessionEnded
		}
		return ports.Session{}, err
	}
	return sessionFromRotateRow(row), nil
}
