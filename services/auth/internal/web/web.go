// Package web serves the browser side of the auth service, on the origin
// of its REST API: the pages that the emailed links open (verify an email
// address, choose a new password) and, when WEB_APP is on, the reference
// web app at / (app.go). Plain HTML, CSS and ES modules, embedded, with no
// third-party asset and no build step, under one strict
// Content-Security-Policy (no inline script, style or event handler).
//
// The link pages: the link carries its token in the URL fragment, which a
// browser never sends to a server, so that the token reaches no access log
// and no Referer; the page's script reads it, takes it out of the address
// bar and posts it in a JSON body to the REST API on the same origin.
package web

import (
	"bytes"
	"embed"
	"io/fs"
	"net/http"
	"path"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of every page: their own scripts,
// styles and API only; images from the origin or data: URIs (the QR code
// of a TOTP enrollment comes as a data:image/png URI); no inline script or
// style, no plugin, no framing, no form posted elsewhere.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Pages are the paths of the link pages (PUBLIC_URL + path + #token=...).
var Pages = map[string]string{
	"/verify-email":   "static/verify-email.html",
	"/reset-password": "static/reset-password.html",
}

// Assets are the paths of the link pages' script and style.
var Assets = map[string]string{
	"/assets/links.js":  "static/links.js",
	"/assets/links.css": "static/links.css",
}

// Routes returns the handlers of every GET path of the browser side: the
// link pages and their assets always, and with app the reference web app
// (App), whose sign-in link the link pages then show.
func Routes(app bool) map[string]http.HandlerFunc {
	routes := map[string]http.HandlerFunc{}
	for p, file := range Pages {
		if app {
			routes[p] = serve(file, withAppLink)
		} else {
			routes[p] = Handler(file)
		}
	}
	for p, file := range Assets {
		routes[p] = Handler(file)
	}
	if app {
		for p, file := range App {
			routes[p] = Handler(file)
		}
	}
	return routes
}

// Handler serves one page or asset (a file in the embedded static
// directory) with the headers every page gets.
func Handler(file string) http.HandlerFunc {
	return serve(file, nil)
}

// serve serves file, changed once by edit when edit is not nil.
func serve(file string, edit func([]byte) []byte) http.HandlerFunc {
	body, err := fs.ReadFile(static, file)
	if err != nil {
		panic("web: " + err.Error()) // a path above that names no embedded file: a bug
	}
	if edit != nil {
		body = edit(body)
	}
	ctype := contentType(file)
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Security-Policy", CSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		_, _ = w.Write(body)
	}
}

// contentType is the media type of an embedded file, from its extension
// (not from the system's MIME tables, which differ between machines).
func contentType(file string) string {
	switch path.Ext(file) {
	case ".js":
		return "text/javascript; charset=utf-8"
	case ".css":
		return "text/css; charset=utf-8"
	case ".svg":
		return "image/svg+xml"
	default:
		return "text/html; charset=utf-8"
	}
}

// appLinkHidden marks the link to the web app in a link page: hidden
// unless the app is served.
var appLinkHidden = []byte(" data-app-link hidden>")

// withAppLink shows the link page's link to the web app.
func withAppLink(page []byte) []byte {
	return bytes.Replace(page, appLinkHidden, []byte(" data-app-link>"), 1)
}
