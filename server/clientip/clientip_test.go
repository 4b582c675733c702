package clientip

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"testing"
)

func prefixes(ss ...string) []netip.Prefix {
	var ps []netip.Prefix
	for _, s := range ss {
		ps = append(ps, netip.MustParsePrefix(s))
	}
	return ps
}

func TestNew(t *testing.T) {
	tests := []struct {
		name    string
		trusted []netip.Prefix
		header  string
		wantErr error // nil with ok=false: any error
		ok      bool
	}{
		{"direct", nil, "", nil, true},
		{"direct with prefixes", prefixes("10.0.0.0/8"), "", nil, true},
		{"xff", prefixes("10.0.0.0/8"), "X-Forwarded-For", nil, true},
		{"lower case", prefixes("10.0.0.0/8"), "x-real-ip", nil, true},
		{"header without proxy", nil, "X-Forwarded-For", ErrNoTrustedProxy, false},
		{"header with empty list", []netip.Prefix{}, "X-Real-IP", ErrNoTrustedProxy, false},
		{"bad header name", prefixes("10.0.0.0/8"), "X Forwarded For", nil, false},
		{"header with colon", prefixes("10.0.0.0/8"), "X-Real-IP:", nil, false},
		{"zero prefix", []netip.Prefix{{}}, "X-Real-IP", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(tt.trusted, tt.header)
			if tt.ok != (err == nil) || (tt.wantErr != nil && !errors.Is(err, tt.wantErr)) {
				t.Fatalf("New(%v, %q) = %v; want ok=%v, error %v", tt.trusted, tt.header, err, tt.ok, tt.wantErr)
			}
		})
	}
}

