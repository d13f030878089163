package logging

import (
	"errors"
	"io"
	"sync"
	"time"
)

// DefaultAsyncLimit bounds the bytes an AsyncWriter holds before writers
// wait for the output.
const DefaultAsyncLimit = 1 << 20

// DefaultAsyncPause is the AsyncWriter's pause after each write: at most
// 200 writes a second however many lines are logged.
const DefaultAsyncPause = 5 * time.Millisecond

// ErrClosed is returned by Write after Close.
var ErrClosed = errors.New("logging: writer closed")

// AsyncWriter writes log lines to an output from one background goroutine,
// in the order they were written, so that a request does not wait for a
// write system call. A line written after a quiet spell goes out at once;
// after each write the goroutine pauses, and the lines written meanwhile go
// out together in one call (a group commit for logs: under load, one
// system call, and one wake-up of whatever reads the output, per pause
// instead of per line). It holds at most limit bytes: beyond that, Write
// waits for the output instead of dropping lines or growing without bound.
// Each Write must be whole lines, as clue's formats produce.
//
// Close flushes what is held; a process that crashes can lose only the
// lines of its last pause.
type AsyncWriter struct {
	out   io.Writer
	limit int
	pause time.Duration

	mu      sync.Mutex
	room    *sync.Cond // signalled when a batch was written
	pending []byte     // lines not yet handed to the goroutine
	spare   []byte     // the last batch's buffer, reused
	closed  bool
	err     error // the first error of the output

	wake    chan struct{} // capacity 1: pending has lines
	closing chan struct{} // closed by Close: ends a pause
	done    chan struct{} // closed when the goroutine returned
}

// NewAsyncWriter starts an AsyncWriter on out holding at most limit bytes
// (DefaultAsyncLimit when limit <= 0) and pausing for pause after each
// write (none when pause <= 0). Close it to flush and stop.
func NewAsyncWriter(out io.Writer, limit int, pause time.Duration) *AsyncWriter {
	if limit <= 0 {
		limit = DefaultAsyncLimit
	}
	w := &AsyncWriter{
		out: out, limit: limit, pause: pause,
		wake: make(chan struct{}, 1), closing: make(chan struct{}), done: make(chan struct{}),
	}
	w.room = sync.NewCond(&w.mu)
	go w.run()
	return w
}

// Write queues a copy of p; it waits only when the writer already holds
// its limit.
func (w *AsyncWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	for !w.closed && len(w.pending) > 0 && len(w.pending)+len(p) > w.limit {
		w.room.Wait()
	}
	if w.closed {
		w.mu.Unlock()
		return 0, ErrClosed
	}
	w.pending = append(w.pending, p...)
	// Signalled under the lock, so that Close cannot close wake between
	// the append and the send.
	select {
	case w.wake <- struct{}{}:
	default: // already signalled: the goroutine will take this line too
	}
	w.mu.Unlock()
	return len(p), nil
}

// Close writes what is held, stops the goroutine and returns the first
// error of the output. Writes after Close fail with ErrClosed.
func (w *AsyncWriter) Close() error {
	w.mu.Lock()
	if w.closed {
		w.mu.Unlock()
		<-w.done
		return w.err
	}
	w.closed = true
	w.room.Broadcast()
	close(w.closing)
	close(w.wake)
	w.mu.Unlock()
	<-w.done
	return w.err
}

// run writes batches, pausing after each, until Close; then it writes the
// rest.
func (w *AsyncWriter) run() {
	defer close(w.done)
	var pause *time.Timer
	for {
		_, open := <-w.wake
		w.writeBatch()
		if !open {
			return
		}
		if w.pause <= 0 {
			continue
		}
		if pause == nil {
			pause = time.NewTimer(w.pause)
		} else {
			pause.Reset(w.pause)
		}
		select {
		case <-pause.C:
		case <-w.closing:
		}
	}
}

func (w *AsyncWriter) writeBatch() {
	w.mu.Lock()
	batch := w.pending
	if len(batch) == 0 {
		w.mu.Unlock()
		return
	}
	w.pending, w.spare = w.spare[:0], nil
	w.mu.Unlock()
	_, err := w.out.Write(batch)
	w.mu.Lock()
	if err != nil && w.err == nil {
		w.err = err
	}
	// Keep the buffer for the next batch unless a burst made it large.
	if cap(batch) <= 64<<10 {
		w.spare = batch
	} else {
		w.spare = nil
	}
	w.room.Broadcast()
	w.mu.Unlock()
}
