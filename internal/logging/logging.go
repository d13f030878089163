// Package logging is the one place where the services' logs are set up:
// the format (JSON lines for the collector, clue's terminal format for a
// person), the run-time debug switch, the fields every line of a request
// carries (request id, Goa service and method, trace and span ids), and
// one access-line schema for HTTP, unary gRPC and streaming gRPC, with
// clue's keys:
//
//	HTTP: msg=request http.method http.route http.status http.duration_ms
//	gRPC: msg=request grpc.service grpc.method grpc.code grpc.duration_ms
//
// http.route is the route pattern (/auth/sessions/{id}), never the path
// with its values; grpc.method is the full method (auth.Auth/ValidateSession).
// No header, query string or body is ever logged: secrets travel there.
//
// Lines are written to the output by the goroutine that logs them. A
// background writer (batching lines into one write every few
// milliseconds) was measured against direct writes with the benchmark
// command (services/auth/bench/validate, ValidateSession at concurrency 8
// and 32, 25 runs of each on this project's 2-core machine): the ratio of
// its requests per second to direct writes' had a median of 1.05 at 8 and
// 0.95 at 32, within the run-to-run noise of ±30% and never a clear gain,
// so the services write directly.
package logging

import (
	"context"
	"io"
	"time"

	"goa.design/clue/log"
)

// Format returns the log format: JSON, unless standard output is a
// terminal.
func Format() log.FormatFunc {
	if log.IsTerminal() {
		return log.FormatTerminal
	}
	return log.FormatJSON
}

// New returns a background context carrying the clue logger of a service,
// writing format to out, with the context fields of every request and
// debug entries written only while sw is on; and the direct writer of the
// access lines (see lines).
func New(out io.Writer, format log.FormatFunc, sw *Switch) context.Context {
	format = sw.filter(format)
	ctx := log.Context(context.Background(),
		log.WithOutput(out), log.WithFormat(format), log.WithFunc(ContextFields), log.WithDebug())
	return context.WithValue(ctx, linesKey{}, lines{format: format, out: out})
}

// lines writes access lines straight to the format and output of the
// service's logger. An access line is written for every call of the
// platform's hot path: clue's Print copies and merges the logger's fields
// and formats every value with fmt to truncate it (about thirty
// allocations a line), where these few short values need none of that.
type lines struct {
	format log.FormatFunc
	out    io.Writer
}

type linesKey struct{}

// linesFrom returns the access-line writer of logCtx (made by New).
func linesFrom(logCtx context.Context) lines {
	l, ok := logCtx.Value(linesKey{}).(lines)
	if !ok {
		panic("logging: the context was not made by logging.New")
	}
	return l
}

// write writes one info line with kvs, then the context fields of ctx.
func (l lines) write(ctx context.Context, kvs []log.KV) {
	kvs = appendContextFields(kvs, ctx)
	_, _ = l.out.Write(l.format(&log.Entry{Time: time.Now().UTC(), Severity: log.SeverityInfo, KeyVals: kvs}))
}
