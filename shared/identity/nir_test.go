package identity_test

import (
	"errors"
	"fmt"
	"math/big"
	"strings"
	"testing"
	"time"

	"sesame/shared/identity"
)

// refKey computes a NIR key with math/big and string substitution, so the
// tests do not share the implementation's digit-by-digit arithmetic.
func refKey(body13 string) string {
	switch strings.ToUpper(body13[5:7]) {
	case "2A":
		body13 = body13[:5] + "19" + body13[7:]
	case "2B":
		body13 = body13[:5] + "18" + body13[7:]
	}
	n, ok := new(big.Int).SetString(body13, 10)
	if !ok {
		return "??"
	}
	k := 97 - new(big.Int).Mod(n, big.NewInt(97)).Int64()
	return fmt.Sprintf("%02d", k)
}

// withKey appends the correct key to a 13-character body.
func withKey(body13 string) string { return body13 + refKey(body13) }

func TestRefKeyKnownValues(t *testing.T) {
	// Keys computed by hand (and checked with a calculator) so refKey
	// itself is anchored; the second one is INSEE's published example.
	for body, key := range map[string]string{
		"1841275123456": "40",
		"2690549588157": "80",
		"184022A123456": "34",
		"184022B123456": "61",
	} {
		if got := refKey(body); got != key {
			t.Errorf("refKey(%s) = %s, want %s", body, got, key)
		}
	}
}

