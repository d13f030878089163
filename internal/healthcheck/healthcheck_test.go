package healthcheck

import (
	"bytes"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestURL(t *testing.T) {
	cases := []struct {
		name, addr, want string
		wantErr          bool
	}{
		{name: "case=default", addr: "", want: "http://127.0.0.1:8080/livez"},
		{name: "case=port only", addr: ":9000", want: "http://127.0.0.1:9000/livez"},
		{name: "case=ipv4 wildcard", addr: "0.0.0.0:9000", want: "http://127.0.0.1:9000/livez"},
		{name: "case=ipv6 wildcard", addr: "[::]:9000", want: "http://127.0.0.1:9000/livez"},
		{name: "case=loopback", addr: "127.0.0.1:9000", want: "http://127.0.0.1:9000/livez"},
		{name: "case=named host", addr: "localhost:9000", want: "http://localhost:9000/livez"},
		{name: "case=ipv6 host", addr: "[::1]:9000", want: "http://[::1]:9000/livez"},
		{name: "case=no port", addr: "localhost", wantErr: true},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			got, err := URL(c.addr, ":8080")
			if (err != nil) != c.wantErr {
				t.Fatalf("URL(%q) error = %v, want error %v", c.addr, err, c.wantErr)
			}
			if got != c.want {
				t.Errorf("URL(%q) = %q, want %q", c.addr, got, c.want)
			}
		})
	}
}

func TestRun(t *testing.T) {
	status := http.StatusOK
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/livez" {
			http.NotFound(w, r)
			return
		}
		w.WriteHeader(status)
	}))
	defer srv.Close()
	_, port, err := net.SplitHostPort(srv.Listener.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	closed := httptest.NewServer(http.NotFoundHandler())
	closedAddr := closed.Listener.Addr().String()
	closed.Close()

	cases := []struct {
		name, addr string
		status     int
		want       int
		wantStderr string
	}{
		{name: "case=live", addr: ":" + port, status: http.StatusOK, want: 0},
		{name: "case=unhealthy", addr: ":" + port, status: http.StatusServiceUnavailable, want: 1, wantStderr: "503"},
		{name: "case=nothing listens", addr: closedAddr, want: 1, wantStderr: "connect"},
		{name: "case=bad address", addr: "nonsense", want: 1, wantStderr: "HTTP_ADDR"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			var buf bytes.Buffer
			status = c.status
			if got := Run(&buf, "test", c.addr, ":8080"); got != c.want {
				t.Fatalf("Run = %d, want %d (stderr %q)", got, c.want, buf.String())
			}
			if !strings.Contains(buf.String(), c.wantStderr) {
				t.Errorf("stderr = %q, want it to contain %q", buf.String(), c.wantStderr)
			}
		})
	}
}
