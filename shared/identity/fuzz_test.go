package identity_test

import (
	"errors"
	"strings"
	"testing"
	"time"
	"unicode"
	"unicode/utf8"

	"sesame/shared/identity"
)

func FuzzParseNIR(f *testing.F) {
	for _, s := range []string{
		"184127512345640", "1 84 12 75 123 456 40", "1 84 02 2a 123 456 34",
		"184022B12345661", "1\u00a084\u202f12", "1.84.12", "", "\xff", "184127512345641",
		withKey("1843099123456"), withKey("5841275123456"),
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		n, err := identity.ParseNIR(s)
		if err != nil {
			if !errors.Is(err, identity.ErrNIR) || !n.IsZero() {
				t.Fatalf("ParseNIR(%q) = %q, %v", s, n, err)
			}
			return
		}
		c := n.String()
		if len(c) != 15 || refKey(c[:13]) != c[13:] || n.Digits13() != c[:13] {
			t.Fatalf("ParseNIR(%q) = %q: not canonical or wrong key", s, c)
		}
		for _, form := range []string{c, n.Formatted(), strings.ToLower(n.Formatted())} {
			if m, err := identity.ParseNIR(form); err != nil || m != n {
				t.Fatalf("%q does not re-parse to %q: %q, %v", form, c, m, err)
			}
		}
		// The canonical form is the input minus the documented spaces.
		stripped := strings.Map(func(r rune) rune {
			if r == '\u00a0' || r == '\u202f' || r < 0x80 && unicode.IsSpace(r) {
				return -1
			}
			return unicode.ToUpper(r)
		}, s)
		if stripped != c {
			t.Fatalf("ParseNIR(%q) = %q, want %q", s, c, stripped)
		}
		y, m := n.BirthYear2(), n.BirthMonth()
		if y < 0 || y > 99 || m < 0 || m > 12 {
			t.Fatalf("%q: year %d month %d", c, y, m)
		}
		birth := date(1900+y, time.Month(max(m, 1)), 1)
		if !n.MatchesBirthDate(birth) || !n.MatchesBirthDate(birth.AddDate(100, 0, 0)) {
			t.Fatalf("%q does not match %v", c, birth)
		}
		if n.MatchesBirthDate(birth.AddDate(1, 0, 0)) {
			t.Fatalf("%q matches the next year", c)
		}
	})
}

func FuzzParseBirthDate(f *testing.F) {
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC).Unix()
	for _, s := range []string{"1984-12-05", "05/12/1984", "5/3/1984", "31/02/1984", "2024-06-16", "1899-12-31", "", "//", "1/1/0000"} {
		f.Add(s, now)
	}
	f.Fuzz(func(t *testing.T, s string, nowUnix int64) {
		// Keep now within years time.Time handles without surprises.
		const lo, hi = -5e10, 5e10
		nowT := time.Unix(min(max(nowUnix, lo), hi), 0).UTC()
		d, err := identity.ParseBirthDate(s, nowT)
		if err != nil {
			if !errors.Is(err, identity.ErrBirthDate) || !d.IsZero() {
				t.Fatalf("ParseBirthDate(%q) = %v, %v", s, d, err)
			}
			return
		}
		if d.Location() != time.UTC || d.Hour()|d.Minute()|d.Second()|d.Nanosecond() != 0 {
			t.Fatalf("ParseBirthDate(%q) = %v: not UTC midnight", s, d)
		}
		if d.Year() < 1900 || d.After(nowT) {
			t.Fatalf("ParseBirthDate(%q) = %v: out of range (now %v)", s, d, nowT)
		}
		for _, layout := range []string{"2006-01-02", "02/01/2006", "2/1/2006"} {
			if again, err := identity.ParseBirthDate(d.Format(layout), nowT); err != nil || !again.Equal(d) {
				t.Fatalf("%v in layout %q does not re-parse: %v, %v", d, layout, again, err)
			}
		}
	})
}

func FuzzParseMemberNumber(f *testing.F) {
	for _, s := range []string{"123456", "12 34 56 78", "0012345678", "12345", "12345678901", "12a456", "\u00a0123456", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := identity.ParseMemberNumber(s)
		if err != nil {
			if !errors.Is(err, identity.ErrMemberNumber) || got != "" {
				t.Fatalf("ParseMemberNumber(%q) = %q, %v", s, got, err)
			}
			return
		}
		if len(got) < 6 || len(got) > 10 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("ParseMemberNumber(%q) = %q", s, got)
		}
		if strings.Map(func(r rune) rune {
			if r == '\u00a0' || r == '\u202f' || r < 0x80 && unicode.IsSpace(r) {
				return -1
			}
			return r
		}, s) != got {
			t.Fatalf("ParseMemberNumber(%q) = %q: not the input minus spaces", s, got)
		}
		if again, err := identity.ParseMemberNumber(got); err != nil || again != got {
			t.Fatalf("%q does not re-parse", got)
		}
	})
}

