package main

import (
	"context"
	"io"
	"net/http"
	"strings"
	"testing"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	genpb "github.com/infrastructure/platform/services/auth/gen/grpc/auth/pb"
)

// chunked hides the length of a body, so that only reading it finds the
// limit.
type chunked struct{ io.Reader }

func TestBadInput(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	s.register(t, "taken@example.com", testPassword)
	big := `{"email":"big@example.com","password":"` + strings.Repeat("a", 70<<10) + `"}`

	tests := []struct {
		name   string
		path   string
		body   any
		status int
		err    string
		// mention is a part of the message that says what is wrong.
		mention string
	}{
		{"case=malformed JSON", "/auth/register", `{"email": "a@b.co",`, 400, "invalid_input", "malformed JSON"},
		{"case=not JSON", "/auth/login", `email=a@b.co&password=` + testPassword, 400, "invalid_input", "malformed JSON"},
		{"case=wrong type", "/auth/register", `{"email": "a@b.co", "password": 12345678}`, 400, "invalid_input", `"password"`},
		{"case=array", "/auth/login", `[]`, 400, "invalid_input", "JSON object"},
		{"case=unknown field", "/auth/register", `{"email": "a@b.co", "password": "` + testPassword + `", "admin": true}`, 400, "invalid_input", `"admin"`},
		{"case=trailing data", "/auth/register", `{"email": "a@b.co", "password": "` + testPassword + `"} {}`, 400, "invalid_input", "single JSON object"},
		{"case=empty body", "/auth/register", "", 400, "invalid_input", "payload"},
		{"case=missing password", "/auth/register", `{"email": "a@b.co"}`, 400, "invalid_input", "password"},
		{"case=short password", "/auth/register", `{"email": "a@b.co", "password": "1234567"}`, 400, "weak_password", "shorter than 8"},
		{"case=long password", "/auth/register", `{"email": "a@b.co", "password": "` + strings.Repeat("é", 129) + `"}`, 400, "weak_password", "longer than 128"},
		{"case=login password over the bound", "/auth/login", `{"email": "a@b.co", "password": "` + strings.Repeat("a", 1025) + `"}`, 400, "invalid_input", "password"},
		{"case=bad email", "/auth/register", `{"email": "not-an-email", "password": "` + testPassword + `"}`, 400, "invalid_input", "email"},
		{"case=NUL in the email", "/auth/register", `{"email": "a\u0000b@example.com", "password": "` + testPassword + `"}`, 400, "invalid_input", "email"},
		{"case=NUL in the email at login", "/auth/login", `{"email": "a\u0000b@example.com", "password": "` + testPassword + `"}`, 400, "invalid_input", "email"},
		{"case=BEL in the email", "/auth/register", `{"email": "a@exa\u0007mple.com", "password": "` + testPassword + `"}`, 400, "invalid_input", "email"},
		{"case=DEL in the email", "/auth/register", `{"email": "a\u007f@example.com", "password": "` + testPassword + `"}`, 400, "invalid_input", "email"},
		{"case=C1 control in the email", "/auth/login", `{"email": "a@example.co\u0085m", "password": "` + testPassword + `"}`, 400, "invalid_input", "email"},
		{"case=email taken in another case", "/auth/register", `{"email": "TAKEN@example.com", "password": "` + testPassword + `"}`, 409, "email_taken", "exists"},
		{"case=body over 64 KiB", "/auth/register", big, 413, "request_too_large", "65536"},
		{"case=chunked body over 64 KiB", "/auth/login", chunked{strings.NewReader(big)}, 413, "request_too_large", "65536"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, "POST", tt.path, tt.body, nil)
			if res.status != tt.status || res.body["name"] != tt.err {
				t.Fatalf("got %d %s, want %d %s", res.status, res.raw, tt.status, tt.err)
			}
			if msg, _ := res.body["message"].(string); !strings.Contains(msg, tt.mention) {
				t.Errorf("message %q does not mention %q", msg, tt.mention)
			}
			if strings.Contains(res.raw, "1234567") || strings.Contains(res.raw, testPassword) {
				t.Errorf("the answer echoes the password: %s", res.raw)
			}
			if res.sessionCookie("__Host-session") != nil {
				t.Error("a failed request set a session cookie")
			}
		})
	}
}

