package clientip_test

import (
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"

	"github.com/infrastructure/platform/services/auth/internal/clientip"
)

// FuzzResolve resolves requests with any peer address and any two
// X-Forwarded-For lines behind trusted proxies (10.0.0.0/8, ::1,
// 2001:db8:1::/48) and checks that:
//   - it never panics;
//   - the result is IPv4 unmapped and without a zone, and valid whenever
//     the peer is an ip:port as net/http gives it (a zone is the name of a
//     network interface: no brackets);
//   - an untrusted peer's headers are ignored: the result is the peer;
//   - behind a trusted peer, the result is the peer or a hop of the
//     header, never one left of a hop that is garbage or untrusted: a
//     client can only prepend what no trusted proxy vouches for;
//   - the nearest hop is believed when it is a valid untrusted address;
//   - Middleware stores the result (the unspecified address for none).
func FuzzResolve(f *testing.F) {
	for _, seed := range [][3]string{
		{"203.0.113.7:5000", "", ""},
		{"203.0.113.7:5000", "198.51.100.1", ""},
		{"10.0.0.2:5000", "198.51.100.1", ""},
		{"10.0.0.2:5000", "1.2.3.4, 198.51.100.1", ""},
		{"10.0.0.2:5000", "198.51.100.1, 10.0.0.9", ""},
		{"10.0.0.2:5000", "1.2.3.4", "198.51.100.1"},
		{"10.0.0.2:5000", "nonsense", ""},
		{"[::1]:5000", "2001:db8::5", ""},
		{"[::ffff:203.0.113.7]:5000", "", ""},
		{"[::ffff:10.0.0.2]:5000", "::ffff:10.0.0.3, fe80::1%eth0", "[2001:db8:1::7]:443"},
		{"[fe80::1%eth0]:5000", "198.51.100.1", ""},
		{"10.0.0.2", ",,", " , 10.0.0.4 ,"},
		{"", "198.51.100.1", ""},
	} {
		f.Add(seed[0], seed[1], seed[2])
	}

	trusted := []netip.Prefix{
		netip.MustParsePrefix("10.0.0.0/8"),
		netip.MustParsePrefix("::1/128"),
		netip.MustParsePrefix("2001:db8:1::/48"),
	}
	isTrusted := func(ip netip.Addr) bool {
		for _, p := range trusted {
			if p.Contains(ip) {
				return true
			}
		}
		return false
	}
	f.Fuzz(func(t *testing.T, peer, first, second string) {
		r := httptest.NewRequest(http.MethodGet, "/auth/profile", nil)
		r.RemoteAddr = peer
		var hops []string
		for _, h := range []string{first, second} {
			if h != "" {
				r.Header.Add("X-Forwarded-For", h)
				hops = append(hops, strings.Split(h, ",")...)
			}
		}
		got := clientip.Resolve(r, trusted)
		if got.IsValid() && (got.Is4In6() || got.Zone() != "") {
			t.Fatalf("Resolve(%q, %q) = %s, want it unmapped and without a zone", peer, hops, got)
		}

		from, err := netip.ParseAddrPort(peer)
		wellFormed := err == nil && !strings.ContainsAny(from.Addr().Zone(), "[]")
		peerIP := from.Addr().Unmap().WithZone("")
		switch {
		case !wellFormed:
			// Not what net/http gives: nothing more to say.
		case !got.IsValid():
			t.Fatalf("Resolve(%q, %q) = an invalid address", peer, hops)
		case !isTrusted(peerIP):
			if got != peerIP {
				t.Fatalf("Resolve(untrusted %q, %q) = %s, want the peer", peer, hops, got)
			}
		case got != peerIP:
			requireVouchedFor(t, got, hops, isTrusted)
		}
		if wellFormed && isTrusted(peerIP) && len(hops) > 0 {
			if nearest := hop(hops[len(hops)-1]); nearest.IsValid() && !isTrusted(nearest) && got != nearest {
				t.Fatalf("Resolve(%q, %q) = %s, want the nearest hop %s", peer, hops, got, nearest)
			}
		}

		var stored netip.Addr
		clientip.Middleware(trusted)(http.HandlerFunc(func(_ http.ResponseWriter, r *http.Request) {
			stored = clientip.From(r.Context())
		})).ServeHTTP(httptest.NewRecorder(), r)
		want := got
		if !want.IsValid() {
			want = netip.IPv4Unspecified()
		}
		if stored != want {
			t.Fatalf("Middleware stored %s, want %s", stored, want)
		}
	})
}

// requireVouchedFor fails unless got is a hop every hop right of which is
// a valid trusted address.
func requireVouchedFor(t *testing.T, got netip.Addr, hops []string, isTrusted func(netip.Addr) bool) {
	t.Helper()
	for i := len(hops) - 1; i >= 0; i-- {
		ip := hop(hops[i])
		if ip == got {
			return
		}
		if !ip.IsValid() || !isTrusted(ip) {
			break
		}
	}
	t.Fatalf("Resolve = %s, which no chain of trusted hops in %q vouches for", got, hops)
}

// hop reads one X-Forwarded-For entry: an address, with a port or not,
// IPv4 unmapped, zone dropped; the invalid address for anything else.
func hop(s string) netip.Addr {
	s = strings.TrimSpace(s)
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap().WithZone("")
}
