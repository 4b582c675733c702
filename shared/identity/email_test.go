package identity_test

import (
	"errors"
	"strings"
	"testing"
	"unicode/utf8"

	"sesame/shared/identity"
)

func TestParseEmailValid(t *testing.T) {
	l63 := strings.Repeat("a", 63)
	tests := []struct {
		in, str, key, local, domain string
	}{
		{"thomas.martin@tutanota.com", "thomas.martin@tutanota.com", "thomas.martin@tutanota.com", "thomas.martin", "tutanota.com"},
		{" Thomas.Martin@Tutanota.COM\n", "Thomas.Martin@tutanota.com", "thomas.martin@tutanota.com", "Thomas.Martin", "tutanota.com"},
		{"\u00a0a@b.co\u202f", "a@b.co", "a@b.co", "a", "b.co"},
		{"jean@mail.example.fr", "jean@mail.example.fr", "jean@mail.example.fr", "jean", "mail.example.fr"},
		{"user+tag@example.fr", "user+tag@example.fr", "user+tag@example.fr", "user+tag", "example.fr"},
		{"o'brien@example.ie", "o'brien@example.ie", "o'brien@example.ie", "o'brien", "example.ie"},
		{"!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~@example.com", "!#$%&'*+-/=?^_`{|}~", "example.com"},
		{"a.b.c@sub-domain.example.com", "a.b.c@sub-domain.example.com", "a.b.c@sub-domain.example.com", "a.b.c", "sub-domain.example.com"},
		{"x@123.example.com", "x@123.example.com", "x@123.example.com", "x", "123.example.com"},
		{"x@example.c1", "x@example.c1", "x@example.c1", "x", "example.c1"},
		{"x@xn--cole-bpa.fr", "x@xn--cole-bpa.fr", "x@xn--cole-bpa.fr", "x", "xn--cole-bpa.fr"},
		{"jean@école.fr", "jean@école.fr", "jean@école.fr", "jean", "école.fr"},
		{"Jean@ÉCOLE.FR", "Jean@école.fr", "jean@école.fr", "Jean", "école.fr"},
		{"jean@e\u0301cole.fr", "jean@école.fr", "jean@école.fr", "jean", "école.fr"}, // decomposed é → NFC
		{"ivan@пример.рф", "ivan@пример.рф", "ivan@пример.рф", "ivan", "пример.рф"},
		{"a@" + l63 + ".fr", "a@" + l63 + ".fr", "a@" + l63 + ".fr", "a", l63 + ".fr"},
		{strings.Repeat("b", 64) + "@x.fr", strings.Repeat("b", 64) + "@x.fr", strings.Repeat("b", 64) + "@x.fr", strings.Repeat("b", 64), "x.fr"},
	}
	for _, tt := range tests {
		e, err := identity.ParseEmail(tt.in)
		if err != nil {
			t.Errorf("ParseEmail(%q): %v", tt.in, err)
			continue
		}
		if e.String() != tt.str || e.Key() != tt.key || e.Local() != tt.local || e.Domain() != tt.domain {
			t.Errorf("ParseEmail(%q) = %q key %q local %q domain %q; want %q %q %q %q",
				tt.in, e, e.Key(), e.Local(), e.Domain(), tt.str, tt.key, tt.local, tt.domain)
		}
		if k, err := identity.NormalizeEmail(tt.in); err != nil || k != tt.key {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want %q", tt.in, k, err, tt.key)
		}
		if again, err := identity.ParseEmail(e.String()); err != nil || again != e {
			t.Errorf("ParseEmail(%q) does not round-trip: %v, %v", e, again, err)
		}
	}
}

// emailOfLen returns a valid address of exactly n bytes (n ≥ 70).
func emailOfLen(n int) string {
	local := strings.Repeat("l", 64)
	rest := n - len(local) - 1 - len(".fr")
	var labels []string
	for rest > 0 {
		k := min(rest, 63)
		if rest-k == 1 { // avoid a last label of length 0 after the dot
			k--
		}
		labels = append(labels, strings.Repeat("d", k))
		rest -= k + 1
	}
	return local + "@" + strings.Join(labels, ".") + ".fr"
}

