// Command validate measures, in one run on loopback, what a session
// validation costs against what it could cost: requests per second and
// p50/p99 latency, at several concurrencies, of (a) a bare grpc-go unary
// echo, (b) the same server doing one pgx primary-key lookup, (c) the auth
// service's ValidateSession, (d) ValidateSession through the client
// package with its cache and (e) ValidateSession over mutual TLS. It
// prints the ratios c/b, d/a and e/c against the targets. See README.md
// beside this file.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"time"
)

const defaultAdminURL = "postgres://auth_test:auth_test@127.0.0.1:5432/postgres?sslmode=disable"

type options struct {
	adminURL      string
	concurrencies []int
	cases         map[string]bool
	inProcess     bool
	warmup        time.Duration
	duration      time.Duration
	json          bool
}

func main() {
	if referenceMode() {
		if err := serveReference(); err != nil {
			fmt.Fprintf(os.Stderr, "validate: %v\n", err)
			os.Exit(1)
		}
		return
	}
	var o options
	flag.StringVar(&o.adminURL, "admin-url", defaultAdminURL, "URL of a PostgreSQL role that may create databases (TEST_DATABASE_URL, when set, replaces the default)")
	concurrency := flag.String("concurrency", "1,8,32,64", "comma-separated numbers of concurrent callers")
	cases := flag.String("cases", "a,b,c,d,e,f,g,h", "comma-separated cases to run (each ratio needs its two cases)")
	flag.DurationVar(&o.warmup, "warmup", 500*time.Millisecond, "unmeasured time before each measurement")
	flag.DurationVar(&o.duration, "duration", 3*time.Second, "measured time per case and concurrency")
	flag.BoolVar(&o.json, "json", false, "print the results as JSON instead of a table")
	flag.BoolVar(&o.inProcess, "reference-in-process", false, "serve cases a and b from this process, beside the load generator, instead of a process of their own (for comparison)")
	flag.Parse()
	if env := os.Getenv("TEST_DATABASE_URL"); env != "" && !flagSet("admin-url") {
		o.adminURL = env
	}
	var err error
	if o.concurrencies, err = parseConcurrencies(*concurrency); err != nil || o.duration <= 0 || o.warmup < 0 {
		fmt.Fprintln(os.Stderr, "validate: -concurrency needs positive integers, -duration a positive and -warmup a non-negative duration")
		os.Exit(2)
	}
	if o.cases, err = parseCases(*cases); err != nil {
		fmt.Fprintf(os.Stderr, "validate: -cases: %v\n", err)
		os.Exit(2)
	}

	// Ctrl-C ends the run early; run still stops the auth binary and
	// drops the database before returning.
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err = run(ctx, o, os.Stdout)
	stop()
	if err != nil {
		fmt.Fprintf(os.Stderr, "validate: %v\n", err)
		os.Exit(1)
	}
}

func flagSet(name string) bool {
	set := false
	flag.Visit(func(f *flag.Flag) { set = set || f.Name == name })
	return set
}

func parseConcurrencies(s string) ([]int, error) {
	var out []int
	for f := range strings.SplitSeq(s, ",") {
		n, err := strconv.Atoi(strings.TrimSpace(f))
		if err != nil || n < 1 {
			return nil, fmt.Errorf("concurrency %q: not a positive integer", f)
		}
		out = append(out, n)
	}
	return out, nil
}

// parseCases reads a comma-separated subset of a, b, c, d and e.
func parseCases(s string) (map[string]bool, error) {
	out := map[string]bool{}
	for f := range strings.SplitSeq(s, ",") {
		switch id := strings.TrimSpace(f); id {
		case "a", "b", "c", "d", "e", "f", "g", "h":
			out[id] = true
		default:
			return nil, fmt.Errorf("case %q: not one of a, b, c, d, e, f, g, h", f)
		}
	}
	return out, nil
}

// run sets everything up on a fresh database, measures every case at every
// concurrency and prints the results; the database is dropped at the end
// whatever happened.
func run(ctx context.Context, o options, stdout io.Writer) (err error) {
	dbURL, drop, err := createDatabase(ctx, o.adminURL)
	if err != nil {
		return err
	}
	defer func() {
		dropCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 30*time.Second)
		defer cancel()
		err = errors.Join(err, drop(dropCtx))
	}()
	var modes []string
	for id, mode := range map[string]string{"f": "exec", "g": "simple_protocol", "h": "cache_describe"} {
		if o.cases[id] {
			modes = append(modes, mode)
		}
	}
	s, err := startStack(ctx, dbURL, o.inProcess, o.cases["e"], modes...)
	if err != nil {
		return err
	}
	defer func() {
		// After Ctrl-C the auth binary got the terminal's SIGINT too and
		// has already exited: Stop's complaint about that is noise.
		if cerr := s.close(); ctx.Err() == nil {
			err = errors.Join(err, cerr)
		}
	}()

	table := io.Discard
	if !o.json {
		table = stdout
	}
	printHeader(table, o)
	var results []result
	for _, bc := range s.cases() {
		if !o.cases[bc.id] {
			continue
		}
		rs, err := runCase(ctx, bc, o, table)
		results = append(results, rs...)
		if err != nil {
			return err
		}
	}
	rs := ratios(results, o.concurrencies)
	if o.json {
		return printJSON(stdout, o, results, rs)
	}
	printRatios(stdout, rs)
	return nil
}

// runCase measures one case at every concurrency over one connection,
// printing each row as it is done (a full run takes about a minute).
func runCase(ctx context.Context, bc benchCase, o options, table io.Writer) (_ []result, err error) {
	fn, closeFn, err := bc.open(ctx)
	if err != nil {
		return nil, fmt.Errorf("case %s: %w", bc.id, err)
	}
	defer func() { err = errors.Join(err, closeFn()) }()
	var results []result
	for _, n := range o.concurrencies {
		runtime.GC() // each row starts from a clean heap, not the last row's garbage
		r, err := measure(ctx, fn, n, o.warmup, o.duration)
		if err != nil {
			return results, fmt.Errorf("case %s at concurrency %d: %w", bc.id, n, err)
		}
		r.ID, r.Case = bc.id, bc.name
		printRow(table, r)
		results = append(results, r)
	}
	return results, nil
}
