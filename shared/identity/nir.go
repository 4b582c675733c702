package identity

import "time"

// NIR is a validated French social security number ("numéro d'inscription
// au répertoire", 13 characters plus a 2-digit key). The zero value is not a
// valid NIR; see IsZero.
//
// A NIR is comparable: two NIRs are equal when they denote the same number,
// whatever spacing or case was typed.
type NIR struct {
	s string // canonical: 15 characters, digits except 2A/2B, no spaces
}

const nirLen = 15

// ParseNIR validates a social security number as typed by a member.
//
// Spaces (see the package documentation) are ignored anywhere. What is left
// must be 15 characters: sex (1), birth year (2), birth month (2),
// department (2), commune (3), order number (3), key (2). Checks, in order:
//
//   - only digits, except "2A"/"2B" (Corsica, any case) as department:
//     ErrNIRCharacters;
//   - 15 characters: ErrNIRLength;
//   - sex digit 1 or 2, or 3, 4, 7, 8 (numbers issued to people born abroad
//     and temporary numbers, "NIA"/"NTT"); month 01–12, or 20–42 and 50–99,
//     which INSEE uses when the birth month is unknown: ErrNIRFormat;
//   - key = 97 − (N mod 97), where N is the first 13 characters read as a
//     number after replacing 2A by 19 and 2B by 18: ErrNIRKey. A key of 00
//     or above 97 can never match and is reported the same way.
//
// The department, commune and order number are not checked against INSEE
// lists: the lists change and the key already catches typing mistakes.
func ParseNIR(s string) (NIR, error) {
	var buf [nirLen]byte
	// n counts significant characters; only the first 15 are stored. Invalid
	// UTF-8 decodes to RuneError and is rejected like any other character.
	n := 0
	for _, r := range s {
		switch {
		case isSpace(r):
			continue
		case '0' <= r && r <= '9':
		case n == 6 && buf[5] == '2' && (r == 'A' || r == 'B'):
		case n == 6 && buf[5] == '2' && (r == 'a' || r == 'b'):
			r -= 'a' - 'A' // Corsica codes are stored upper-case
		default:
			// Reported even when the length is also wrong: "1 84 12 75 ABC"
			// is mistyped, not short.
			return NIR{}, ErrNIRCharacters
		}
		if n < nirLen {
			buf[n] = byte(r)
		}
		n++
	}
	if n != nirLen {
		return NIR{}, ErrNIRLength
	}
	if !validSex(buf[0]) || !validMonthCode(num2(buf[3], buf[4])) {
		return NIR{}, ErrNIRFormat
	}
	if num2(buf[13], buf[14]) != nirKey(buf[:13]) {
		return NIR{}, ErrNIRKey
	}
	return NIR{s: string(buf[:])}, nil
}

// ParseNIRWithBirthDate is ParseNIR followed by MatchesBirthDate: it returns
// ErrNIRBirthDate when the NIR is valid but was not issued for someone born
// on birth (see MatchesBirthDate for what is compared).
func ParseNIRWithBirthDate(s string, birth time.Time) (NIR, error) {
	n, err := ParseNIR(s)
	if err != nil {
		return NIR{}, err
	}
	if !n.MatchesBirthDate(birth) {
		return NIR{}, ErrNIRBirthDate
	}
	return n, nil
}

func validSex(c byte) bool {
	switch c {
	case '1', '2', '3', '4', '7', '8':
		return true
	}
	return false
}

// validMonthCode accepts calendar months and the codes INSEE assigns when
// the month is unknown (20–42, 50–99); 00, 13–19 and 43–49 are never issued.
func validMonthCode(m int) bool {
	return 1 <= m && m <= 12 || 20 <= m && m <= 42 || 50 <= m && m <= 99
}

func num2(a, b byte) int { return int(a-'0')*10 + int(b-'0') }

// nirKey computes 97 − (N mod 97) over the 13 canonical characters, 2A and
// 2B counting as 19 and 18 as INSEE specifies. N < 10^13 fits in a uint64,
// but reducing as we go keeps the arithmetic obviously overflow-free.
func nirKey(d []byte) int {
	var r uint64
	for i := 0; i < 13; i++ {
		c := d[i]
		if i == 5 && (d[6] == 'A' || d[6] == 'B') {
			c = '1'
		}
		if i == 6 {
			switch c {
			case 'A':
				c = '9'
			case 'B':
				c = '8'
			}
		}
		r = (r*10 + uint64(c-'0')) % 97
	}
	return 97 - int(r)
}

// IsZero reports whether n is the zero NIR, which no parser returns.
func (n NIR) IsZero() bool { return n.s == "" }

// String returns the canonical form: 15 characters, no spaces, upper-case
// 2A/2B. It is the form to store and compare. The zero NIR yields "".
func (n NIR) String() string { return n.s }

// Formatted returns the NIR grouped as printed on the carte Vitale:
// "1 84 12 75 123 456 78" (sex, year, month, department, commune, order,
// key). The zero NIR yields "".
func (n NIR) Formatted() string {
	if len(n.s) != nirLen {
		return ""
	}
	s := n.s
	return s[0:1] + " " + s[1:3] + " " + s[3:5] + " " + s[5:7] + " " +
		s[7:10] + " " + s[10:13] + " " + s[13:15]
}

// Digits13 returns the 13 characters before the key (2A/2B kept as
// letters). The zero NIR yields "".
func (n NIR) Digits13() string {
	if len(n.s) != nirLen {
		return ""
	}
	return n.s[:13]
}

// BirthYear2 returns the last two digits of the birth year (0–99). The
// century is not encoded in a NIR. The zero NIR yields 0.
func (n NIR) BirthYear2() int {
	if len(n.s) != nirLen {
		return 0
	}
	return num2(n.s[1], n.s[2])
}

// BirthMonth returns the birth month, 1–12, or 0 when the NIR carries one
// of the "month unknown" codes (20–42, 50–99) or n is the zero NIR.
func (n NIR) BirthMonth() int {
	if len(n.s) != nirLen {
		return 0
	}
	if m := num2(n.s[3], n.s[4]); m <= 12 {
		return m
	}
	return 0
}

// MatchesBirthDate reports whether n may have been issued for someone born
// on t. It compares the last two digits of the year and, when the NIR
// encodes a calendar month, the month; the day is not encoded. t is read in
// its own location, so pass a date at UTC midnight as ParseBirthDate
// returns. The zero NIR matches nothing.
func (n NIR) MatchesBirthDate(t time.Time) bool {
	if n.IsZero() {
		return false
	}
	y, m, _ := t.Date()
	if (y%100+100)%100 != n.BirthYear2() {
		return false
	}
	bm := n.BirthMonth()
	return bm == 0 || bm == int(m)
}
