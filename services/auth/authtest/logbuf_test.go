package authtest

import (
	"strings"
	"testing"
)

func TestLogBuffer(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		writes []string
		n      int
		want   string
	}{
		{"case=short", []string{"a\n", "b\n"}, 100, "a\nb\n"},
		{"case=tail starts at a line", []string{"first line\n", "second\n"}, 10, "second\n"},
		{"case=no line boundary", []string{"abcdefghij"}, 4, "ghij"},
		{"case=older output dropped", []string{strings.Repeat("x", 30) + "\n", "kept\n"}, 100, "kept\n"},
		{"case=one write over the limit", []string{"old\n" + strings.Repeat("y", 40) + "\nend\n"}, 100, "end\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			b := newLogBuffer(16)
			for _, w := range tt.writes {
				if n, err := b.Write([]byte(w)); n != len(w) || err != nil {
					t.Fatalf("Write = %d, %v", n, err)
				}
			}
			if got := b.tail(tt.n); got != tt.want {
				t.Errorf("tail(%d) = %q, want %q", tt.n, got, tt.want)
			}
			if len(b.b) > 16+16/4+64 {
				t.Errorf("kept %d bytes for a limit of 16", len(b.b))
			}
		})
	}
}
