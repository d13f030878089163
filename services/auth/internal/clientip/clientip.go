// Package clientip finds the IP address of the client behind a request:
// the peer of the connection, or the address a trusted proxy reports in
// X-Forwarded-For. The throttles count per client IP, so only proxies that
// the operator lists in TRUSTED_PROXIES can speak for a client.
package clientip

import (
	"context"
	"net"
	"net/http"
	"net/netip"
	"slices"
	"strings"
)

type ipKey struct{}

// With returns ctx carrying the client IP.
func With(ctx context.Context, ip netip.Addr) context.Context {
	return context.WithValue(ctx, ipKey{}, ip)
}

// From returns the client IP in ctx, or the unspecified address when there
// is none (gRPC calls, tests).
func From(ctx context.Context) netip.Addr {
	if ip, ok := ctx.Value(ipKey{}).(netip.Addr); ok && ip.IsValid() {
		return ip
	}
	return netip.IPv4Unspecified()
}

// Middleware puts the client IP of every request in its context.
func Middleware(trusted []netip.Prefix) func(http.Handler) http.Handler {
	return func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			next.ServeHTTP(w, r.WithContext(With(r.Context(), Resolve(r, trusted))))
		})
	}
}

// Resolve returns the client IP of r. X-Forwarded-For is read from the
// right (the entry the nearest proxy appended) and believed only while the
// hop that appended it is trusted: the first untrusted address is the
// client. Without a trusted peer the header is ignored.
func Resolve(r *http.Request, trusted []netip.Prefix) netip.Addr {
	peer := parse(r.RemoteAddr)
	if !isTrusted(peer, trusted) {
		return peer
	}
	var hops []string
	for _, h := range r.Header.Values("X-Forwarded-For") {
		hops = append(hops, strings.Split(h, ",")...)
	}
	client := peer
	for _, hop := range slices.Backward(hops) {
		ip := parse(strings.TrimSpace(hop))
		if !ip.IsValid() {
			break // garbage: trust nothing further left
		}
		client = ip
		if !isTrusted(ip, trusted) {
			break
		}
	}
	return client
}

func isTrusted(ip netip.Addr, trusted []netip.Prefix) bool {
	if !ip.IsValid() {
		return false
	}
	for _, p := range trusted {
		if p.Contains(ip) {
			return true
		}
	}
	return false
}

// parse reads "ip", "ip:port" or "[ipv6]:port", unmapping IPv4-in-IPv6.
func parse(s string) netip.Addr {
	if host, _, err := net.SplitHostPort(s); err == nil {
		s = host
	}
	ip, err := netip.ParseAddr(s)
	if err != nil {
		return netip.Addr{}
	}
	return ip.Unmap().WithZone("")
}
