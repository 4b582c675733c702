package policy

import (
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// FuzzNormalize: setting and verifying a password see the same string
// whatever normal form the browser sent: Normalize is NFC, idempotent, and
// maps the NFC and NFD forms of a password to one string.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"", "Clé", "Cle\u0301", "\u212b", "e\u0301\u0301\u0323", "\xff\xfe", "한국어", "ﬁ"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n := Normalize(s)
		if Normalize(n) != n {
			t.Fatalf("Normalize(%q) = %q is not a fixed point", s, n)
		}
		if !utf8.ValidString(s) {
			return
		}
		if !utf8.ValidString(n) || !norm.NFC.IsNormalString(n) {
			t.Fatalf("Normalize(%q) = %q is not NFC", s, n)
		}
		if Normalize(norm.NFD.String(s)) != n || Normalize(norm.NFC.String(s)) != n {
			t.Fatalf("Normalize(%q): the NFC and NFD forms differ", s)
		}
	})
}
