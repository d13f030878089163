package authtest

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
)

// sessionCookies are the names of the session cookie: with COOKIE_SECURE
// false (the default here), then true.
var sessionCookies = []string{"session", "__Host-session"}

// Register creates an account over REST (POST /auth/register) and returns
// the token of its aal1 session, read from the session cookie.
func (s *Server) Register(ctx context.Context, email, password string) (string, error) {
	body, err := json.Marshal(map[string]string{"email": email, "password": password})
	if err != nil {
		return "", fmt.Errorf("authtest: register: %w", err)
	}
	res, err := s.post(ctx, "/auth/register", body, "")
	if err != nil {
		return "", fmt.Errorf("authtest: register: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusCreated {
		return "", fmt.Errorf("authtest: register: %s", describe(res))
	}
	for _, name := range sessionCookies {
		for _, c := range res.Cookies() {
			if c.Name == name && c.Value != "" {
				return c.Value, nil
			}
		}
	}
	return "", fmt.Errorf("authtest: register: 201 without a session cookie")
}

// Logout revokes the session of token over REST (POST /auth/logout with
// "Authorization: Bearer").
func (s *Server) Logout(ctx context.Context, token string) error {
	res, err := s.post(ctx, "/auth/logout", nil, token)
	if err != nil {
		return fmt.Errorf("authtest: logout: %w", err)
	}
	defer res.Body.Close()
	if res.StatusCode != http.StatusNoContent {
		return fmt.Errorf("authtest: logout: %s", describe(res))
	}
	return nil
}

func (s *Server) post(ctx context.Context, path string, body []byte, token string) (*http.Response, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, s.HTTPURL+path, bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	return s.http.Do(req)
}

// describe is the status and the start of the body of an unexpected
// answer: an error body of the auth service, which never holds a secret.
func describe(res *http.Response) string {
	b, _ := io.ReadAll(io.LimitReader(res.Body, 1024))
	return fmt.Sprintf("%s %s", res.Status, bytes.TrimSpace(b))
}