func FuzzParseEmail(f *testing.F) {
	for _, s := range []string{
		"thomas.martin@tutanota.com", " Thomas@Tutanota.COM ", "jean@École.fr", "jean@e\u0301cole.fr",
		"a@b", "a..b@c.com", `"a"@b.com`, "a@b.123", "a@İ.com", "a@ß.de", "a@\u212a.com", "\xff@b.com", "",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		e, err := identity.ParseEmail(s)
		if err != nil {
			if !errors.Is(err, identity.ErrEmail) || !e.IsZero() {
				t.Fatalf("ParseEmail(%q) = %q, %v", s, e, err)
			}
			return
		}
		str := e.String()
		if len(str) > 254 || !utf8.ValidString(str) || strings.Count(str, "@") != 1 ||
			str != e.Local()+"@"+e.Domain() || !strings.Contains(e.Domain(), ".") {
			t.Fatalf("ParseEmail(%q) = %q: invariant broken", s, str)
		}
		for _, r := range str {
			if unicode.IsControl(r) || unicode.IsSpace(r) || unicode.Is(unicode.Cf, r) {
				t.Fatalf("ParseEmail(%q) = %q contains %U", s, str, r)
			}
		}
		if e.Domain() != strings.ToLower(e.Domain()) {
			t.Fatalf("domain %q not lower-case", e.Domain())
		}
		if !strings.HasPrefix(strings.TrimFunc(s, func(r rune) bool {
			return r == '\u00a0' || r == '\u202f' || r < 0x80 && unicode.IsSpace(r)
		}), e.Local()+"@") {
			t.Fatalf("ParseEmail(%q): local part %q not kept as typed", s, e.Local())
		}
		again, err := identity.ParseEmail(str)
		if err != nil || again != e {
			t.Fatalf("ParseEmail(%q) = %q does not round-trip: %q, %v", s, str, again, err)
		}
		if k, err := identity.NormalizeEmail(str); err != nil || k != e.Key() || k != strings.ToLower(e.Local())+"@"+e.Domain() {
			t.Fatalf("NormalizeEmail(%q) = %q, %v; Key %q", str, k, err, e.Key())
		}
		if k2, err := identity.NormalizeEmail(e.Key()); err != nil || k2 != e.Key() {
			t.Fatalf("Key %q is not a fixed point: %q, %v", e.Key(), k2, err)
		}
		if identity.MaskEmail(s) == "***" {
			t.Fatalf("valid address %q masks to ***", s)
		}
	})
}

func FuzzMaskEmail(f *testing.F) {
	for _, s := range []string{
		"thomas.martin@tutanota.com", "jean@mail.example.fr", "élodie@free.fr", "jean@École.fr",
		"", "@", "a@", "a@b", "a@b.", "\xff", "a@b@c.com", "\u0301@b.com", "日本@例え.jp",
	} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		out := identity.MaskEmail(s)
		if out == "***" {
			return
		}
		// Shape: F***@L***.TLD with F and L single runes.
		first, n1 := utf8.DecodeRuneInString(out)
		rest, ok := strings.CutPrefix(out[n1:], "***@")
		if !ok {
			t.Fatalf("MaskEmail(%q) = %q: bad shape", s, out)
		}
		label, n2 := utf8.DecodeRuneInString(rest)
		tld, ok := strings.CutPrefix(rest[n2:], "***.")
		if !ok || first == utf8.RuneError || label == utf8.RuneError || tld == "" || strings.Contains(tld, ".") {
			t.Fatalf("MaskEmail(%q) = %q: bad shape", s, out)
		}
		// Besides the TLD, exactly two characters of the address show.
		if c := utf8.RuneCountInString(out) - utf8.RuneCountInString(tld); c != 2+len("***@***.") {
			t.Fatalf("MaskEmail(%q) = %q reveals %d characters", s, out, c-8)
		}
		// They are the first characters of the local part and of the domain,
		// and tld is the domain's last label, as ParseEmail sees it.
		trimmed := strings.TrimFunc(s, func(r rune) bool {
			return r == '\u00a0' || r == '\u202f' || r < 0x80 && unicode.IsSpace(r)
		})
		if r, _ := utf8.DecodeRuneInString(trimmed); r != first {
			t.Fatalf("MaskEmail(%q) = %q: first rune %q is not the input's", s, out, first)
		}
		at := strings.LastIndexByte(trimmed, '@')
		e, err := identity.ParseEmail("x@" + trimmed[at+1:])
		if err != nil {
			t.Fatalf("MaskEmail(%q) = %q but its domain does not parse: %v", s, out, err)
		}
		d := e.Domain()
		if r, _ := utf8.DecodeRuneInString(d); r != label || !strings.HasSuffix(d, "."+tld) {
			t.Fatalf("MaskEmail(%q) = %q, domain %q", s, out, d)
		}
	})
}
