// Package web serves the pages that the emailed links open: verify an
// email address, choose a new password. The link carries its token in the
// URL fragment, which a browser never sends to a server, so that the
// token reaches no access log and no Referer; the page's script reads it,
// takes it out of the address bar and posts it in a JSON body to the REST
// API on the same origin. Plain HTML, CSS and one ES module, embedded,
// with no third-party asset, under a strict Content-Security-Policy (no
// inline script or style).
package web

import (
	"embed"
	"io/fs"
	"net/http"
)

//go:embed static
var static embed.FS

// CSP is the Content-Security-Policy of the pages: their own script,
// style and API only.
const CSP = "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; " +
	"form-action 'self'; base-uri 'none'; frame-ancestors 'none'"

// Pages are the paths of the link pages (PUBLIC_URL + path + #token=...).
var Pages = map[string]string{
	"/verify-email":   "static/verify-email.html",
	"/reset-password": "static/reset-password.html",
}

// Assets are the paths of the pages' script and style.
var Assets = map[string]string{
	"/assets/links.js":  "static/links.js",
	"/assets/links.css": "static/links.css",
}

// Handler serves one page or asset (file in the embedded static
// directory) with the headers every page gets.
func Handler(file string) http.HandlerFunc {
	body, err := fs.ReadFile(static, file)
	if err != nil {
		panic("web: " + err.Error()) // a path above that names no embedded file: a bug
	}
	ctype := "text/html; charset=utf-8"
	switch {
	case len(file) > 3 && file[len(file)-3:] == ".js":
		ctype = "text/javascript; charset=utf-8"
	case len(file) > 4 && file[len(file)-4:] == ".css":
		ctype = "text/css; charset=utf-8"
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		h := w.Header()
		h.Set("Content-Type", ctype)
		h.Set("Content-Security-Policy", CSP)
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		_, _ = w.Write(body)
	}
}