func TestParseEmailLengthLimits(t *testing.T) {
	for _, n := range []int{70, 200, 253, 254} {
		s := emailOfLen(n)
		if len(s) != n {
			t.Fatalf("emailOfLen(%d) has %d bytes", n, len(s))
		}
		if _, err := identity.ParseEmail(s); err != nil {
			t.Errorf("%d-byte address: %v", n, err)
		}
	}
	for _, n := range []int{255, 300} {
		if _, err := identity.ParseEmail(emailOfLen(n)); !errors.Is(err, identity.ErrEmail) {
			t.Errorf("%d-byte address accepted", n)
		}
	}
}

func TestParseEmailInvalid(t *testing.T) {
	long := strings.Repeat("d", 63)
	bad := []string{
		"", "   ", "@", "a@", "@b.com", "plainaddress", "a.b.com",
		"a@@b.com", "a@b@c.com", "a@localhost", "a@com",
		"a@b..com", "a@.b.com", "a@b.com.", "a@b.com..", "a@-b.com", "a@b-.com", "a@b.-com",
		"a@b_c.com", "a@b.c_m", "a@b!.com", "a@b .com", "a@b.com@", "a@b,com",
		".a@b.com", "a.@b.com", "a..b@c.com", ".@b.com",
		`"a"@b.com`, `"a b"@c.com`, "a(comment)@b.com", "(c)a@b.com", "a@b.com(c)",
		"a b@c.com", "a\tb@c.com", "<a@b.com>", "Jean <a@b.com>", "a,b@c.com", "a;b@c.com",
		"a\\b@c.com", "a[b]@c.com", "a:b@c.com",
		"a\x00@b.com", "a@b.com\x00x", "a@b.\x00com", "a\x7f@b.com", "a\x1b@b.com", "a\n@b.com",
		"a@b.c\u200d", "a@b\u200b.com", "a@b.com\u202e", "a@\u0301b.com",
		"\xff@b.com", "a@\xfe.com", "a@b.com\xc3",
		"élodie@example.fr", "jean.françois@example.fr", "ａ@b.com",
		"a@192.168.0.1", "a@[192.168.0.1]", "a@[IPv6:::1]", "a@b.123",
		"a@b.c\u00a0d", "a@b. com", "mailto:a@b.com",
		strings.Repeat("b", 65) + "@x.fr",
		"a@" + long + "d.fr",
		"a@" + long + "." + long + "." + long + "." + long + ".fr",
		strings.Repeat("a", 5000) + "@b.com",
	}
	for _, in := range bad {
		e, err := identity.ParseEmail(in)
		if !errors.Is(err, identity.ErrEmail) || !e.IsZero() {
			t.Errorf("ParseEmail(%q) = %q, %v; want ErrEmail", in, e, err)
		}
		if err != nil && len(in) > 3 && strings.Contains(err.Error(), in) {
			t.Errorf("error for %q repeats the input: %v", in, err)
		}
		if k, err := identity.NormalizeEmail(in); err == nil || k != "" {
			t.Errorf("NormalizeEmail(%q) = %q, %v; want error", in, k, err)
		}
	}
}

func TestEmailZeroValue(t *testing.T) {
	var e identity.Email
	if !e.IsZero() || e.String() != "" || e.Key() != "" || e.Local() != "" || e.Domain() != "" {
		t.Errorf("zero Email does not behave as documented")
	}
}

// Unicode case mapping and normalisation interact in odd ways (U+0130 İ
// lower-cases to two runes, U+212A KELVIN SIGN normalises to K). Check every
// code point, alone and after a letter, so that any accepted domain
// round-trips and masks.
func TestParseEmailEveryRune(t *testing.T) {
	if testing.Short() {
		t.Skip("walks all of Unicode")
	}
	for r := rune(0); r <= utf8.MaxRune; r++ {
		for _, in := range []string{"x@" + string(r) + ".fr", "x@a" + string(r) + ".fr", "x@a.a" + string(r)} {
			e, err := identity.ParseEmail(in)
			if err != nil {
				continue
			}
			if again, err := identity.ParseEmail(e.String()); err != nil || again != e {
				t.Errorf("%q → %q does not round-trip: %q, %v", in, e, again, err)
			}
			if identity.MaskEmail(in) == "***" {
				t.Errorf("%q parses but does not mask", in)
			}
		}
	}
}

func BenchmarkParseEmail(b *testing.B) {
	for name, in := range map[string]string{
		"ascii": "Thomas.Martin@Tutanota.com",
		"idn":   "jean@École.fr",
	} {
		b.Run(name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := identity.ParseEmail(in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
