package token

import (
	"strings"
	"testing"
)

func TestLink(t *testing.T) {
	seen := map[string]bool{}
	for range 1000 {
		l := NewLink()
		if !WellFormedLink(l) || len(l) != 43 || seen[l] {
			t.Fatalf("link %q: malformed or repeated", l)
		}
		seen[l] = true
	}
	for _, bad := range []string{"", "abc", strings.Repeat("a", 42), strings.Repeat("!", 43), strings.Repeat("a", 44)} {
		if WellFormedLink(bad) {
			t.Errorf("WellFormedLink(%q) = true", bad)
		}
	}
}

func TestCode(t *testing.T) {
	counts := map[byte]int{}
	for range 2000 {
		c, err := NewCode(6)
		if err != nil || !WellFormedCode(c, 6) {
			t.Fatalf("code %q, %v", c, err)
		}
		counts[c[0]]++
	}
	if len(counts) != 10 {
		t.Fatalf("first digits seen: %v (a leading zero must be possible)", counts)
	}
	if _, err := NewCode(3); err == nil {
		t.Fatal("a 3-digit code was made")
	}
	if WellFormedCode("12a4", 4) || WellFormedCode("12345", 4) {
		t.Fatal("malformed code accepted")
	}
}

func TestHasher(t *testing.T) {
	if _, err := NewHasher(make([]byte, 16)); err == nil {
		t.Fatal("short key accepted")
	}
	h, _ := NewHasher(Derive([]byte("master"), "tokens"))
	other, _ := NewHasher(Derive([]byte("master"), "other"))
	if h.Hash("reset", "x") == h.Hash("change", "x") {
		t.Fatal("purposes share digests")
	}
	if h.Hash("reset", "x") == other.Hash("reset", "x") {
		t.Fatal("keys share digests")
	}
	if h.Hash("reset", "x") != h.Hash("reset", "x") || len(h.Hash("reset", "x")) != 64 {
		t.Fatal("digest not stable")
	}
}

func FuzzWellFormed(f *testing.F) {
	f.Add("abc", 6)
	f.Fuzz(func(t *testing.T, s string, n int) {
		if WellFormedLink(s) && len(s) != 43 {
			t.Fatalf("%q", s)
		}
		if WellFormedCode(s, n%12) && strings.Trim(s, "0123456789") != "" {
			t.Fatalf("%q", s)
		}
	})
}
