package authtest

import (
	"bytes"
	"sync"
)

// logBuffer keeps the last max bytes written to it: enough to explain a
// failure, bounded so that a long benchmark does not grow it without end.
type logBuffer struct {
	mu      sync.Mutex
	max     int
	b       []byte
	dropped bool
}

func newLogBuffer(max int) *logBuffer { return &logBuffer{max: max} }

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.b = append(l.b, p...)
	if over := len(l.b) - l.max; over > 0 {
		// Compact only when the slack is large, so that writes stay
		// amortised O(len(p)).
		if over > l.max/4 || len(p) > l.max {
			l.b = append(l.b[:0], l.b[len(l.b)-l.max:]...)
			l.dropped = true
		}
	}
	return len(p), nil
}

// tail returns the last n bytes, starting at a line boundary when one is
// near.
func (l *logBuffer) tail(n int) string {
	l.mu.Lock()
	defer l.mu.Unlock()
	b := l.b
	cut := l.dropped
	if len(b) > l.max {
		b = b[len(b)-l.max:]
	}
	if len(b) > n {
		b, cut = b[len(b)-n:], true
	}
	if cut {
		if i := bytes.IndexByte(b, '\n'); i >= 0 && i < len(b)-1 {
			b = b[i+1:]
		}
	}
	return string(b)
}
