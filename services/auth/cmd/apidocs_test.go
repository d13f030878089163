package main

import (
	"net/http"
	"strings"
	"testing"
)

// TestAPIDocsServed: the description in both forms and the reference page
// with its assets, all from this origin.
func TestAPIDocsServed(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	for _, tt := range []struct{ path, ctype, holds string }{
		{"/openapi.json", "application/json", `"openapi"`},
		{"/openapi.yaml", "application/yaml", "openapi: 3"},
		{"/docs/", "text/html", "/openapi.json"},
	} {
		r := s.do(t, "GET", tt.path, nil, nil)
		if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), tt.ctype) || !strings.Contains(r.raw, tt.holds) {
			t.Errorf("%s: %d %q, want %s holding %q", tt.path, r.status, r.header.Get("Content-Type"), tt.ctype, tt.holds)
		}
	}
	page := s.do(t, "GET", "/docs/", nil, nil).raw
	if strings.Contains(page, "https://") && strings.Contains(page, "cdn") {
		t.Errorf("the reference page loads from a CDN")
	}
	for _, asset := range []string{"swagger-ui-bundle.js", "swagger-ui.css"} {
		if !strings.Contains(page, asset) {
			t.Errorf("the page does not load %s", asset)
			continue
		}
		if r := s.do(t, "GET", "/docs/"+asset, nil, nil); r.status != http.StatusOK || len(r.raw) < 10000 {
			t.Errorf("/docs/%s: %d, %d bytes", asset, r.status, len(r.raw))
		}
	}
	if r := s.do(t, "GET", "/docs", nil, nil); r.status != http.StatusOK {
		t.Errorf("/docs: %d", r.status)
	}
}
