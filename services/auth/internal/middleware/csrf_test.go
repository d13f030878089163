package middleware_test

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/middleware"
)

func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	guard, err := middleware.CrossOrigin([]string{allowedOrigin})
	if err != nil {
		t.Fatal(err)
	}
	reached := false
	h := guard(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { reached = true }))
	for _, tt := range []struct {
		name, method string
		header       map[string]string
		want         int
	}{
		{"case=cross-site POST", "POST", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusForbidden},
		{"case=same-site POST (a sibling subdomain)", "POST", map[string]string{"Sec-Fetch-Site": "same-site", "Origin": "https://other.example.com"}, http.StatusForbidden},
		{"case=cross-site DELETE", "DELETE", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, http.StatusForbidden},
		{"case=same-origin POST", "POST", map[string]string{"Sec-Fetch-Site": "same-origin"}, http.StatusOK},
		{"case=trusted origin", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://app.example.com"}, http.StatusOK},
		{"case=old browser, foreign Origin", "POST", map[string]string{"Origin": "https://evil.example"}, http.StatusForbidden},
		{"case=old browser, own Origin", "POST", map[string]string{"Origin": "https://" + testHost}, http.StatusOK},
		{"case=old browser, null Origin", "POST", map[string]string{"Origin": "null"}, http.StatusForbidden},
		{"case=old browser, own host on another port", "POST", map[string]string{"Origin": "https://" + testHost + ":8443"}, http.StatusForbidden},
		{"case=old browser, subdomain of own host", "PATCH", map[string]string{"Origin": "https://evil." + testHost}, http.StatusForbidden},
		{"case=old browser, own host as a prefix", "PUT", map[string]string{"Origin": "https://" + testHost + ".evil.example"}, http.StatusForbidden},
		{"case=old browser, trusted origin", "POST", map[string]string{"Origin": allowedOrigin}, http.StatusOK},
		{"case=cross-site with a bearer token too", "POST", map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": foreignOrigin, "Authorization": "Bearer tok"}, http.StatusForbidden},
		{"case=no header (curl, a server)", "POST", nil, http.StatusOK},
		{"case=cross-site GET is safe", "GET", map[string]string{"Sec-Fetch-Site": "cross-site"}, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			reached = false
			r := httptest.NewRequest(tt.method, "https://"+testHost+"/auth/login", strings.NewReader(`{}`))
			for k, v := range tt.header {
				r.Header.Set(k, v)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want || reached != (tt.want == http.StatusOK) {
				t.Fatalf("status %d (handler reached %v), want %d", w.Code, reached, tt.want)
			}
			if tt.want == http.StatusForbidden {
				var body middleware.ErrorBody
				if err := json.NewDecoder(w.Body).Decode(&body); err != nil || body.Name != "forbidden_origin" {
					t.Errorf("body %+v, %v; want forbidden_origin", body, err)
				}
			}
		})
	}
}

func TestRequireJSON(t *testing.T) {
	t.Parallel()
	h := middleware.RequireJSON(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for _, tt := range []struct {
		name, contentType, body string
		want                    int
	}{
		{"case=JSON", "application/json", `{}`, http.StatusOK},
		{"case=JSON with a charset", "application/json; charset=utf-8", `{}`, http.StatusOK},
		{"case=JSON in capitals", "Application/JSON", `{}`, http.StatusOK},
		{"case=text/plain (a form any page can send)", "text/plain", `{"email":"a@b.co"}`, http.StatusUnsupportedMediaType},
		{"case=form", "application/x-www-form-urlencoded", `email=a`, http.StatusUnsupportedMediaType},
		{"case=multipart", "multipart/form-data; boundary=x", `--x--`, http.StatusUnsupportedMediaType},
		{"case=no type", "", `{}`, http.StatusUnsupportedMediaType},
		{"case=garbage type", ";;", `{}`, http.StatusUnsupportedMediaType},
		{"case=no body, any type", "text/plain", ``, http.StatusOK},
	} {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", "/auth/login", strings.NewReader(tt.body))
			if tt.body == "" {
				r.Body, r.ContentLength = http.NoBody, 0
			}
			if tt.contentType != "" {
				r.Header.Set("Content-Type", tt.contentType)
			}
			w := httptest.NewRecorder()
			h.ServeHTTP(w, r)
			if w.Code != tt.want {
				t.Fatalf("status %d, want %d: %s", w.Code, tt.want, w.Body)
			}
		})
	}
	// A chunked body (length unknown) is a body.
	r := httptest.NewRequest("POST", "/auth/login", strings.NewReader(`{}`))
	r.ContentLength = -1
	r.Header.Set("Content-Type", "text/plain")
	w := httptest.NewRecorder()
	h.ServeHTTP(w, r)
	if w.Code != http.StatusUnsupportedMediaType {
		t.Errorf("chunked text/plain: %d", w.Code)
	}
}