func TestIP(t *testing.T) {
	lan := prefixes("10.0.0.0/8", "fd00::/8")
	tests := []struct {
		name    string
		trusted []netip.Prefix
		header  string
		remote  string
		lines   []string // header lines, in order
		want    string   // "" for the zero Addr
	}{
		// No proxy configured: headers mean nothing.
		{"direct", nil, "", "203.0.113.9:5555", nil, "203.0.113.9"},
		{"direct ignores xff", nil, "", "203.0.113.9:5555", []string{"1.1.1.1"}, "203.0.113.9"},
		{"direct ipv6", nil, "", "[2001:db8::7]:443", nil, "2001:db8::7"},
		{"direct mapped", nil, "", "[::ffff:203.0.113.9]:443", nil, "203.0.113.9"},
		{"direct zone", nil, "", "[fe80::1%eth0]:443", nil, "fe80::1"},
		{"no port", nil, "", "203.0.113.9", nil, "203.0.113.9"},
		{"unix socket", nil, "", "@", nil, ""},
		{"empty remote", nil, "", "", nil, ""},

		// Spoofing from a peer that is not a trusted proxy.
		{"untrusted peer spoofs", lan, "X-Forwarded-For", "203.0.113.9:1", []string{"10.0.0.1"}, "203.0.113.9"},
		{"untrusted peer spoofs real-ip", lan, "X-Real-IP", "203.0.113.9:1", []string{"198.51.100.1"}, "203.0.113.9"},

		// Behind trusted proxies.
		{"one proxy", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"client-written left ignored", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"1.1.1.1, 203.0.113.9"}, "203.0.113.9"},
		{"chain", lan, "X-Forwarded-For", "10.0.0.4:1", []string{"1.1.1.1, 203.0.113.9, 10.0.0.2,10.0.0.3"}, "203.0.113.9"},
		{"all hops trusted", lan, "X-Forwarded-For", "10.0.0.4:1", []string{"10.0.0.5, 10.0.0.6"}, "10.0.0.5"},
		{"no header", lan, "X-Forwarded-For", "10.0.0.1:1", nil, "10.0.0.1"},
		{"several lines", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"1.1.1.1", "203.0.113.9"}, "203.0.113.9"},
		{"several lines chain", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9", "10.0.0.2"}, "203.0.113.9"},
		{"spaces and tabs", lan, "X-Forwarded-For", "10.0.0.1:1", []string{" \t203.0.113.9 \t"}, "203.0.113.9"},
		{"with port", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9:4444"}, "203.0.113.9"},
		{"ipv6 chain", lan, "X-Forwarded-For", "[fd00::1]:443", []string{"2001:db8::5, fd00::2"}, "2001:db8::5"},
		{"ipv6 with port", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"[2001:db8::5]:80"}, "2001:db8::5"},
		{"ipv6 bracketed", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"[2001:db8::5]"}, "2001:db8::5"},
		{"mapped in header", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"::ffff:203.0.113.9"}, "203.0.113.9"},
		{"mapped trusted hop", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9, ::ffff:10.0.0.2"}, "203.0.113.9"},
		{"mapped peer", lan, "X-Forwarded-For", "[::ffff:10.0.0.1]:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"mapped prefix", prefixes("::ffff:10.0.0.0/104"), "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"zone in header", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"fe80::1%eth0"}, "fe80::1"},
		{"single host prefix", prefixes("192.0.2.10/32"), "X-Forwarded-For", "192.0.2.10:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"host prefix, neighbour untrusted", prefixes("192.0.2.10/32"), "X-Forwarded-For", "192.0.2.11:1", []string{"203.0.113.9"}, "192.0.2.11"},

		// Garbage: stop and fall back to the peer, unless it lies beyond
		// (left of) an untrusted address, where the walk never goes.
		{"garbage", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"not an ip"}, "10.0.0.1"},
		{"garbage rightmost", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9, nope"}, "10.0.0.1"},
		{"garbage between hops", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9, nope, 10.0.0.2"}, "10.0.0.1"},
		{"garbage beyond client", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"<script>, 203.0.113.9"}, "203.0.113.9"},
		{"unknown", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"unknown"}, "10.0.0.1"},
		{"empty value", lan, "X-Forwarded-For", "10.0.0.1:1", []string{""}, "10.0.0.1"},
		{"trailing comma", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9,"}, "10.0.0.1"},
		{"empty item", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9,,10.0.0.2"}, "10.0.0.1"},
		{"unspecified", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"0.0.0.0"}, "10.0.0.1"},
		{"semicolon list", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.9;1.1.1.1"}, "10.0.0.1"},
		{"octal-looking", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"010.0.0.1"}, "10.0.0.1"},
		{"cidr", lan, "X-Forwarded-For", "10.0.0.1:1", []string{"203.0.113.0/24"}, "10.0.0.1"},

		// X-Real-IP and other single-value headers.
		{"real-ip", lan, "X-Real-IP", "10.0.0.1:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"real-ip lower-case config", lan, "x-real-ip", "10.0.0.1:1", []string{"203.0.113.9"}, "203.0.113.9"},
		{"real-ip garbage", lan, "X-Real-IP", "10.0.0.1:1", []string{"localhost"}, "10.0.0.1"},
		{"real-ip ignores xff", lan, "X-Real-IP", "10.0.0.1:1", nil, "10.0.0.1"},
		{"custom header", lan, "CF-Connecting-IP", "10.0.0.1:1", []string{"2001:db8::9"}, "2001:db8::9"},

		// RFC 7239 Forwarded.
		{"forwarded", lan, "Forwarded", "10.0.0.1:1", []string{"for=203.0.113.9;proto=https;by=10.0.0.1"}, "203.0.113.9"},
		{"forwarded quoted ipv6", lan, "Forwarded", "10.0.0.1:1", []string{`For="[2001:db8:cafe::17]:4711"`}, "2001:db8:cafe::17"},
		{"forwarded list", lan, "Forwarded", "10.0.0.1:1", []string{"for=1.1.1.1, for=203.0.113.9, for=10.0.0.2"}, "203.0.113.9"},
		{"forwarded unknown", lan, "Forwarded", "10.0.0.1:1", []string{"for=unknown"}, "10.0.0.1"},
		{"forwarded obfuscated", lan, "Forwarded", "10.0.0.1:1", []string{`for="_gazonk"`}, "10.0.0.1"},
		{"forwarded without for", lan, "Forwarded", "10.0.0.1:1", []string{"proto=https"}, "10.0.0.1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r, err := New(tt.trusted, tt.header)
			if err != nil {
				t.Fatal(err)
			}
			req := httptest.NewRequest("GET", "/", nil)
			req.RemoteAddr = tt.remote
			for _, l := range tt.lines {
				req.Header.Add(cmpHeader(tt.header), l)
			}
			// Whatever the configuration, a spoofed X-Forwarded-For must
			// not matter when it is not the configured header.
			if tt.header != "X-Forwarded-For" {
				req.Header.Add("X-Forwarded-For", "192.0.2.66")
			}
			var want netip.Addr
			if tt.want != "" {
				want = netip.MustParseAddr(tt.want)
			}
			if got := r.IP(req); got != want {
				t.Fatalf("IP(remote %q, %s: %q) = %v, want %v", tt.remote, tt.header, tt.lines, got, want)
			}
		})
	}
}

