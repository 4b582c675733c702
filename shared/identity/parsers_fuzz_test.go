package identity_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"sesame/shared/identity"
)

// FuzzParseNIRWithBirthDate: the combined parser says exactly what ParseNIR
// followed by MatchesBirthDate says, and never panics on any date.
func FuzzParseNIRWithBirthDate(f *testing.F) {
	f.Add("184127512345640", 1984, 12, 25)
	f.Add("1 84 12 75 123 456 40", 2084, 12, 1)
	f.Add("184127512345640", 1985, 12, 25)
	f.Add("1842A12345678", -1, 0, 99)
	f.Add("\xff", 1<<40, -5, 0)
	f.Fuzz(func(t *testing.T, s string, year, month, day int) {
		birth := time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC)
		n, err := identity.ParseNIRWithBirthDate(s, birth)
		want, werr := identity.ParseNIR(s)
		switch {
		case werr != nil:
			if !errors.Is(err, identity.ErrNIR) || !n.IsZero() {
				t.Fatalf("ParseNIRWithBirthDate(%q) = %q, %v; ParseNIR: %v", s, n, err, werr)
			}
		case !want.MatchesBirthDate(birth):
			if !errors.Is(err, identity.ErrNIRBirthDate) || !n.IsZero() {
				t.Fatalf("ParseNIRWithBirthDate(%q, %v) = %q, %v: want ErrNIRBirthDate", s, birth, n, err)
			}
		case err != nil || n != want:
			t.Fatalf("ParseNIRWithBirthDate(%q, %v) = %q, %v; want %q", s, birth, n, err, want)
		}
	})
}

// FuzzMaskPhone: a phone number shows its last two digits and nothing
// else; anything that is not a plausible number shows nothing.
func FuzzMaskPhone(f *testing.F) {
	for _, s := range []string{"06 12 34 56 78", "+33 (0)6.12.34.56.78", "0612", "123", "1234567890123456", "", "06 12 34 56 7x", "０６１２３４５６７８", "\xff"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		out := identity.MaskPhone(p)
		if out == "***" {
			return
		}
		digits := strings.Map(func(r rune) rune {
			if '0' <= r && r <= '9' {
				return r
			}
			return -1
		}, p)
		if len(digits) < 4 || len(digits) > 15 || out != "** ** ** "+digits[len(digits)-2:] {
			t.Fatalf("MaskPhone(%q) = %q", p, out)
		}
	})
}
