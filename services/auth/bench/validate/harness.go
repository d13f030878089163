package main

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"
)

// call is one request of a case. It is called from many goroutines at once.
type call func(ctx context.Context) error

// result is one case at one concurrency.
type result struct {
	// ID is the case's letter in the requirement: a to e.
	ID          string        `json:"id"`
	Case        string        `json:"case"`
	Concurrency int           `json:"concurrency"`
	Requests    uint64        `json:"requests"`
	Elapsed     time.Duration `json:"elapsed_ns"`
	RPS         float64       `json:"rps"`
	P50         time.Duration `json:"p50_ns"`
	P99         time.Duration `json:"p99_ns"`
}

const (
	phaseWarmup int32 = iota
	phaseMeasure
	phaseStop
)

// stopGrace bounds how long calls still in flight at the end of a run may
// take before they are cancelled, so that a hung call cannot hang the run.
// They are not cancelled at once: a cancelled pgx query closes its
// connection, and the next run would pay for new ones.
const stopGrace = 10 * time.Second

// measure runs concurrency goroutines, each calling fn in a loop, for warmup
// and then for duration. Only calls that complete within the measured
// window count; calls in flight at its end are left out. The first error
// ends the run and is returned.
func measure(ctx context.Context, fn call, concurrency int, warmup, duration time.Duration) (result, error) {
	if concurrency < 1 || duration <= 0 {
		return result{}, errors.New("measure: concurrency and duration must be positive")
	}
	ctx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	var phase atomic.Int32
	hists := make([]*histogram, concurrency)
	var wg sync.WaitGroup
	for i := range hists {
		h := new(histogram)
		hists[i] = h
		wg.Go(func() {
			for {
				start := time.Now()
				err := fn(ctx)
				elapsed := time.Since(start)
				switch p := phase.Load(); {
				case p == phaseStop:
					return
				case err != nil:
					cancel(err)
					return
				case p == phaseMeasure:
					h.record(elapsed)
				}
			}
		})
	}

	ok := sleep(ctx, warmup)
	var begin time.Time
	if ok {
		phase.Store(phaseMeasure)
		begin = time.Now()
		ok = sleep(ctx, duration)
	}
	phase.Store(phaseStop)
	window := time.Since(begin)
	wait(&wg, cancel)
	if !ok {
		return result{}, context.Cause(ctx)
	}

	var all histogram
	for _, h := range hists {
		all.merge(h)
	}
	return result{
		Concurrency: concurrency,
		Requests:    all.n,
		Elapsed:     window,
		RPS:         float64(all.n) / window.Seconds(),
		P50:         all.quantile(0.50),
		P99:         all.quantile(0.99),
	}, nil
}

// sleep waits for d; it reports false when ctx ended first.
func sleep(ctx context.Context, d time.Duration) bool {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
		return true
	}
}

// wait waits for the goroutines, cancelling their calls after stopGrace.
func wait(wg *sync.WaitGroup, cancel context.CancelCauseFunc) {
	done := make(chan struct{})
	go func() {
		wg.Wait()
		close(done)
	}()
	select {
	case <-done:
	case <-time.After(stopGrace):
		cancel(errors.New("measure: calls still in flight after the run"))
		<-done
	}
}
