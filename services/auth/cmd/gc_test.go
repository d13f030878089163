package main

import (
	"runtime/debug"
	"testing"
)

// TestTuneGC is not parallel: it sets the process's GC target, and puts
// the previous one back.
func TestTuneGC(t *testing.T) {
	before := debug.SetGCPercent(100)
	t.Cleanup(func() { debug.SetGCPercent(before) })
	for _, tt := range []struct {
		name string
		gogc string
		want int
	}{
		{"case=GOGC unset", "", defaultGCPercent},
		{"case=GOGC set by the operator", "50", 100},
	} {
		t.Run(tt.name, func(t *testing.T) {
			debug.SetGCPercent(100)
			tuneGC(func(k string) string {
				if k == "GOGC" {
					return tt.gogc
				}
				return ""
			})
			if got := debug.SetGCPercent(100); got != tt.want {
				t.Errorf("GC percent = %d, want %d", got, tt.want)
			}
		})
	}
}
