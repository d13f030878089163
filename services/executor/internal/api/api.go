// Package api is the executor's HTTP API. Every /executor route sits behind
// the auth client's middleware, which resolves the session cookie or bearer
// token to the identity the auth service vouches for; the handlers only
// read that identity from the request context.
package api

import (
	"context"
	"encoding/json"
	"net/http"

	"go.opentelemetry.io/contrib/instrumentation/net/http/otelhttp"
	"goa.design/clue/health"

	"github.com/infrastructure/platform/internal/logging"
	"github.com/infrastructure/platform/services/auth/client"
)

// Options are the dependencies of the API.
type Options struct {
	// Auth authenticates every /executor request.
	Auth client.Auth
	// CookieName is the auth service's session cookie (empty:
	// client.DefaultCookieName).
	CookieName string
	// Health checks the dependencies for /healthz (the auth client is a
	// health.Pinger over its own connection).
	Health health.Checker
}

// New returns the executor's HTTP handler. logCtx (made by logging.New)
// carries the logger that
// request logs go to.
func New(logCtx context.Context, o Options) http.Handler {
	var cookie []client.GuardOption
	if o.CookieName != "" {
		cookie = append(cookie, client.WithCookieName(o.CookieName))
	}
	// A complete session: aal2, or aal1 for a user without MFA (the
	// guard's default refuses a user with MFA at aal1).
	session := o.Auth.Middleware(cookie...)
	aal2 := o.Auth.Middleware(append(cookie, client.RequireAAL(client.AAL2))...)

	mux := http.NewServeMux()
	mux.Handle("GET /executor/whoami", session(http.HandlerFunc(whoami)))
	// An example of a route that needs a second factor whether the user
	// turned MFA on or not: 403 mfa_required for any aal1 session.
	mux.Handle("GET /executor/admin/whoami", aal2(http.HandlerFunc(whoami)))
	// /livez: the process runs. /healthz: the auth service says it is
	// SERVING (503 if not, or if it does not answer).
	mux.HandleFunc("GET /livez", func(w http.ResponseWriter, _ *http.Request) {
		writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
	})
	mux.Handle("GET /healthz", health.Handler(o.Health))

	h := logging.Routed(mux)
	h = logging.HTTP(logCtx, logging.SkipPaths("/livez", "/healthz"))(h)
	return otelhttp.NewHandler(h, "executor.http")
}

// errorBody has the shape of the auth client's error answers.
type errorBody struct {
	Name    string `json:"name"`
	Message string `json:"message"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
