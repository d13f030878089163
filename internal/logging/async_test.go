package logging_test

import (
	"bytes"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/infrastructure/platform/internal/logging"
)

// lockedBuffer is an output that records every Write call.
type lockedBuffer struct {
	mu     sync.Mutex
	buf    bytes.Buffer
	writes int
	gate   chan struct{} // when set, each Write waits until it is closed
	busy   chan struct{} // when set, each Write sends on it first
	err    error
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	if b.busy != nil {
		b.busy <- struct{}{}
	}
	if b.gate != nil {
		<-b.gate
	}
	b.mu.Lock()
	defer b.mu.Unlock()
	b.writes++
	if b.err != nil {
		return 0, b.err
	}
	return b.buf.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

func TestAsyncWriterKeepsEveryLineWhole(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name             string
		writers, perEach int
		limit            int
		pause            time.Duration
	}{
		{"case=one writer", 1, 500, 0, 0},
		{"case=16 writers", 16, 200, 0, 0},
		{"case=16 writers, limit below a few lines", 16, 200, 64, 0},
		{"case=16 writers, pausing", 16, 200, 0, time.Millisecond},
		{"case=16 writers, pausing, limit below a few lines", 16, 200, 64, 100 * time.Microsecond},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			out := &lockedBuffer{}
			w := logging.NewAsyncWriter(out, tt.limit, tt.pause)
			var wg sync.WaitGroup
			for g := range tt.writers {
				wg.Go(func() {
					for i := range tt.perEach {
						line := fmt.Sprintf("writer %d line %d\n", g, i)
						if n, err := w.Write([]byte(line)); err != nil || n != len(line) {
							t.Errorf("Write = %d, %v", n, err)
						}
					}
				})
			}
			wg.Wait()
			if err := w.Close(); err != nil {
				t.Fatal(err)
			}
			lines := strings.Split(strings.TrimSuffix(out.String(), "\n"), "\n")
			if len(lines) != tt.writers*tt.perEach {
				t.Fatalf("%d lines, want %d", len(lines), tt.writers*tt.perEach)
			}
			next := make([]int, tt.writers) // each writer's lines in order
			for _, l := range lines {
				var g, i int
				if _, err := fmt.Sscanf(l, "writer %d line %d", &g, &i); err != nil {
					t.Fatalf("line %q is not whole: %v", l, err)
				}
				if i != next[g] {
					t.Fatalf("writer %d: line %d after %d", g, i, next[g]-1)
				}
				next[g]++
			}
		})
	}
}

// TestAsyncWriterBatchesWhileBusy: lines written while the output is busy
// go out in one call, and Write does not wait for the output.
func TestAsyncWriterBatchesWhileBusy(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{gate: make(chan struct{})}
	w := logging.NewAsyncWriter(out, 0, 0)
	_, _ = w.Write([]byte("first\n"))
	// The goroutine is now blocked in the first Write (it waits on gate);
	// these return at once and pile up.
	for i := range 100 {
		_, _ = fmt.Fprintf(w, "line %d\n", i)
	}
	close(out.gate)
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != 101 {
		t.Fatalf("%d lines after Close, want 101", got)
	}
	if out.writes > 3 {
		t.Errorf("%d writes for 101 lines written while the output was busy, want at most 3", out.writes)
	}
}

// TestAsyncWriterPausesBetweenWrites: a line after a quiet spell goes out
// at once; the lines written during the pause that follows go out
// together when it ends; Close ends a pause at once.
func TestAsyncWriterPausesBetweenWrites(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{busy: make(chan struct{}, 10)}
	w := logging.NewAsyncWriter(out, 0, time.Hour)
	_, _ = w.Write([]byte("first\n"))
	select {
	case <-out.busy:
	case <-time.After(10 * time.Second):
		t.Fatal("the first line was not written")
	}
	for i := range 50 {
		_, _ = fmt.Fprintf(w, "line %d\n", i)
	}
	select {
	case <-out.busy:
		t.Fatal("a line was written during the pause")
	case <-time.After(20 * time.Millisecond):
	}
	if err := w.Close(); err != nil { // does not wait for the hour
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != 51 || out.writes != 2 {
		t.Errorf("%d lines in %d writes, want 51 in 2", got, out.writes)
	}
}

// TestAsyncWriterBoundsWhatItHolds: with the output stuck, Write waits once
// the limit is reached instead of holding more.
func TestAsyncWriterBoundsWhatItHolds(t *testing.T) {
	t.Parallel()
	out := &lockedBuffer{gate: make(chan struct{}), busy: make(chan struct{}, 10)}
	w := logging.NewAsyncWriter(out, 32, 0)
	line := []byte("0123456789abcde\n") // 16 bytes
	_, _ = w.Write(line)                // taken by the goroutine, stuck in the output
	<-out.busy
	_, _ = w.Write(line) // held: 16 bytes
	_, _ = w.Write(line) // held: 32 bytes, the limit
	blocked := make(chan struct{})
	go func() {
		_, _ = w.Write(line) // must wait
		close(blocked)
	}()
	select {
	case <-blocked:
		t.Fatal("Write returned although the writer held its limit")
	case <-time.After(50 * time.Millisecond):
	}
	close(out.gate)
	<-blocked
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	if got := strings.Count(out.String(), "\n"); got != 4 {
		t.Errorf("%d lines, want 4", got)
	}
}

func TestAsyncWriterCloseAndErrors(t *testing.T) {
	t.Parallel()
	boom := errors.New("disk full")
	out := &lockedBuffer{err: boom}
	w := logging.NewAsyncWriter(out, 0, 0)
	_, _ = w.Write([]byte("lost\n"))
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("Close = %v, want the output's error", err)
	}
	if err := w.Close(); !errors.Is(err, boom) {
		t.Errorf("second Close = %v, want the same error", err)
	}
	if _, err := w.Write([]byte("late\n")); !errors.Is(err, logging.ErrClosed) {
		t.Errorf("Write after Close = %v, want ErrClosed", err)
	}
}

// TestAsyncWriterCloseWhileWriting: Close racing with writers neither
// panics nor loses a line that Write accepted.
func TestAsyncWriterCloseWhileWriting(t *testing.T) {
	t.Parallel()
	for range 50 {
		out := &lockedBuffer{}
		w := logging.NewAsyncWriter(out, 0, time.Millisecond)
		var accepted atomic.Int64
		var wg sync.WaitGroup
		for range 4 {
			wg.Go(func() {
				for {
					if _, err := w.Write([]byte("line\n")); err != nil {
						return
					}
					accepted.Add(1)
				}
			})
		}
		time.Sleep(time.Millisecond)
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		wg.Wait()
		if got := int64(strings.Count(out.String(), "\n")); got != accepted.Load() {
			t.Fatalf("%d lines written, %d accepted", got, accepted.Load())
		}
	}
}
