package middleware

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/go-chi/chi/v5"
)

// NameNotFound and NameMethodNotAllowed name the errors of requests that
// match no route.
const (
	NameNotFound         = "not_found"
	NameMethodNotAllowed = "method_not_allowed"
)

// routeMethods are the methods a route may be registered for, in the order
// the Allow header lists them.
var routeMethods = []string{
	http.MethodGet, http.MethodHead, http.MethodPost, http.MethodPut, http.MethodPatch,
	http.MethodDelete, http.MethodOptions, http.MethodConnect, http.MethodTrace,
}

// router is what RouteErrors needs of Goa's muxer, which is a chi router
// underneath.
type router interface {
	NotFound(http.HandlerFunc)
	MethodNotAllowed(http.HandlerFunc)
	Match(rctx *chi.Context, method, path string) bool
}

// RouteErrors makes mux answer a request that matches no route with a JSON
// error body, like every other error of the API, instead of net/http's
// plain text: 404 not_found for an unknown path, 405 method_not_allowed
// with an Allow header for a known path with another method. mux is Goa's
// muxer (goahttp.NewMuxer); RouteErrors panics on a muxer it cannot
// configure, at start-up.
func RouteErrors(mux http.Handler) {
	r, ok := mux.(router)
	if !ok {
		panic(fmt.Sprintf("middleware.RouteErrors: %T is not a chi-based muxer", mux))
	}
	r.NotFound(NotFound)
	r.MethodNotAllowed(func(w http.ResponseWriter, req *http.Request) {
		allowed := allowedMethods(r, req)
		if len(allowed) == 0 { // an unknown method on an unknown path
			NotFound(w, req)
			return
		}
		w.Header().Set("Allow", strings.Join(allowed, ", "))
		writeError(w, req, http.StatusMethodNotAllowed, NameMethodNotAllowed,
			"the route does not accept this method (see the Allow header)")
	})
}

// NotFound answers 404 not_found with a JSON error body.
func NotFound(w http.ResponseWriter, r *http.Request) {
	writeError(w, r, http.StatusNotFound, NameNotFound, "no route matches this path")
}

// allowedMethods returns the methods that have a route for the path of req,
// found as chi finds routes (the raw path when there is one).
func allowedMethods(r router, req *http.Request) []string {
	path := req.URL.RawPath
	if path == "" {
		path = req.URL.Path
	}
	var allowed []string
	for _, m := range routeMethods {
		if r.Match(chi.NewRouteContext(), m, path) {
			allowed = append(allowed, m)
		}
	}
	return allowed
}
