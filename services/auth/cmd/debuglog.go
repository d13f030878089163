package main

import (
	"encoding/json"
	"net/http"
	"sync/atomic"

	"goa.design/clue/log"
)

// debugLogs switches debug lines on and off at run time, for every request
// at once. clue's own enabler sets the level per request on a logger that
// requests share, which races; here the logger always produces debug
// entries and the format drops them while the switch is off.
var debugLogs atomic.Bool

// switchableDebug wraps a log format so that debug entries are written
// only while debugLogs is on.
func switchableDebug(format log.FormatFunc) log.FormatFunc {
	return func(e *log.Entry) []byte {
		if e.Severity == log.SeverityDebug && !debugLogs.Load() {
			return nil
		}
		return format(e)
	}
}

// debugLogSwitch answers GET /debug?debug-logs=on|off (the query clue's
// enabler uses) and reports the state.
func debugLogSwitch() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("debug-logs") {
		case "on":
			debugLogs.Store(true)
		case "off":
			debugLogs.Store(false)
		}
		state := "off"
		if debugLogs.Load() {
			state = "on"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"debug-logs": state})
	})
}