func TestParseNIR(t *testing.T) {
	tests := []struct {
		name, in, want string
		err            error
	}{
		{"compact", "184127512345640", "184127512345640", nil},
		{"spaces", "1 84 12 75 123 456 40", "184127512345640", nil},
		{"published example", "2 69 05 49 588 157 80", "269054958815780", nil},
		{"nbsp", "1\u00a084\u00a012\u00a075\u00a0123\u00a0456\u00a040", "184127512345640", nil},
		{"narrow nbsp", "1\u202f84\u202f12\u202f75\u202f123\u202f456\u202f40", "184127512345640", nil},
		{"tabs and newline", "\t1 84 12 75 123 456 40\r\n", "184127512345640", nil},
		{"irregular spacing", "18 412 7512 34 5640", "184127512345640", nil},
		{"2A", "1 84 02 2A 123 456 34", "184022A12345634", nil},
		{"2a lower case", "1 84 02 2a 123 456 34", "184022A12345634", nil},
		{"2B", "1 84 02 2B 123 456 61", "184022B12345661", nil},
		{"2b lower case", "184022b12345661", "184022B12345661", nil},
		{"month code 20", withKey("1842099123456"), withKey("1842099123456"), nil},
		{"month code 42", withKey("2844299123456"), withKey("2844299123456"), nil},
		{"month code 50", withKey("1785099123456"), withKey("1785099123456"), nil},
		{"month code 99", withKey("1789999123456"), withKey("1789999123456"), nil},
		{"sex 3", withKey("3841275123456"), withKey("3841275123456"), nil},
		{"sex 4", withKey("4841275123456"), withKey("4841275123456"), nil},
		{"sex 7", withKey("7841275123456"), withKey("7841275123456"), nil},
		{"sex 8", withKey("8841275123456"), withKey("8841275123456"), nil},
		{"key 97", "184127512339997", "184127512339997", nil},

		{"bad key", "1 84 12 75 123 456 41", "", identity.ErrNIRKey},
		{"swapped digits", "1 84 12 75 213 456 40", "", identity.ErrNIRKey},
		{"2A with 2B key", "1 84 02 2A 123 456 61", "", identity.ErrNIRKey},
		{"2B with 2A key", "1 84 02 2B 123 456 34", "", identity.ErrNIRKey},
		{"2A keyed as 20", "184022A123456" + refKey("1840220123456"), "", identity.ErrNIRKey},
		{"key 00", "1 84 12 75 123 456 00", "", identity.ErrNIRKey},
		{"key 98", "1 84 12 75 123 456 98", "", identity.ErrNIRKey},
		{"key 99", "1 84 12 75 123 456 99", "", identity.ErrNIRKey},

		{"empty", "", "", identity.ErrNIRLength},
		{"only spaces", "   \u00a0", "", identity.ErrNIRLength},
		{"14 chars", "18412751234564", "", identity.ErrNIRLength},
		{"16 chars", "1841275123456400", "", identity.ErrNIRLength},
		{"13 chars no key", "1841275123456", "", identity.ErrNIRLength},

		{"dots", "1.84.12.75.123.456.40", "", identity.ErrNIRCharacters},
		{"dashes", "1-84-12-75-123-456-40", "", identity.ErrNIRCharacters},
		{"letters", "1 84 12 75 ABC 456 40", "", identity.ErrNIRCharacters},
		{"short with letters", "1 84 12 75 ABC", "", identity.ErrNIRCharacters},
		{"2C", "1 84 02 2C 123 456 34", "", identity.ErrNIRCharacters},
		{"3A", "1 84 02 3A 123 456 34", "", identity.ErrNIRCharacters},
		{"A2", "1 84 02 A2 123 456 34", "", identity.ErrNIRCharacters},
		{"2A at wrong place", "1 84 2A 02 123 456 34", "", identity.ErrNIRCharacters},
		{"letter O for zero", "1 84 12 75 123 456 4O", "", identity.ErrNIRCharacters},
		{"fullwidth digit", "１84127512345640", "", identity.ErrNIRCharacters},
		{"arabic-indic digit", "١84127512345640", "", identity.ErrNIRCharacters},
		{"invalid utf-8", "18412751234564\xff", "", identity.ErrNIRCharacters},
		{"NUL", "18412751234564\x000", "", identity.ErrNIRCharacters},
		{"other unicode space", "1\u200984127512345640", "", identity.ErrNIRCharacters},

		{"sex 0", withKey("0841275123456"), "", identity.ErrNIRFormat},
		{"sex 5", withKey("5841275123456"), "", identity.ErrNIRFormat},
		{"sex 6", withKey("6841275123456"), "", identity.ErrNIRFormat},
		{"sex 9", withKey("9841275123456"), "", identity.ErrNIRFormat},
		{"month 00", withKey("1840075123456"), "", identity.ErrNIRFormat},
		{"month 13", withKey("1841375123456"), "", identity.ErrNIRFormat},
		{"month 19", withKey("1841975123456"), "", identity.ErrNIRFormat},
		{"month 43", withKey("1844375123456"), "", identity.ErrNIRFormat},
		{"month 49", withKey("1844975123456"), "", identity.ErrNIRFormat},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := identity.ParseNIR(tt.in)
			if tt.err != nil {
				if !errors.Is(err, tt.err) || !errors.Is(err, identity.ErrNIR) {
					t.Fatalf("ParseNIR(%q) error = %v, want %v", tt.in, err, tt.err)
				}
				if !n.IsZero() {
					t.Errorf("ParseNIR(%q) returned %q with an error", tt.in, n)
				}
				return
			}
			if err != nil {
				t.Fatalf("ParseNIR(%q) error = %v", tt.in, err)
			}
			if n.String() != tt.want {
				t.Errorf("ParseNIR(%q) = %q, want %q", tt.in, n, tt.want)
			}
		})
	}
}

func TestNIRAccessors(t *testing.T) {
	tests := []struct {
		in, formatted, digits13 string
		year, month             int
	}{
		{"184127512345640", "1 84 12 75 123 456 40", "1841275123456", 84, 12},
		{"269054958815780", "2 69 05 49 588 157 80", "2690549588157", 69, 5},
		{"1 84 02 2a 123 456 34", "1 84 02 2A 123 456 34", "184022A123456", 84, 2},
		{withKey("1783099123456"), "1 78 30 99 123 456 " + refKey("1783099123456"), "1783099123456", 78, 0},
		{withKey("1005099123456"), "1 00 50 99 123 456 " + refKey("1005099123456"), "1005099123456", 0, 0},
	}
	for _, tt := range tests {
		n, err := identity.ParseNIR(tt.in)
		if err != nil {
			t.Fatalf("ParseNIR(%q): %v", tt.in, err)
		}
		if got := n.Formatted(); got != tt.formatted {
			t.Errorf("%q.Formatted() = %q, want %q", tt.in, got, tt.formatted)
		}
		if got := n.Digits13(); got != tt.digits13 {
			t.Errorf("%q.Digits13() = %q, want %q", tt.in, got, tt.digits13)
		}
		if got := n.BirthYear2(); got != tt.year {
			t.Errorf("%q.BirthYear2() = %d, want %d", tt.in, got, tt.year)
		}
		if got := n.BirthMonth(); got != tt.month {
			t.Errorf("%q.BirthMonth() = %d, want %d", tt.in, got, tt.month)
		}
		if m, err := identity.ParseNIR(n.Formatted()); err != nil || m != n {
			t.Errorf("Formatted() of %q does not re-parse: %v, %v", tt.in, m, err)
		}
	}
}

