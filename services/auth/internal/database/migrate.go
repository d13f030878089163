package database

import (
	"context"
	"database/sql"
	"fmt"
	"io/fs"
	"log/slog"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/pgx/v5/stdlib"
	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"

	"github.com/infrastructure/platform/db"
)

// Migrate applies the embedded migrations (db/schemas) that are not applied
// yet. A PostgreSQL advisory lock held for the whole run serializes replicas
// that start together: the first applies, the others wait and find nothing
// left to do.
func Migrate(ctx context.Context, pool *pgxpool.Pool) error {
	sqlDB := stdlib.OpenDBFromPool(pool)
	defer sqlDB.Close()
	return MigrateDB(ctx, sqlDB)
}

// MigrateDB is Migrate over a database/sql handle (used by tests that create
// databases from a template).
func MigrateDB(ctx context.Context, sqlDB *sql.DB) error {
	migrations, err := fs.Sub(db.Migrations, db.MigrationsDir)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	locker, err := lock.NewPostgresSessionLocker()
	if err != nil {
		return fmt.Errorf("migration lock: %w", err)
	}
	provider, err := goose.NewProvider(goose.DialectPostgres, sqlDB, migrations, goose.WithSessionLocker(locker))
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	if _, err := provider.Up(ctx); err != nil {
		return fmt.Errorf("apply migrations: %w", err)
	}
	return migrateQueue(ctx, sqlDB)
}

// queueMigrationLock is the advisory lock that serializes the job queue's
// migrations across replicas starting together.
const queueMigrationLock = 7142_0001

// migrateQueue applies the migrations of River, the durable job queue of
// the mail outbox (its own river_* tables, versioned by River in
// river_migration), under a session advisory lock: replicas that start
// together apply them one after the other. River applies each version in
// a transaction of its own (some cannot share one).
func migrateQueue(ctx context.Context, sqlDB *sql.DB) error {
	conn, err := sqlDB.Conn(ctx)
	if err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, "SELECT pg_advisory_lock($1)", int64(queueMigrationLock)); err != nil {
		return fmt.Errorf("queue migrations: lock: %w", err)
	}
	defer func() {
		_, _ = conn.ExecContext(context.WithoutCancel(ctx), "SELECT pg_advisory_unlock($1)", int64(queueMigrationLock))
	}()
	migrator, err := rivermigrate.New(riverdatabasesql.New(sqlDB), &rivermigrate.Config{Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	if _, err := migrator.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("queue migrations: %w", err)
	}
	return nil
}
