package passkey

import (
	"slices"
	"testing"
)

// TestRelyingParty: the RP ID is the public URL's bare host, the origin
// its scheme://host[:port] as a browser writes it.
func TestRelyingParty(t *testing.T) {
	for _, tc := range []struct {
		url, id, origin string
	}{
		{"http://localhost:8000", "localhost", "http://localhost:8000"},
		{"https://Sesame.Example.FR", "sesame.example.fr", "https://sesame.example.fr"},
		{"https://sesame.example.fr:443", "sesame.example.fr", "https://sesame.example.fr"},
		{"https://sesame.example.fr:8443", "sesame.example.fr", "https://sesame.example.fr:8443"},
		{"http://sesame.test:80", "sesame.test", "http://sesame.test"},
	} {
		rp, err := RelyingParty(tc.url)
		if err != nil {
			t.Errorf("%s: %v", tc.url, err)
			continue
		}
		if rp.Config.RPID != tc.id || !slices.Equal(rp.Config.RPOrigins, []string{tc.origin}) || rp.Config.RPDisplayName != DisplayName {
			t.Errorf("%s: RP ID %q, origins %q, name %q", tc.url, rp.Config.RPID, rp.Config.RPOrigins, rp.Config.RPDisplayName)
		}
	}
	for _, bad := range []string{"http://127.0.0.1:8000", "http://[::1]:8000", "ftp://sesame.test", "", "sesame.test"} {
		if _, err := RelyingParty(bad); err == nil {
			t.Errorf("%q accepted as relying party", bad)
		}
	}
}

// TestCleanName: names are trimmed and folded; control characters and
// over-long names are refused.
func TestCleanName(t *testing.T) {
	for _, tc := range []struct {
		in, out string
		ok      bool
	}{
		{"", "", true},
		{"  Téléphone \t de  Léa ", "Téléphone de Léa", true},
		{"a\nb", "a b", true},
		{"a\x07b", "", false},
		{"a\u2028b", "", false},
		{"\xff", "", false},
		{string(make([]rune, MaxNameRunes)), "", false}, // 64 NULs
	} {
		out, ok := cleanName(tc.in)
		if ok != tc.ok || ok && out != tc.out {
			t.Errorf("cleanName(%q) = %q, %v; want %q, %v", tc.in, out, ok, tc.out, tc.ok)
		}
	}
	long := ""
	for range MaxNameRunes {
		long += "é"
	}
	if out, ok := cleanName(long); !ok || out != long {
		t.Errorf("a name of %d characters refused", MaxNameRunes)
	}
	if _, ok := cleanName(long + "é"); ok {
		t.Errorf("a name of %d characters accepted", MaxNameRunes+1)
	}
}
