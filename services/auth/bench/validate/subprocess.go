package main

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
)

// The reference server runs in a process of its own, as the auth binary
// does: had it shared the load generator's Go runtime, cases (a) and (b)
// would skip the cross-process wake-ups that case (c) pays on every call,
// and the ratios would measure the harness rather than the service. The
// command re-executes itself with these variables set.
const (
	referenceModeEnv = "VALIDATE_BENCH_REFERENCE" // "serve" selects the mode
	referenceDBEnv   = "VALIDATE_BENCH_DATABASE_URL"
	addrPrefix       = "listening on "
)

// startReferenceInProcess serves the reference from this process, beside
// the load generator (-reference-in-process): for comparison only, since
// the calls then skip the cross-process wake-ups of a real server.
func startReferenceInProcess(ctx context.Context, dbURL string) (addr string, stop func() error, err error) {
	pool, err := openPool(ctx, dbURL)
	if err != nil {
		return "", nil, err
	}
	addr, stopServer, err := startReference(pool)
	if err != nil {
		pool.Close()
		return "", nil, err
	}
	return addr, func() error {
		stopServer()
		pool.Close()
		return nil
	}, nil
}

// openPool opens the reference's pool with default settings, as the auth
// binary uses (max(4, NumCPU) connections): case (b) must not get a bigger
// pool than case (c). The URL holds a password: errors never quote it.
func openPool(ctx context.Context, dbURL string) (*pgxpool.Pool, error) {
	pool, err := pgxpool.New(ctx, dbURL)
	if err != nil {
		return nil, errors.New("reference: pool: invalid database URL")
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("reference: ping database: %w", err)
	}
	return pool, nil
}

// referenceMode reports whether this process is the reference server.
func referenceMode() bool { return os.Getenv(referenceModeEnv) == "serve" }

// serveReference is main in reference mode: it opens a default pool on the
// database, serves on 127.0.0.1:0, prints the address on stdout and serves
// until the end of stdin (the parent asks it to stop, or died), SIGTERM or
// SIGINT (Ctrl-C in the terminal reaches it too).
func serveReference() error {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	pool, err := openPool(ctx, os.Getenv(referenceDBEnv))
	if err != nil {
		return err
	}
	defer pool.Close()
	addr, stopServer, err := startReference(pool)
	if err != nil {
		return err
	}
	defer stopServer()
	fmt.Printf("%s%s\n", addrPrefix, addr)
	go func() {
		_, _ = io.Copy(io.Discard, os.Stdin)
		cancel()
	}()
	<-ctx.Done()
	return nil
}

// startReferenceProcess starts this command in reference mode on dbURL and
// returns the address it serves and a function that stops it.
func startReferenceProcess(ctx context.Context, dbURL string) (addr string, stop func() error, err error) {
	self, err := os.Executable()
	if err != nil {
		return "", nil, fmt.Errorf("reference: %w", err)
	}
	cmd := exec.Command(self)
	cmd.Env = append(os.Environ(), referenceModeEnv+"=serve", referenceDBEnv+"="+dbURL)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, fmt.Errorf("reference: %w", err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, fmt.Errorf("reference: %w", err)
	}
	if err := cmd.Start(); err != nil {
		return "", nil, fmt.Errorf("reference: start: %w", err)
	}
	exited := make(chan error, 1)
	lines := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			default:
			}
		}
		exited <- cmd.Wait()
	}()
	// Closing stdin asks the child to stop (a signal could arrive after
	// it has restored the default handlers on its way out, and kill it).
	stop = func() error {
		stdin.Close()
		select {
		case err := <-exited:
			if err != nil {
				return fmt.Errorf("reference: %w", err)
			}
			return nil
		case <-time.After(10 * time.Second):
			_ = cmd.Process.Kill()
			return fmt.Errorf("reference: did not stop within 10s: %w", <-exited)
		}
	}
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	select {
	case line := <-lines:
		if a, ok := strings.CutPrefix(line, addrPrefix); ok {
			return a, stop, nil
		}
		return "", nil, errors.Join(fmt.Errorf("reference: unexpected output %q", line), stop())
	case err := <-exited:
		return "", nil, fmt.Errorf("reference: exited during start-up: %v", err)
	case <-ctx.Done():
		return "", nil, errors.Join(fmt.Errorf("reference: no address: %w", ctx.Err()), stop())
	}
}
