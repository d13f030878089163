package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"
	"time"
)

// TestRatios checks that each target is computed where both of its cases
// ran, and nowhere else.
func TestRatios(t *testing.T) {
	row := func(id string, rps float64, p99 time.Duration) result {
		return result{ID: id, Concurrency: 32, RPS: rps, P99: p99}
	}
	all := []result{
		row("a", 40000, 4*time.Millisecond),
		row("b", 15000, 6*time.Millisecond),
		row("c", 12000, 7*time.Millisecond),
		row("d", 4e6, time.Microsecond),
		row("e", 9000, 8*time.Millisecond),
	}
	for _, tc := range []struct {
		name    string
		results []result
		want    string // ratio=verdict, in order
	}{
		{"case=all cases", all, "c/b req/s=0.80 true, c/b p99=1.17 true, d/a req/s=100.00 true, e/c req/s=0.75 false"},
		{"case=c and e", []result{all[2], all[4]}, "e/c req/s=0.75 false"},
		{"case=a to d", all[:4], "c/b req/s=0.80 true, c/b p99=1.17 true, d/a req/s=100.00 true"},
		{"case=c alone", all[2:3], ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var got []string
			for _, r := range ratios(tc.results, []int{1, 32}) {
				if r.Concurrency != 32 {
					t.Errorf("ratio at concurrency %d, where nothing ran", r.Concurrency)
				}
				got = append(got, fmt.Sprintf("%s=%.2f %v", r.Ratio, r.Value, r.Met))
			}
			if g := strings.Join(got, ", "); g != tc.want {
				t.Errorf("ratios = %q, want %q", g, tc.want)
			}
		})
	}
}

// TestPrintRatios checks that only the targets that were computed get a
// column, and that no ratio prints nothing.
func TestPrintRatios(t *testing.T) {
	for _, tc := range []struct {
		name string
		rs   []ratio
		want string
	}{
		{"case=e/c only", []ratio{{Concurrency: 32, Ratio: "e/c req/s", Value: 0.9, Target: ">= 0.85", Met: true}}, "\n conc  e/c req/s (>= 0.85)\n   32    0.90 PASS\n"},
		{"case=none", nil, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var out bytes.Buffer
			printRatios(&out, tc.rs)
			if out.String() != tc.want {
				t.Errorf("printRatios =\n%q, want\n%q", out.String(), tc.want)
			}
		})
	}
}
