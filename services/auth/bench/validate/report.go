package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"strings"
	"time"
)

// target is one ratio of the requirement, on the project's 2-core machine:
// the req/s (or the p99) of case num over that of case den, at least (for
// a p99, at most) limit.
type target struct {
	num, den string
	p99      bool
	limit    float64
}

var targets = []target{
	{"c", "b", false, 0.70}, // c reaches at least 70% of b's req/s
	{"c", "b", true, 1.50},  // with a p99 at most 1.5 times b's
	{"d", "a", false, 0.80}, // d reaches at least 80% of a's req/s
	{"e", "c", false, 0.85}, // mutual TLS takes at most 15% of c's req/s
	{"f", "c", false, 0.50}, // the exec mode a transaction pooler needs keeps at least half
}

// name is how the table and the JSON output call the ratio: "c/b req/s".
func (t target) name() string {
	if t.p99 {
		return t.num + "/" + t.den + " p99"
	}
	return t.num + "/" + t.den + " req/s"
}

// bound is the target as text: ">= 0.70".
func (t target) bound() string {
	if t.p99 {
		return fmt.Sprintf("<= %.2f", t.limit)
	}
	return fmt.Sprintf(">= %.2f", t.limit)
}

// ratio is one target at one concurrency.
type ratio struct {
	Concurrency int     `json:"concurrency"`
	Ratio       string  `json:"ratio"` // the target's name
	Value       float64 `json:"value"`
	Target      string  `json:"target"` // the target's bound
	Met         bool    `json:"met"`
}

// ratios computes each target at each concurrency where both of its cases
// ran.
func ratios(results []result, concurrencies []int) []ratio {
	var out []ratio
	for _, n := range concurrencies {
		by := map[string]result{}
		for _, r := range results {
			if r.Concurrency == n {
				by[r.ID] = r
			}
		}
		for _, t := range targets {
			num, okNum := by[t.num]
			den, okDen := by[t.den]
			if !okNum || !okDen || den.RPS == 0 || den.P99 == 0 {
				continue
			}
			r := ratio{Concurrency: n, Ratio: t.name(), Value: num.RPS / den.RPS, Target: t.bound()}
			r.Met = r.Value >= t.limit
			if t.p99 {
				r.Value = float64(num.P99) / float64(den.P99)
				r.Met = r.Value <= t.limit
			}
			out = append(out, r)
		}
	}
	return out
}

// referencePlace says where cases a and b are served.
func referencePlace(inProcess bool) string {
	if inProcess {
		return "in the load generator's process"
	}
	return "own process"
}

func printHeader(w io.Writer, o options) {
	fmt.Fprintf(w, "%s %s/%s, GOMAXPROCS=%d, NumCPU=%d; warm-up %s, measured %s per row; client, servers and PostgreSQL share this machine; reference server (a, b): %s\n\n",
		runtime.Version(), runtime.GOOS, runtime.GOARCH, runtime.GOMAXPROCS(0), runtime.NumCPU(), o.warmup, o.duration, referencePlace(o.inProcess))
	fmt.Fprintf(w, "%-36s %5s %12s %10s %10s\n", "case", "conc", "req/s", "p50 µs", "p99 µs")
}

func printRow(w io.Writer, r result) {
	fmt.Fprintf(w, "%-36s %5d %12.0f %10.1f %10.1f\n", r.Case, r.Concurrency, r.RPS, micros(r.P50), micros(r.P99))
}

// printRatios prints a line per concurrency and a column per target that
// has a ratio; nothing when no target has both of its cases.
func printRatios(w io.Writer, rs []ratio) {
	if len(rs) == 0 {
		return
	}
	var concurrencies []int
	cells := map[int]map[string]ratio{}
	present := map[string]bool{}
	for _, r := range rs {
		if cells[r.Concurrency] == nil {
			cells[r.Concurrency] = map[string]ratio{}
			concurrencies = append(concurrencies, r.Concurrency)
		}
		cells[r.Concurrency][r.Ratio] = r
		present[r.Ratio] = true
	}
	header := fmt.Sprintf("\n%5s ", "conc")
	for _, t := range targets {
		if present[t.name()] {
			header += fmt.Sprintf(" %-22s", t.name()+" ("+t.bound()+")")
		}
	}
	fmt.Fprintln(w, strings.TrimRight(header, " "))
	for _, n := range concurrencies {
		line := fmt.Sprintf("%5d ", n)
		for _, t := range targets {
			if !present[t.name()] {
				continue
			}
			cell := "-"
			if r, ok := cells[n][t.name()]; ok {
				cell = verdict(r.Value, r.Met)
			}
			line += fmt.Sprintf(" %-22s", cell)
		}
		fmt.Fprintln(w, strings.TrimRight(line, " "))
	}
}

func verdict(v float64, ok bool) string {
	if ok {
		return fmt.Sprintf("%6.2f PASS", v)
	}
	return fmt.Sprintf("%6.2f MISS", v)
}

func micros(d time.Duration) float64 { return float64(d) / float64(time.Microsecond) }

// report is the -json output.
type report struct {
	GoVersion  string        `json:"go_version"`
	GOMAXPROCS int           `json:"gomaxprocs"`
	NumCPU     int           `json:"num_cpu"`
	Warmup     time.Duration `json:"warmup_ns"`
	Duration   time.Duration `json:"duration_ns"`
	Reference  string        `json:"reference_server"`
	Results    []result      `json:"results"`
	Ratios     []ratio       `json:"ratios"`
}

func printJSON(w io.Writer, o options, results []result, rs []ratio) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(report{
		GoVersion: runtime.Version(), GOMAXPROCS: runtime.GOMAXPROCS(0), NumCPU: runtime.NumCPU(),
		Warmup: o.warmup, Duration: o.duration, Reference: referencePlace(o.inProcess), Results: results, Ratios: rs,
	})
}
