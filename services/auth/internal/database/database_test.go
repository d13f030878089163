package database_test

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/infrastructure/platform/services/auth/internal/database"
	"github.com/infrastructure/platform/services/auth/internal/database/dbtest"
)

// emptyDatabase creates a database with no schema at all and returns its URL.
func emptyDatabase(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	admin, err := pgx.Connect(ctx, dbtest.AdminURL())
	if err != nil {
		t.Fatalf("connect as admin: %v", err)
	}
	defer admin.Close(ctx)
	name := fmt.Sprintf("migrate_test_%d", time.Now().UnixNano())
	if _, err := admin.Exec(ctx, "CREATE DATABASE "+name); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		c, err := pgx.Connect(context.Background(), dbtest.AdminURL())
		if err == nil {
			_, _ = c.Exec(context.Background(), "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
			c.Close(context.Background())
		}
	})
	u, _ := url.Parse(dbtest.AdminURL())
	u.Path = "/" + name
	return u.String()
}

func TestMigrateConcurrentReplicas(t *testing.T) {
	t.Parallel()
	dbURL := emptyDatabase(t)
	ctx := context.Background()

	// Five replicas start together on an empty database.
	const replicas = 5
	var wg sync.WaitGroup
	errs := make([]error, replicas)
	for i := range replicas {
		wg.Go(func() {
			pool, err := database.Connect(ctx, dbURL, 10*time.Second)
			if err != nil {
				errs[i] = err
				return
			}
			defer pool.Close()
			errs[i] = database.Migrate(ctx, pool)
		})
	}
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Errorf("replica %d: %v", i, err)
		}
	}

	conn, err := pgx.Connect(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close(ctx)
	var applied, distinct int
	if err := conn.QueryRow(ctx, "SELECT count(*), count(DISTINCT version_id) FROM goose_db_version WHERE version_id > 0").Scan(&applied, &distinct); err != nil {
		t.Fatal(err)
	}
	if applied == 0 || applied != distinct {
		t.Errorf("goose_db_version has %d rows for %d versions: migrations ran more than once", applied, distinct)
	}
	var tables int
	if err := conn.QueryRow(ctx, "SELECT count(*) FROM information_schema.tables WHERE table_name IN ('users', 'sessions')").Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if tables != 2 {
		t.Errorf("found %d of the 2 tables", tables)
	}
}

// freePort returns a loopback port that nothing listens on.
func freePort(t *testing.T) string {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// proxy forwards connections on addr to PostgreSQL until the test ends.
func proxy(t *testing.T, addr, target string) {
	t.Helper()
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("proxy: %v", err)
	}
	t.Cleanup(func() { ln.Close() })
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			go func() {
				defer c.Close()
				s, err := net.Dial("tcp", target)
				if err != nil {
					return
				}
				defer s.Close()
				go func() { _, _ = io.Copy(s, c) }()
				_, _ = io.Copy(c, s)
			}()
		}
	}()
}

func TestConnectWaitsForTheDatabase(t *testing.T) {
	t.Parallel()
	dbURL, err := url.Parse(dbtest.New(t))
	if err != nil {
		t.Fatal(err)
	}
	target := dbURL.Host
	addr := freePort(t)
	dbURL.Host = addr

	// PostgreSQL "starts" 700 ms after the service.
	time.AfterFunc(700*time.Millisecond, func() { proxy(t, addr, target) })
	pool, err := database.Connect(context.Background(), dbURL.String(), 20*time.Second)
	if err != nil {
		t.Fatalf("Connect gave up although the database came up: %v", err)
	}
	defer pool.Close()
	if err := pool.Ping(context.Background()); err != nil {
		t.Error(err)
	}
}

func TestConnectGivesUp(t *testing.T) {
	t.Parallel()
	dbURL := "postgres://auth:s3cret-password@" + freePort(t) + "/auth?sslmode=disable"
	start := time.Now()
	_, err := database.Connect(context.Background(), dbURL, 500*time.Millisecond)
	if err == nil {
		t.Fatal("Connect succeeded with no database")
	}
	if strings.Contains(err.Error(), "s3cret-password") {
		t.Errorf("the error leaks the password: %v", err)
	}
	if elapsed := time.Since(start); elapsed > 30*time.Second {
		t.Errorf("Connect took %v to give up", elapsed)
	}
}

func TestConnectRejectsBadURL(t *testing.T) {
	t.Parallel()
	_, err := database.Connect(context.Background(), "postgres://auth:s3cret@[::1", time.Second)
	if err == nil || strings.Contains(err.Error(), "s3cret") {
		t.Errorf("err = %v: want an error without the password", err)
	}
}