func TestPasswordsAreNeverTruncated(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	prefix := "möwen über dem hafen kreisen müde um die rostige boje am alten fährsteg" // 75 bytes: past bcrypt's 72
	s.register(t, "long@example.com", prefix+"-one")
	if r := s.do(t, "POST", "/auth/login", map[string]string{"email": "long@example.com", "password": prefix + "-two"}, nil); r.status != http.StatusUnauthorized {
		t.Errorf("a password differing after byte 72 logged in: %d", r.status)
	}
	if r := s.do(t, "POST", "/auth/login", map[string]string{"email": "long@example.com", "password": prefix + "-one"}, nil); r.status != http.StatusOK {
		t.Errorf("the right password failed: %d %s", r.status, r.raw)
	}
	// 128 characters of any script are accepted: 384 bytes of ideographs,
	// seven code points apart so that no run of them reads as a sequence.
	ideographs := make([]rune, 128)
	for i := range ideographs {
		ideographs[i] = '一' + rune(7*i)
	}
	s.register(t, "max@example.com", string(ideographs))
}

func TestLoginAnswersUnknownEmailAsWrongPassword(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	s.register(t, "ada@example.com", testPassword)
	wrong := s.do(t, "POST", "/auth/login", map[string]string{"email": "ada@example.com", "password": "password2"}, nil)
	unknown := s.do(t, "POST", "/auth/login", map[string]string{"email": "nobody@example.com", "password": "password2"}, nil)
	if wrong.status != http.StatusUnauthorized || unknown.status != wrong.status {
		t.Fatalf("statuses %d and %d, want 401 and 401", wrong.status, unknown.status)
	}
	if wrong.body["name"] != "invalid_credentials" || wrong.body["name"] != unknown.body["name"] || wrong.body["message"] != unknown.body["message"] {
		t.Errorf("bodies differ: %s vs %s", wrong.raw, unknown.raw)
	}
	if len(wrong.cookies) != 0 || len(unknown.cookies) != 0 {
		t.Error("a failed login set a cookie")
	}
}

func TestGRPCErrors(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	ctx := context.Background()
	tests := []struct {
		name string
		call func() error
		want codes.Code
	}{
		{"case=validate empty token", func() error {
			_, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{})
			return err
		}, codes.Unauthenticated},
		{"case=validate garbage", func() error {
			_, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: "garbage"})
			return err
		}, codes.Unauthenticated},
		{"case=validate unknown well-formed token", func() error {
			_, err := s.grpc.ValidateSession(ctx, &genpb.ValidateSessionRequest{Token: strings.Repeat("A", 43)})
			return err
		}, codes.Unauthenticated},
		{"case=get user bad id", func() error {
			_, err := s.grpc.GetUser(ctx, &genpb.GetUserRequest{UserId: "42"})
			return err
		}, codes.InvalidArgument},
		{"case=get user unknown", func() error {
			_, err := s.grpc.GetUser(ctx, &genpb.GetUserRequest{UserId: "5b0d3d5e-5f6e-4a43-9b3c-0c1b1c2d3e4f"})
			return err
		}, codes.NotFound},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := status.Code(tt.call()); got != tt.want {
				t.Errorf("code = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestOriginCheck(t *testing.T) {
	t.Parallel()
	s := startStack(t, map[string]string{"CORS_ALLOWED_ORIGINS": "https://app.example.com"})
	own := "http://" + strings.TrimPrefix(s.baseURL, "http://")
	tests := []struct {
		name, origin, site string
		cookie             bool
		want               int
	}{
		{"case=foreign origin with cookie", "https://evil.example", "", true, http.StatusForbidden},
		{"case=cross-site with cookie", "https://evil.example", "cross-site", true, http.StatusForbidden},
		{"case=same-site sibling with cookie", "https://other.example.com", "same-site", true, http.StatusForbidden},
		{"case=foreign origin with bearer", "https://evil.example", "", false, http.StatusForbidden},
		{"case=allowed origin with cookie", "https://app.example.com", "cross-site", true, http.StatusNoContent},
		{"case=own origin with cookie", own, "", true, http.StatusNoContent},
		{"case=same-origin with cookie", own, "same-origin", true, http.StatusNoContent},
		{"case=no origin with cookie", "", "", true, http.StatusNoContent},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			token := s.register(t, strings.NewReplacer(" ", "", "=", "").Replace(tt.name)+"@example.com", testPassword)
			h := bearer(token)
			if tt.cookie {
				h = map[string]string{"Cookie": "__Host-session=" + token}
			}
			if tt.origin != "" {
				h["Origin"] = tt.origin
			}
			if tt.site != "" {
				h["Sec-Fetch-Site"] = tt.site
			}
			res := s.do(t, "POST", "/auth/logout", nil, h)
			if res.status != tt.want {
				t.Errorf("logout: %d %s, want %d", res.status, res.raw, tt.want)
			}
			// A refused request changed nothing.
			if tt.want == http.StatusForbidden {
				if res.body["name"] != "forbidden_origin" {
					t.Errorf("body %s, want forbidden_origin", res.raw)
				}
				if _, err := s.grpc.ValidateSession(context.Background(), &genpb.ValidateSessionRequest{Token: token}); err != nil {
					t.Errorf("the session died although the request was refused: %v", err)
				}
			}
		})
	}
}

