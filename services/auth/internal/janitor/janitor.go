// Package janitor deletes old rows (ended sessions, old authentication
// attempts) in the background, in small batches, so that tables stay small
// without ever blocking requests.
package janitor

import (
	"context"
	"time"

	"goa.design/clue/log"
)

// Deleter deletes at most batch rows that ended before cutoff.
type Deleter interface {
	DeleteExpired(ctx context.Context, cutoff time.Time, batch int) (int, error)
}

// Options configure Run.
type Options struct {
	// What names the rows in logs ("sessions", "attempts").
	What string
	// Every is the time between sweeps.
	Every time.Duration
	// Retention is how long an ended row is kept (for listings and
	// investigations) before it is deleted.
	Retention time.Duration
	// Batch is the most rows one statement deletes.
	Batch int
	// Pause is the rest between two batches of one sweep.
	Pause time.Duration
}

// Run sweeps every o.Every until ctx is done. Errors are logged and the
// next sweep tries again.
func Run(ctx context.Context, d Deleter, o Options) {
	t := time.NewTicker(o.Every)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		n, err := Sweep(ctx, d, time.Now().Add(-o.Retention), o)
		switch {
		case err != nil && ctx.Err() == nil:
			log.Error(ctx, err, log.KV{K: "msg", V: "clean-up failed"}, log.KV{K: "table", V: o.What})
		case n > 0:
			log.Print(ctx, log.KV{K: "msg", V: "old rows deleted"}, log.KV{K: "table", V: o.What}, log.KV{K: "count", V: n})
		}
	}
}

// Sweep deletes every row that ended before cutoff, one batch at a time,
// and counts them.
func Sweep(ctx context.Context, d Deleter, cutoff time.Time, o Options) (int, error) {
	total := 0
	for {
		n, err := d.DeleteExpired(ctx, cutoff, o.Batch)
		total += n
		if err != nil || n < o.Batch {
			return total, err
		}
		select {
		case <-ctx.Done():
			return total, ctx.Err()
		case <-time.After(o.Pause):
		}
	}
}