// cmpHeader picks the header the test lines go in; for the no-proxy
// cases, X-Forwarded-For, to show it is ignored.
func cmpHeader(h string) string {
	if h == "" {
		return "X-Forwarded-For"
	}
	return h
}

func TestKey(t *testing.T) {
	tests := []struct {
		addr netip.Addr
		want string
	}{
		{netip.MustParseAddr("203.0.113.9"), "203.0.113.9"},
		{netip.MustParseAddr("::ffff:203.0.113.9"), "203.0.113.9"},
		{netip.MustParseAddr("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64"},
		{netip.MustParseAddr("2001:db8:1:2:ffff:ffff:ffff:ffff"), "2001:db8:1:2::/64"},
		{netip.MustParseAddr("2001:db8:1:3::1"), "2001:db8:1:3::/64"},
		{netip.MustParseAddr("fe80::1%eth0"), "fe80::/64"},
		{netip.MustParseAddr("::1"), "::/64"},
		{netip.Addr{}, ""},
	}
	for _, tt := range tests {
		if got := Key(tt.addr); got != tt.want {
			t.Errorf("Key(%v) = %q, want %q", tt.addr, got, tt.want)
		}
	}
}

func FuzzIP(f *testing.F) {
	for _, s := range []string{
		"203.0.113.9", "1.1.1.1, 203.0.113.9, 10.0.0.2", "10.0.0.5, 10.0.0.6", "",
		",", "unknown", "[2001:db8::5]:80", "::ffff:10.0.0.2", "fe80::1%eth0",
		"for=203.0.113.9;proto=https", `for="[2001:db8::17]:4711", for=10.0.0.2`,
	} {
		f.Add(s, false)
		f.Add(s, true)
	}
	lan := prefixes("10.0.0.0/8", "fd00::/8")
	xff, _ := New(lan, "X-Forwarded-For")
	fwd, _ := New(lan, "Forwarded")
	client := netip.MustParseAddr("203.0.113.9")
	f.Fuzz(func(t *testing.T, value string, forwarded bool) {
		r, real, hop := xff, "203.0.113.9", "10.0.0.2"
		if forwarded {
			r, real, hop = fwd, "for=203.0.113.9", "for=10.0.0.2"
		}
		ip := func(remote string, lines ...string) netip.Addr {
			req := &http.Request{RemoteAddr: remote, Header: http.Header{r.header: lines}}
			return r.IP(req)
		}
		peer := netip.MustParseAddr("10.0.0.1")

		got := ip("10.0.0.1:1", value)
		if !got.IsValid() || got.Zone() != "" || got.Is4In6() || got.IsUnspecified() {
			t.Fatalf("IP(%q) = %v: not a plain address", value, got)
		}
		// IPv4 parsing is strict, so an IPv4 result from an IPv4-only
		// header appears in it verbatim.
		if got != peer && !strings.Contains(value, got.String()) && !strings.Contains(value, ":") {
			t.Fatalf("IP(%q) = %v: neither the peer nor in the header", value, got)
		}
		// An untrusted peer's headers never count.
		if got := ip("198.51.100.1:1", value); got != netip.MustParseAddr("198.51.100.1") {
			t.Fatalf("IP(%q) from an untrusted peer = %v", value, got)
		}
		// Whatever the client wrote, what a trusted proxy appended after
		// it wins, through any number of trusted hops.
		for _, lines := range [][]string{
			{value + ", " + real},
			{value + "," + real + "," + hop},
			{value, real},
			{value, real, hop},
			{value, real + ", " + hop, hop},
		} {
			if got := ip("10.0.0.1:1", lines...); got != client {
				t.Fatalf("IP(%q) = %v, want %v", lines, got, client)
			}
		}
	})
}
