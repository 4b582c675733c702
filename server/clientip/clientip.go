// Package clientip decides which IP address an HTTP request comes from,
// for rate limiting and audit logs.
//
// Headers such as X-Forwarded-For are written by whoever sends them, so a
// Resolver only reads one when the direct peer is a configured trusted
// proxy, and then only trusts what trusted proxies appended: it walks the
// list from the right (the nearest hop) and returns the first address that
// is not itself a trusted proxy. The leftmost entries, which the client
// wrote, are never reached unless every hop to their right is trusted.
// Anything unparseable on the way makes it fall back to the direct peer.
//
// Returned addresses are IPv4 for IPv4 clients (IPv4-mapped IPv6 is
// unmapped) and carry no IPv6 zone.
package clientip

import (
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/textproto"
	"strings"
)

// ErrNoTrustedProxy: a header was configured without any trusted proxy,
// which would either never be used or, worse, suggest it is.
var ErrNoTrustedProxy = errors.New("clientip: a client-IP header is configured but no trusted proxy is")

// Resolver finds a request's client address. It is immutable and safe for
// concurrent use.
type Resolver struct {
	trusted   []netip.Prefix
	header    string // canonical form; "" means only RemoteAddr counts
	forwarded bool   // header is RFC 7239 Forwarded: read its for= values
}

// New returns a Resolver that reads header (e.g. "X-Forwarded-For",
// "X-Real-IP", "Forwarded", or any name; "" for a server reached directly)
// only from peers inside trusted. A header with no trusted prefix is
// ErrNoTrustedProxy: the server should refuse to start.
func New(trusted []netip.Prefix, header string) (*Resolver, error) {
	r := &Resolver{header: textproto.CanonicalMIMEHeaderKey(strings.TrimSpace(header))}
	if r.header != "" && !validHeaderName(r.header) {
		return nil, fmt.Errorf("clientip: %q is not a valid header name", header)
	}
	if r.header != "" && len(trusted) == 0 {
		return nil, fmt.Errorf("clientip: header %q: %w", r.header, ErrNoTrustedProxy)
	}
	r.forwarded = r.header == "Forwarded"
	for _, p := range trusted {
		if !p.IsValid() {
			return nil, fmt.Errorf("clientip: invalid trusted prefix %v", p)
		}
		// Addresses are compared unmapped, so an IPv4-mapped prefix must
		// be too, or it would never match.
		if p.Addr().Is4In6() && p.Bits() >= 96 {
			p = netip.PrefixFrom(p.Addr().Unmap(), p.Bits()-96)
		}
		r.trusted = append(r.trusted, p.Masked())
	}
	return r, nil
}

// IP returns the client address of req. If req.RemoteAddr cannot be
// parsed (e.g. a Unix socket) it returns the zero netip.Addr, which
// callers must treat as unknown.
func (r *Resolver) IP(req *http.Request) netip.Addr {
	peer := parsePeer(req.RemoteAddr)
	if r.header == "" || !peer.IsValid() || !r.isTrusted(peer) {
		return peer
	}
	lines := req.Header[r.header]
	client := peer
	for i := len(lines) - 1; i >= 0; i-- {
		// Walk each line's comma-separated items from the right without
		// splitting, so a long header costs no allocation.
		s := lines[i]
		for {
			j := strings.LastIndexByte(s, ',')
			a, ok := r.parseItem(s[j+1:])
			if !ok {
				return peer
			}
			if !r.isTrusted(a) {
				return a
			}
			client = a // a trusted hop: look at who it says sent to it
			if j < 0 {
				break
			}
			s = s[:j]
		}
	}
	// Every hop was trusted: the leftmost is the furthest one the chain of
	// trusted proxies vouches for (an internal client, for instance).
	return client
}

func (r *Resolver) isTrusted(a netip.Addr) bool {
	for _, p := range r.trusted {
		if p.Contains(a) {
			return true
		}
	}
	return false
}

// parseItem reads one list item: an address, optionally with a port
// ("192.0.2.1:80", "[2001:db8::1]:80") or brackets, or for Forwarded an
// element whose for= parameter holds one.
func (r *Resolver) parseItem(s string) (netip.Addr, bool) {
	s = strings.Trim(s, " \t")
	if r.forwarded {
		var ok bool
		if s, ok = forwardedFor(s); !ok {
			return netip.Addr{}, false
		}
	}
	a, ok := parseAddr(s)
	if !ok {
		return netip.Addr{}, false
	}
	a = a.Unmap().WithZone("")
	if a.IsUnspecified() {
		return netip.Addr{}, false // 0.0.0.0 or ::, nobody's address
	}
	return a, true
}

func parseAddr(s string) (netip.Addr, bool) {
	if a, err := netip.ParseAddr(s); err == nil {
		return a, true
	}
	if ap, err := netip.ParseAddrPort(s); err == nil {
		return ap.Addr(), true
	}
	// "[2001:db8::1]" without a port, as RFC 7239 writes IPv6.
	if len(s) > 2 && s[0] == '[' && s[len(s)-1] == ']' {
		if a, err := netip.ParseAddr(s[1 : len(s)-1]); err == nil && a.Is6() {
			return a, true
		}
	}
	return netip.Addr{}, false
}

// forwardedFor returns the node of an RFC 7239 element's for= parameter,
// unquoted: `for="[2001:db8::1]:4711";proto=https` gives [2001:db8::1]:4711.
func forwardedFor(elem string) (string, bool) {
	for pair := range strings.SplitSeq(elem, ";") {
		name, value, ok := strings.Cut(strings.Trim(pair, " \t"), "=")
		if !ok || !strings.EqualFold(name, "for") {
			continue
		}
		if len(value) >= 2 && value[0] == '"' && value[len(value)-1] == '"' {
			value = value[1 : len(value)-1]
		}
		return value, true
	}
	return "", false
}

func parsePeer(remote string) netip.Addr {
	ap, err := netip.ParseAddrPort(remote)
	if err == nil {
		return ap.Addr().Unmap().WithZone("")
	}
	// Some servers and tests set RemoteAddr without a port.
	a, err := netip.ParseAddr(remote)
	if err != nil {
		return netip.Addr{}
	}
	return a.Unmap().WithZone("")
}

// validHeaderName reports whether s is an RFC 9110 token.
func validHeaderName(s string) bool {
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0) {
			return false
		}
	}
	return s != ""
}

// Key returns a rate-limit key for a: the address itself for IPv4, and
// its /64 for IPv6, since one household or server is usually given a
// whole /64 and could otherwise rotate through 2^64 keys. An invalid
// address gives "" (callers should not key a limit on it).
func Key(a netip.Addr) string {
	if !a.IsValid() {
		return ""
	}
	a = a.Unmap().WithZone("")
	if a.Is4() {
		return a.String()
	}
	return netip.PrefixFrom(a, 64).Masked().String()
}
