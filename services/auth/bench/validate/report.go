package main

import (
	"encoding/json"
	"fmt"
	"io"
	"runtime"
	"time"
)

// Targets of the requirement, on the project's 2-core machine.
const (
	minCBThroughput = 0.70 // c reaches at least 70% of b's req/s
	maxCBP99        = 1.50 // with a p99 at most 1.5 times b's
	minDAThroughput = 0.80 // d reaches at least 80% of a's req/s
)

// ratio compares the cases at one concurrency.
type ratio struct {
	Concurrency  int     `json:"concurrency"`
	CBThroughput float64 `json:"c_b_throughput"`
	CBP99        float64 `json:"c_b_p99"`
	DAThroughput float64 `json:"d_a_throughput"`
	CBThroughOK  bool    `json:"c_b_throughput_met"`
	CBP99OK      bool    `json:"c_b_p99_met"`
	DAThroughOK  bool    `json:"d_a_throughput_met"`
}

// ratios pairs the results of cases a-d at each concurrency where all four
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
		a, okA := by["a"]
		b, okB := by["b"]
		c, okC := by["c"]
		d, okD := by["d"]
		if !okA || !okB || !okC || !okD || a.RPS == 0 || b.RPS == 0 || b.P99 == 0 {
			continue
		}
		r := ratio{
			Concurrency:  n,
			CBThroughput: c.RPS / b.RPS,
			CBP99:        float64(c.P99) / float64(b.P99),
			DAThroughput: d.RPS / a.RPS,
		}
		r.CBThroughOK = r.CBThroughput >= minCBThroughput
		r.CBP99OK = r.CBP99 <= maxCBP99
		r.DAThroughOK = r.DAThroughput >= minDAThroughput
		out = append(out, r)
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

func printRatios(w io.Writer, rs []ratio) {
	fmt.Fprintf(w, "\n%5s  %-22s %-22s %s\n", "conc",
		fmt.Sprintf("c/b req/s (>= %.2f)", minCBThroughput),
		fmt.Sprintf("c/b p99 (<= %.2f)", maxCBP99),
		fmt.Sprintf("d/a req/s (>= %.2f)", minDAThroughput))
	for _, r := range rs {
		fmt.Fprintf(w, "%5d  %-22s %-22s %s\n", r.Concurrency,
			verdict(r.CBThroughput, r.CBThroughOK), verdict(r.CBP99, r.CBP99OK), verdict(r.DAThroughput, r.DAThroughOK))
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
