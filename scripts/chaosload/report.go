package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"
)

// event is one request and its outcome.
type event struct {
	T       int64  `json:"t"`    // start, Unix milliseconds
	Dur     int64  `json:"ms"`   // duration
	Kind    string `json:"kind"` // login, validate, profile, executor, enroll, backup, totp, sweep
	Session int    `json:"session,omitempty"`
	Fail    string `json:"fail,omitempty"` // why it failed; empty: it did not
	Lost    bool   `json:"lost,omitempty"` // the service called a remembered session unknown
	Key     string `json:"key,omitempty"`  // backup, totp: the user and code (or step) raced
	Won     bool   `json:"won,omitempty"`  // backup, totp: this client's code was accepted
}

// recorder keeps every event, safe for concurrent use.
type recorder struct {
	mu     sync.Mutex
	events []event
}

func newRecorder() *recorder { return &recorder{} }

func (r *recorder) add(e event) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) all() []event {
	r.mu.Lock()
	defer r.mu.Unlock()
	out := append([]event(nil), r.events...)
	sort.Slice(out, func(i, j int) bool { return out[i].T < out[j].T })
	return out
}

func (r *recorder) write(path string) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	enc := json.NewEncoder(w)
	for _, e := range r.all() {
		if err := enc.Encode(e); err != nil {
			f.Close()
			return err
		}
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

// fault is one line of the faults file: what was done, when, when the
// script saw the stack whole again, and a note.
type fault struct {
	name             string
	start, recovered int64
	note             string
}

func readFaults(path string) ([]fault, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	var out []fault
	for n, line := range strings.Split(strings.TrimSpace(string(b)), "\n") {
		if line == "" {
			continue
		}
		f := strings.SplitN(line, "\t", 4)
		if len(f) < 3 {
			return nil, fmt.Errorf("%s:%d: want name, start, recovered", path, n+1)
		}
		start, err1 := strconv.ParseInt(f[1], 10, 64)
		rec, err2 := strconv.ParseInt(f[2], 10, 64)
		if err1 != nil || err2 != nil {
			return nil, fmt.Errorf("%s:%d: times are Unix milliseconds", path, n+1)
		}
		ft := fault{name: f[0], start: start, recovered: rec}
		if len(f) == 4 {
			ft.note = f[3]
		}
		out = append(out, ft)
	}
	return out, nil
}

// row is one fault's line of the table.
type row struct {
	fault
	requests, failed       int
	firstFail, lastFail    int64
	sessionsBefore, lost   int
	backupWins, backupRuns int
	totpWins, totpRuns     int
	doubles                int
	ok                     bool
}

// report is the whole analysis.
type report struct {
	rows         []row
	requests     int
	byKind       map[string][2]int // requests, failures
	strays       []event
	lostSessions int
	sessions     int
	doubles      []string
	backupCodes  int
	backupWon    int
	totpWon      int
	totpSteps    int
	maxWindow    time.Duration
	ok           bool
}

func analyse(events []event, faults []fault, ss []*session, end time.Time, maxWindow, grace time.Duration) report {
	r := report{byKind: map[string][2]int{}, sessions: len(ss), maxWindow: maxWindow, ok: true}
	period := func(t int64) int {
		for i, f := range faults {
			if t >= f.start && t <= f.recovered+grace.Milliseconds() {
				return i
			}
		}
		return -1
	}
	for _, f := range faults {
		r.rows = append(r.rows, row{fault: f, ok: true})
	}
	// Wins per raced code or step, in time order: a second win is a double
	// spend, counted against the period it happened in.
	wins := map[string]int{}
	keys := map[string]bool{}
	for _, e := range events {
		if e.Kind == "sweep" {
			continue
		}
		r.requests++
		k := r.byKind[e.Kind]
		k[0]++
		if e.Fail != "" {
			k[1]++
		}
		r.byKind[e.Kind] = k
		p := period(e.T)
		if p < 0 {
			if e.Fail != "" {
				r.strays = append(r.strays, e)
			}
		} else {
			rw := &r.rows[p]
			rw.requests++
			if e.Fail != "" {
				rw.failed++
				if rw.firstFail == 0 {
					rw.firstFail = e.T
				}
				rw.lastFail = e.T
			}
		}
		if e.Kind != "backup" && e.Kind != "totp" {
			continue
		}
		id := e.Kind + " " + e.Key
		if !keys[id] {
			keys[id] = true
			if e.Kind == "backup" {
				r.backupCodes++
			} else {
				r.totpSteps++
			}
			if p >= 0 {
				if e.Kind == "backup" {
					r.rows[p].backupRuns++
				} else {
					r.rows[p].totpRuns++
				}
			}
		}
		if !e.Won {
			continue
		}
		wins[id]++
		if wins[id] == 1 && e.Kind == "backup" {
			r.backupWon++
		} else if wins[id] == 1 {
			r.totpWon++
		}
		if p >= 0 {
			if e.Kind == "backup" {
				r.rows[p].backupWins++
			} else {
				r.rows[p].totpWins++
			}
		}
		if wins[id] > 1 {
			r.doubles = append(r.doubles, fmt.Sprintf("%s accepted %d times (last at %s)", id, wins[id], clock(e.T)))
			if p >= 0 {
				r.rows[p].doubles++
			}
		}
	}
	for _, s := range ss {
		if s.lost.Load() {
			r.lostSessions++
		}
	}
	for i := range r.rows {
		rw := &r.rows[i]
		for _, s := range ss {
			if s.created.UnixMilli() < rw.start {
				rw.sessionsBefore++
				if s.lost.Load() {
					rw.lost++
				}
			}
		}
		if rw.failed > 0 && time.Duration(rw.lastFail-rw.start)*time.Millisecond > maxWindow {
			rw.ok = false
		}
		if rw.lost > 0 || rw.doubles > 0 {
			rw.ok = false
		}
		r.ok = r.ok && rw.ok
	}
	if len(r.strays) > 0 || r.lostSessions > 0 || len(r.doubles) > 0 {
		r.ok = false
	}
	return r
}

func (r report) print(w io.Writer) {
	fmt.Fprintf(w, "\n| fault | requests | failed | first failure | last failure | window | sessions before | lost | backup codes won/raced | TOTP steps won/raced | accepted twice | verdict |\n")
	fmt.Fprintf(w, "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---|\n")
	for _, rw := range r.rows {
		first, last, window := "-", "-", "0 s"
		if rw.failed > 0 {
			first = fmt.Sprintf("+%.1f s", float64(rw.firstFail-rw.start)/1000)
			last = fmt.Sprintf("+%.1f s", float64(rw.lastFail-rw.start)/1000)
			window = fmt.Sprintf("%.1f s", float64(rw.lastFail-rw.firstFail)/1000)
		}
		verdict := "ok"
		if !rw.ok {
			verdict = "MISSED"
		}
		fmt.Fprintf(w, "| %s | %d | %d | %s | %s | %s | %d | %d | %d/%d | %d/%d | %d | %s |\n",
			rw.name, rw.requests, rw.failed, first, last, window, rw.sessionsBefore, rw.lost,
			rw.backupWins, rw.backupRuns, rw.totpWins, rw.totpRuns, rw.doubles, verdict)
	}
	fmt.Fprintf(w, "\nFirst and last failure are the start times of the first and last failed request after the fault was injected;\n")
	fmt.Fprintf(w, "a fault's period runs from its injection to %s after the script saw the stack whole again. Target: last failure within %s.\n", "the grace", r.maxWindow)
	for _, rw := range r.rows {
		fmt.Fprintf(w, "- %s: recovered at +%.1f s. %s\n", rw.name, float64(rw.recovered-rw.start)/1000, rw.note)
	}
	kinds := make([]string, 0, len(r.byKind))
	for k := range r.byKind {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	var parts []string
	for _, k := range kinds {
		parts = append(parts, fmt.Sprintf("%s %d (%d failed)", k, r.byKind[k][0], r.byKind[k][1]))
	}
	fmt.Fprintf(w, "\nrequests: %d in all: %s\n", r.requests, strings.Join(parts, ", "))
	fmt.Fprintf(w, "sessions remembered: %d; lost (the service called them unknown, during the run or in the final sweep): %d\n", r.sessions, r.lostSessions)
	fmt.Fprintf(w, "backup codes raced: %d (won: %d), TOTP steps raced: %d (won: %d); accepted more than once: %d\n",
		r.backupCodes, r.backupWon, r.totpSteps, r.totpWon, len(r.doubles))
	for _, d := range r.doubles {
		fmt.Fprintf(w, "  DOUBLE: %s\n", d)
	}
	fmt.Fprintf(w, "failures outside every fault's period: %d\n", len(r.strays))
	for i, e := range r.strays {
		if i == 10 {
			fmt.Fprintf(w, "  ...\n")
			break
		}
		fmt.Fprintf(w, "  %s %s: %s\n", clock(e.T), e.Kind, e.Fail)
	}
	if r.ok {
		fmt.Fprintf(w, "\nRESULT: every target met\n")
	} else {
		fmt.Fprintf(w, "\nRESULT: a target was missed\n")
	}
}

func clock(t int64) string { return time.UnixMilli(t).Format("15:04:05.000") }