func TestNIRZeroValue(t *testing.T) {
	var n identity.NIR
	if !n.IsZero() || n.String() != "" || n.Formatted() != "" || n.Digits13() != "" ||
		n.BirthYear2() != 0 || n.BirthMonth() != 0 || n.MatchesBirthDate(time.Now()) {
		t.Errorf("zero NIR does not behave as documented")
	}
}

func date(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestNIRBirthDate(t *testing.T) {
	special := withKey("1843099123456") // month unknown (code 30)
	tests := []struct {
		name, nir string
		birth     time.Time
		match     bool
	}{
		{"same month and year", "184127512345640", date(1984, 12, 5), true},
		{"other century", "184127512345640", date(1884, 12, 31), true},
		{"wrong month", "184127512345640", date(1984, 11, 5), false},
		{"wrong year", "184127512345640", date(1985, 12, 5), false},
		{"year 2000 is 00", withKey("1000175123456"), date(2000, 1, 1), true},
		{"special month any month", special, date(1984, 7, 14), true},
		{"special month wrong year", special, date(1983, 7, 14), false},
		{"Paris time read as is", "184127512345640", time.Date(1984, 12, 1, 0, 30, 0, 0, time.FixedZone("CET", 3600)), true},
		{"2A", "1 84 02 2A 123 456 34", date(1984, 2, 29), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			n, err := identity.ParseNIR(tt.nir)
			if err != nil {
				t.Fatal(err)
			}
			if got := n.MatchesBirthDate(tt.birth); got != tt.match {
				t.Errorf("MatchesBirthDate(%v) = %v, want %v", tt.birth, got, tt.match)
			}
			m, err := identity.ParseNIRWithBirthDate(tt.nir, tt.birth)
			switch {
			case tt.match && (err != nil || m != n):
				t.Errorf("ParseNIRWithBirthDate = %v, %v; want %v", m, err, n)
			case !tt.match && (!errors.Is(err, identity.ErrNIRBirthDate) || !errors.Is(err, identity.ErrNIR) || !m.IsZero()):
				t.Errorf("ParseNIRWithBirthDate = %v, %v; want ErrNIRBirthDate", m, err)
			}
		})
	}
	// A malformed NIR reports its own error, not a birth-date mismatch.
	if _, err := identity.ParseNIRWithBirthDate("184127512345641", date(1984, 12, 5)); !errors.Is(err, identity.ErrNIRKey) {
		t.Errorf("bad key with birth date: %v, want ErrNIRKey", err)
	}
}

func ExampleParseNIR() {
	n, err := identity.ParseNIR("2 69 05 49 588 157 80")
	fmt.Println(n, n.Formatted(), err)
	_, err = identity.ParseNIR("2 69 05 49 588 157 81")
	fmt.Println(err)
	// Output:
	// 269054958815780 2 69 05 49 588 157 80 <nil>
	// identity: invalid social security number: wrong control key
}

func BenchmarkParseNIR(b *testing.B) {
	for _, bc := range []struct{ name, in string }{
		{"compact", "269054958815780"},
		{"spaced", "2 69 05 49 588 157 80"},
		{"nbsp-2A", "1\u00a084\u00a002\u00a02A\u00a0123\u00a0456\u00a034"},
	} {
		b.Run(bc.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := identity.ParseNIR(bc.in); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
