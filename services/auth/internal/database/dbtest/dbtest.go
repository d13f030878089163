// Package dbtest gives each test a fresh PostgreSQL database with every
// migration applied, cloned from a template that is built once per schema
// (github.com/peterldowns/pgtestdb). It is for tests only.
package dbtest

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"io/fs"
	"net/url"
	"os"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver for pgtestdb
	"github.com/peterldowns/pgtestdb"

	"github.com/infrastructure/platform/db"
	"github.com/infrastructure/platform/services/auth/internal/database"
)

// DefaultURL is the development server that scripts/postgres.sh starts.
const DefaultURL = "postgres://auth_test:auth_test@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the server the test databases are created on:
// TEST_DATABASE_URL, or DefaultURL. Its role must be a superuser: pgtestdb
// marks template databases in pg_database.
func AdminURL() string {
	if u := os.Getenv("TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultURL
}

// New creates a migrated database for t, dropped when t passes, and returns
// its URL, which connects as an unprivileged role (as the service does). The test fails at once when PostgreSQL is not reachable: run the
// tests through scripts/test.sh, which starts it.
func New(t testing.TB) string {
	t.Helper()
	u, err := url.Parse(AdminURL())
	if err != nil {
		t.Fatalf("dbtest: TEST_DATABASE_URL is not a URL")
	}
	password, _ := u.User.Password()
	conf := pgtestdb.Config{
		DriverName: "pgx",
		User:       u.User.Username(),
		Password:   password,
		Host:       u.Hostname(),
		Port:       u.Port(),
		Database:   strings.TrimPrefix(u.Path, "/"),
		Options:    u.RawQuery,
	}
	return pgtestdb.Custom(t, conf, migrator{}).URL()
}

// NewPool is New with a pgx pool on the database, closed at the end of t.
func NewPool(t testing.TB) *pgxpool.Pool {
	t.Helper()
	pool, err := pgxpool.New(context.Background(), New(t))
	if err != nil {
		t.Fatalf("dbtest: pool: %v", err)
	}
	t.Cleanup(pool.Close)
	return pool
}

// migrator applies the embedded migrations with the service's own code.
type migrator struct{}

// Hash identifies the schema: a template is rebuilt when a migration
// changes.
func (migrator) Hash() (string, error) {
	h := sha256.New()
	err := fs.WalkDir(db.Migrations, ".", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := fs.ReadFile(db.Migrations, path)
		if err != nil {
			return err
		}
		h.Write([]byte(path))
		h.Write(b)
		return nil
	})
	return hex.EncodeToString(h.Sum(nil))[:16], err
}

// Migrate implements pgtestdb.Migrator.
func (migrator) Migrate(ctx context.Context, sqlDB *sql.DB, _ pgtestdb.Config) error {
	return database.MigrateDB(ctx, sqlDB)
}
