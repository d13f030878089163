package main

import (
	"runtime/debug"
)

// defaultGCPercent is the collector's target when GOGC is not set. The
// service's live heap is small (a few MB: pools, caches of prepared
// statements, the gRPC and HTTP servers) and nearly everything a request
// allocates dies with it, so Go's default of 100 runs a collection every
// few MB allocated: at ten thousand session checks a second that is
// several collections a second, each scanning every goroutine's stack.
// 400 lets the heap grow to five times the live data (tens of MB) and
// cuts the collector's share of the CPU about fourfold; the bench command
// (services/auth/bench/validate) shows the difference. GOGC, and
// GOMEMLIMIT for a container with a tight memory limit, override it.
const defaultGCPercent = 400

// tuneGC applies defaultGCPercent unless the operator set GOGC.
func tuneGC(getenv func(string) string) {
	if getenv("GOGC") == "" {
		debug.SetGCPercent(defaultGCPercent)
	}
}
