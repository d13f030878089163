// Package logging sets up the services' clue logger the same way everywhere:
// JSON lines for the log collector, or clue's terminal format when a person
// runs the binary in a terminal.
package logging

import (
	"context"

	"goa.design/clue/log"
)

// Format returns the log format: JSON, unless standard output is a
// terminal.
func Format() log.FormatFunc {
	if log.IsTerminal() {
		return log.FormatTerminal
	}
	return log.FormatJSON
}

// Context returns a background context carrying a logger that writes in
// Format, with debug entries when debug is set. opts apply after these
// defaults, and can override them (log.WithOutput in tests).
func Context(debug bool, opts ...log.LogOption) context.Context {
	defaults := []log.LogOption{log.WithFormat(Format())}
	if debug {
		defaults = append(defaults, log.WithDebug())
	}
	return log.Context(context.Background(), append(defaults, opts...)...)
}
