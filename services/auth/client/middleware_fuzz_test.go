package client

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

// FuzzBearer checks how the client middleware finds the session token of a
// request, for any Authorization header and Cookie header:
//   - bearer never panics, and refuses with an empty token;
//   - it accepts exactly the headers that start with "Bearer " in any case
//     (RFC 7235: the scheme is case-insensitive) and have more after it,
//     and returns the rest without surrounding white space;
//   - a token written after "Bearer " is read back as it was;
//   - tokenFromRequest prefers a bearer header and otherwise reads only the
//     configured cookie: a cookie of another name is never a token.
func FuzzBearer(f *testing.F) {
	const token = "AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8"
	for _, seed := range [][2]string{
		{"Bearer " + token, ""},
		{"bEaReR  " + token + " \t", "__Host-session=other"},
		{"Bearer ", "__Host-session=" + token},
		{"Bearer", "session=" + token},
		{"Basic YWRhOnB3", "__Host-session=" + token + "; session=x"},
		{"Bearer\t" + token, "__Host-session="},
		{"Bearer \u00a0\u2028", ""},
		{"Bearé " + token, ""},
	} {
		f.Add(seed[0], seed[1])
	}

	g := newGuard(nil)
	f.Fuzz(func(t *testing.T, header, cookie string) {
		got, ok := bearer(header)
		scheme := len(header) > len("bearer ") && strings.EqualFold(header[:len("bearer ")], "bearer ")
		switch {
		case ok != scheme:
			t.Fatalf("bearer(%q) ok = %t, want %t", header, ok, scheme)
		case !ok && got != "":
			t.Fatalf("bearer(%q) refused it but returned %q", header, got)
		case ok && got != strings.TrimSpace(header[len("bearer "):]):
			t.Fatalf("bearer(%q) = %q, want the rest without surrounding white space", header, got)
		}
		if written := strings.TrimSpace(header); written != "" {
			if back, ok := bearer("Bearer " + written); !ok || back != written {
				t.Fatalf("bearer(%q) = %q, %t; want %q", "Bearer "+written, back, ok, written)
			}
		}

		r := httptest.NewRequest(http.MethodGet, "/executor/whoami", nil)
		r.Header.Set("Authorization", header)
		r.Header.Set("Cookie", cookie)
		var want string
		if c, err := r.Cookie(DefaultCookieName); err == nil {
			want = c.Value
		}
		if ok {
			want = got
		}
		if from := g.tokenFromRequest(r); from != want {
			t.Fatalf("tokenFromRequest(Authorization %q, Cookie %q) = %q, want %q", header, cookie, from, want)
		}
	})
}