// TestLoginCSRF: what any web page can send (a cross-site POST of a JSON
// body as text/plain, no preflight) neither signs its visitor in nor
// creates an account; curl and servers keep working.
func TestLoginCSRF(t *testing.T) {
	t.Parallel()
	s := startStack(t, nil)
	s.register(t, "attacker@example.com", testPassword)
	db := rawConn(t, s.dbURL)
	count := func(sql string) int {
		var n int
		if err := db.QueryRow(context.Background(), sql).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	sessions, users := count("SELECT count(*) FROM sessions"), count("SELECT count(*) FROM users")
	login := `{"email":"attacker@example.com","password":"` + testPassword + `"}`
	for _, tt := range []struct {
		name, path, body string
		header           map[string]string
		want             int
		errName          string
	}{
		{"case=cross-site login, text/plain", "/auth/login", login, map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403, "forbidden_origin"},
		{"case=cross-site register, text/plain", "/auth/register", `{"email":"victim-signed-in@example.com","password":"` + testPassword + `"}`, map[string]string{"Content-Type": "text/plain", "Sec-Fetch-Site": "cross-site"}, 403, "forbidden_origin"},
		{"case=cross-site login, JSON", "/auth/login", login, map[string]string{"Sec-Fetch-Site": "cross-site", "Origin": "https://evil.example"}, 403, "forbidden_origin"},
		{"case=old browser, foreign Origin", "/auth/login", login, map[string]string{"Origin": "https://evil.example"}, 403, "forbidden_origin"},
		{"case=text/plain without browser headers", "/auth/login", login, map[string]string{"Content-Type": "text/plain"}, 415, "unsupported_media_type"},
		{"case=form", "/auth/register", `email=a%40b.co&password=` + testPassword, map[string]string{"Content-Type": "application/x-www-form-urlencoded"}, 415, "unsupported_media_type"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			res := s.do(t, "POST", tt.path, tt.body, tt.header)
			if res.status != tt.want || res.body["name"] != tt.errName {
				t.Fatalf("%d %s, want %d %s", res.status, res.raw, tt.want, tt.errName)
			}
			if len(res.cookies) != 0 {
				t.Errorf("a refused request set cookies: %v", res.cookies)
			}
		})
	}
	if n, m := count("SELECT count(*) FROM sessions"), count("SELECT count(*) FROM users"); n != sessions || m != users {
		t.Errorf("refused requests changed the database: %d→%d sessions, %d→%d users", sessions, n, users, m)
	}
	// curl, a server: no browser header, JSON.
	if res := s.do(t, "POST", "/auth/login", login, nil); res.status != http.StatusOK {
		t.Errorf("a plain JSON login: %d %s", res.status, res.raw)
	}
	if res := s.do(t, "POST", "/auth/login", login, map[string]string{"Content-Type": "application/json; charset=utf-8", "Sec-Fetch-Site": "same-origin"}); res.status != http.StatusOK {
		t.Errorf("a same-origin JSON login: %d %s", res.status, res.raw)
	}
}
