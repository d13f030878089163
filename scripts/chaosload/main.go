// Command chaosload drives steady mixed traffic at the highly available
// stack (docker-compose.ha.yml) through its published HAProxy ports while
// scripts/chaos-e2e.sh injects faults, records every request with its time
// and outcome, and at the end says, per fault, how long requests failed,
// whether a session created before it was lost, and whether a backup code
// or a TOTP step was accepted twice.
//
// The traffic: logins of plain users (each new session is remembered),
// ValidateSession over gRPC with mutual TLS on several connections, the
// profile over REST and /executor/whoami with remembered sessions, and
// races: several clients, each signed in with the password of the same MFA
// user, send the same backup code (then the same TOTP code) at once; at
// most one may win.
//
// It runs until SIGINT or SIGTERM (or -max), then validates every
// remembered session once more (the final sweep), reads the faults the
// script wrote (-faults: name, start and recovery times in Unix
// milliseconds, tab-separated, one a line), writes every event as JSON
// lines (-events) and prints the table. Exit status 1 when a target is
// missed: a fault's failures last longer than -max-window after it,
// a session is lost, a code or step is accepted twice, or a request fails
// outside every fault's period.
//
//	go run ./scripts/chaosload -http http://127.0.0.1:28080 -grpc 127.0.0.1:29090 \
//	    -certs /tmp/certs -faults faults.tsv -events events.jsonl
package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
	"time"
)

// options are the flags.
type options struct {
	httpURL, executorURL, grpcAddr string
	certs                          string
	faults, events                 string
	max, timeout, maxWindow, grace time.Duration
	plainUsers, grpcConns          int
	racers                         int
	ready                          string
}

func main() {
	var o options
	flag.StringVar(&o.httpURL, "http", "http://127.0.0.1:28080", "auth REST through HAProxy")
	flag.StringVar(&o.executorURL, "executor", "http://127.0.0.1:28081", "the executor (empty: no executor traffic)")
	flag.StringVar(&o.grpcAddr, "grpc", "127.0.0.1:29090", "auth gRPC through HAProxy (mutual TLS)")
	flag.StringVar(&o.certs, "certs", "", "directory with ca.pem, executor.pem and executor-key.pem (the certs job's)")
	flag.StringVar(&o.faults, "faults", "", "the faults file scripts/chaos-e2e.sh writes (read at the end)")
	flag.StringVar(&o.events, "events", "", "write every event here as JSON lines")
	flag.StringVar(&o.ready, "ready", "", "create this file once set-up is done and the load runs")
	flag.DurationVar(&o.max, "max", 30*time.Minute, "stop by itself after this long")
	flag.DurationVar(&o.timeout, "timeout", 3*time.Second, "deadline of one request")
	flag.DurationVar(&o.maxWindow, "max-window", 15*time.Second, "target: the last failure at most this long after a fault's start")
	flag.DurationVar(&o.grace, "grace", 5*time.Second, "a fault's period lasts this long past its recovery")
	flag.IntVar(&o.plainUsers, "users", 8, "plain users (no MFA) whose logins make sessions")
	flag.IntVar(&o.grpcConns, "grpc-conns", 3, "gRPC connections (HAProxy balances per connection)")
	flag.IntVar(&o.racers, "racers", 3, "clients racing for each backup code and TOTP step")
	flag.Parse()
	if err := run(o); err != nil {
		fmt.Fprintf(os.Stderr, "chaosload: %v\n", err)
		os.Exit(1)
	}
}

func run(o options) error {
	rec := newRecorder()
	l, err := newLoad(o, rec)
	if err != nil {
		return err
	}
	defer l.close()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	ctx, cancel := context.WithTimeout(ctx, o.max)
	defer cancel()

	if err := l.setup(ctx); err != nil {
		return fmt.Errorf("set-up: %w", err)
	}
	logf("set-up done: %d plain users, %d sessions; load running", len(l.plain), l.sessions.len())
	if o.ready != "" {
		if err := os.WriteFile(o.ready, nil, 0o644); err != nil {
			return err
		}
	}
	l.runWorkers(ctx)
	end := time.Now()
	logf("load stopped; final sweep of %d sessions", l.sessions.len())
	l.sweep(context.Background())

	var faults []fault
	if o.faults != "" {
		if faults, err = readFaults(o.faults); err != nil {
			return err
		}
	}
	if o.events != "" {
		if err := rec.write(o.events); err != nil {
			return err
		}
	}
	r := analyse(rec.all(), faults, l.sessions.all(), end, o.maxWindow, o.grace)
	r.print(os.Stdout)
	if !r.ok {
		return fmt.Errorf("a target was missed (table above)")
	}
	return nil
}

func logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "chaosload: %s %s\n", time.Now().Format("15:04:05.000"), fmt.Sprintf(format, args...))
}
