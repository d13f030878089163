package logging

import (
	"encoding/json"
	"net/http"
	"sync/atomic"

	"goa.design/clue/log"
)

// Switch turns debug lines on and off at run time, for every request at
// once. clue's own enabler sets the level per request on a logger that
// requests share, which races; here the logger always makes debug entries
// and the format drops them while the switch is off.
type Switch struct{ on atomic.Bool }

// Set turns debug lines on or off (LOG_LEVEL=debug at start).
func (s *Switch) Set(on bool) { s.on.Store(on) }

// On reports whether debug lines are written.
func (s *Switch) On() bool { return s.on.Load() }

// filter wraps format so that debug entries are written only while the
// switch is on.
func (s *Switch) filter(format log.FormatFunc) log.FormatFunc {
	return func(e *log.Entry) []byte {
		if e.Severity == log.SeverityDebug && !s.on.Load() {
			return nil
		}
		return format(e)
	}
}

// Handler answers GET /debug?debug-logs=on|off (the query clue's enabler
// uses) and reports the state. Serve it where only operators reach it.
func (s *Switch) Handler() http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Query().Get("debug-logs") {
		case "on":
			s.Set(true)
		case "off":
			s.Set(false)
		}
		state := "off"
		if s.On() {
			state = "on"
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]string{"debug-logs": state})
	})
}
