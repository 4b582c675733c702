package main

import (
	"errors"
	"fmt"
	"net/netip"
	"strings"
)

// loopbackHost accepts only a loopback address (127.0.0.0/8, ::1, in
// brackets or not) or the name localhost, and returns the literal address
// to use: localhost becomes 127.0.0.1, so that no resolver decides where
// the load goes.
func loopbackHost(host string) (string, error) {
	h := strings.TrimSpace(host)
	if strings.EqualFold(h, "localhost") {
		return "127.0.0.1", nil
	}
	if strings.HasPrefix(h, "[") && strings.HasSuffix(h, "]") {
		h = h[1 : len(h)-1]
	}
	if h == "" {
		return "", errors.New("empty host: want 127.0.0.1, ::1 or localhost")
	}
	a, err := netip.ParseAddr(h)
	if err != nil {
		return "", fmt.Errorf("%q is not an IP address or localhost: loadgen only drives loopback", host)
	}
	if a.Zone() != "" {
		return "", fmt.Errorf("%q: zoned addresses are refused", host)
	}
	a = a.Unmap()
	if !a.IsLoopback() {
		return "", fmt.Errorf("%q is not a loopback address (127.0.0.0/8 or ::1): loadgen only drives loopback", host)
	}
	return a.String(), nil
}
