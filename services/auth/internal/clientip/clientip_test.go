package clientip_test

import (
	"net/http/httptest"
	"net/netip"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/clientip"
)

func TestResolve(t *testing.T) {
	t.Parallel()
	trusted := []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8"), netip.MustParsePrefix("::1/128")}
	tests := []struct {
		name, peer string
		xff        []string
		want       string
	}{
		{"case=no proxy", "203.0.113.7:5000", nil, "203.0.113.7"},
		{"case=untrusted peer spoofing the header", "203.0.113.7:5000", []string{"198.51.100.1"}, "203.0.113.7"},
		{"case=trusted proxy", "10.0.0.2:5000", []string{"198.51.100.1"}, "198.51.100.1"},
		{"case=client spoofs behind a trusted proxy", "10.0.0.2:5000", []string{"1.2.3.4, 198.51.100.1"}, "198.51.100.1"},
		{"case=chain of trusted proxies", "10.0.0.2:5000", []string{"198.51.100.1, 10.0.0.9"}, "198.51.100.1"},
		{"case=several header lines", "10.0.0.2:5000", []string{"1.2.3.4", "198.51.100.1"}, "198.51.100.1"},
		{"case=garbage in the header", "10.0.0.2:5000", []string{"nonsense"}, "10.0.0.2"},
		{"case=trusted proxy without header", "10.0.0.2:5000", nil, "10.0.0.2"},
		{"case=ipv6 proxy", "[::1]:5000", []string{"2001:db8::5"}, "2001:db8::5"},
		{"case=ipv4-mapped peer", "[::ffff:203.0.113.7]:5000", nil, "203.0.113.7"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			r := httptest.NewRequest("GET", "/", nil)
			r.RemoteAddr = tt.peer
			for _, h := range tt.xff {
				r.Header.Add("X-Forwarded-For", h)
			}
			if got := clientip.Resolve(r, trusted); got.String() != tt.want {
				t.Errorf("Resolve = %s, want %s", got, tt.want)
			}
		})
	}
}
