package middleware

import (
	"net/http"
	"net/netip"
	"strings"
)

// LoopbackOnly lets through only a request that comes from the machine
// itself and was not relayed: its peer is a loopback address and it carries
// no forwarding header. A reverse proxy on the same machine connects from
// loopback too, on behalf of anyone; the headers that proxies add
// (X-Forwarded-*, Forwarded, X-Real-Ip, Via) give it away. Everyone else
// gets the 404 of an unknown route, so the endpoint's existence is not
// revealed. It guards operator endpoints served on the public port (the
// debug log switch); a proxy that relays without adding any of these
// headers defeats it, which is why METRICS_ADDR is the place for them.
func LoopbackOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if !loopbackPeer(r.RemoteAddr) || forwarded(r.Header) {
			NotFound(w, r)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// loopbackPeer reports whether addr ("ip:port") is a loopback address,
// IPv4-mapped IPv6 included.
func loopbackPeer(addr string) bool {
	ap, err := netip.ParseAddrPort(addr)
	return err == nil && ap.Addr().Unmap().IsLoopback()
}

// forwarded reports whether h has a header that a proxy adds to a request
// it relays.
func forwarded(h http.Header) bool {
	for name := range h {
		switch name = http.CanonicalHeaderKey(name); {
		case name == "Forwarded", name == "X-Real-Ip", name == "Via",
			strings.HasPrefix(name, "X-Forwarded-"):
			return true
		}
	}
	return false
}
