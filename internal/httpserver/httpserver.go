// Package httpserver builds the services' public HTTP servers, so that every
// service facing browsers or siblings has the same timeouts and the same
// shutdown behaviour.
package httpserver

import (
	"context"
	"net"
	"net/http"
	"time"
)

// New returns a server for h with the timeouts of a public endpoint: slow
// or idle clients cannot hold connections open. Requests keep the values of
// ctx (the logger) but not its cancellation: on shutdown, in-flight
// requests finish their work.
func New(ctx context.Context, h http.Handler) *http.Server {
	return &http.Server{
		Handler:           h,
		ReadHeaderTimeout: 5 * time.Second,
		ReadTimeout:       15 * time.Second,
		WriteTimeout:      30 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    16 << 10,
		BaseContext:       func(net.Listener) context.Context { return context.WithoutCancel(ctx) },
	}
}
