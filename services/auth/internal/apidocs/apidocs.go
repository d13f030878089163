// Package apidocs serves the service's OpenAPI description
// (/openapi.json, /openapi.yaml) and a readable API reference (/docs/):
// Swagger UI from the github.com/swaggest/swgui module, its assets
// embedded, so the page works offline. The description is written by
// tools/openapi (./generate.sh) from Goa's and the design.
package apidocs

import (
	_ "embed"
	"net/http"
	"strings"

	"github.com/swaggest/swgui"
	"github.com/swaggest/swgui/v5emb"
)

// JSON and YAML are the OpenAPI description.
var (
	//go:embed openapi.json
	JSON []byte
	//go:embed openapi.yaml
	YAML []byte
)

// DocsPath is where the API reference is served (with its assets below).
const DocsPath = "/docs/"

// docsCSP keeps the reference page to its own origin: Swagger UI needs
// inline script and style, but nothing from elsewhere.
const docsCSP = "default-src 'none'; script-src 'self' 'unsafe-inline'; style-src 'self' 'unsafe-inline'; " +
	"img-src 'self' data:; connect-src 'self'; font-src 'self' data:; base-uri 'none'; frame-ancestors 'none'"

// Spec serves the description as JSON or YAML.
func Spec(yaml bool) http.HandlerFunc {
	body, ctype := JSON, "application/json"
	if yaml {
		body, ctype = YAML, "application/yaml"
	}
	return func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", ctype)
		_, _ = w.Write(body)
	}
}

// Docs serves the API reference page and its assets under DocsPath;
// /docs redirects there.
func Docs() http.HandlerFunc {
	ui := v5emb.NewWithConfig(swgui.Config{
		Title:       "Auth service API",
		SwaggerJSON: "/openapi.json",
		BasePath:    DocsPath,
		SettingsUI:  map[string]string{"withCredentials": "true"},
	})("Auth service API", "/openapi.json", DocsPath)
	return func(w http.ResponseWriter, r *http.Request) {
		if !strings.HasPrefix(r.URL.Path, DocsPath) {
			http.Redirect(w, r, DocsPath, http.StatusMovedPermanently)
			return
		}
		w.Header().Set("Content-Security-Policy", docsCSP)
		ui.ServeHTTP(w, r)
	}
}
