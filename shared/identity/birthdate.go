package identity

import (
	"strings"
	"time"
)

// ParseBirthDate parses a birth date typed by a member and returns it at
// midnight UTC, so that dates compare with == and print the same everywhere.
//
// Accepted forms, after trimming surrounding spaces:
//
//   - "YYYY-MM-DD", the form APIs and <input type=date> send;
//   - "JJ/MM/AAAA", what French users type, with one- or two-digit day and
//     month ("5/3/1984" too). The year always has four digits: a two-digit
//     year would be ambiguous across centuries.
//
// It returns ErrBirthDateFormat for anything else, ErrBirthDateInvalid for a
// day the calendar does not have (31/02/1984, month 13) and
// ErrBirthDateRange for dates before 1900-01-01 or after now's calendar day
// (read in now's location, so that someone born "today" where they live is
// accepted). now is a parameter so the package keeps no clock.
func ParseBirthDate(s string, now time.Time) (time.Time, error) {
	s = strings.TrimFunc(s, isSpace)
	var y, m, d int
	var ok bool
	if strings.IndexByte(s, '/') >= 0 {
		d, m, y, ok = parseSlashed(s)
	} else {
		y, m, d, ok = parseISO(s)
	}
	if !ok {
		return time.Time{}, ErrBirthDateFormat
	}
	if m < 1 || m > 12 || d < 1 || d > daysIn(time.Month(m), y) {
		return time.Time{}, ErrBirthDateInvalid
	}
	t := time.Date(y, time.Month(m), d, 0, 0, 0, 0, time.UTC)
	ny, nm, nd := now.Date()
	today := time.Date(ny, nm, nd, 0, 0, 0, 0, time.UTC)
	if y < 1900 || t.After(today) {
		return time.Time{}, ErrBirthDateRange
	}
	return t, nil
}

// parseISO reads exactly "YYYY-MM-DD".
func parseISO(s string) (y, m, d int, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return 0, 0, 0, false
	}
	y, ok1 := atoi(s[0:4])
	m, ok2 := atoi(s[5:7])
	d, ok3 := atoi(s[8:10])
	return y, m, d, ok1 && ok2 && ok3
}

// parseSlashed reads "J/M/AAAA" with 1–2 digit day and month.
func parseSlashed(s string) (d, m, y int, ok bool) {
	ds, rest, ok1 := strings.Cut(s, "/")
	ms, ys, ok2 := strings.Cut(rest, "/")
	if !ok1 || !ok2 || len(ds) < 1 || len(ds) > 2 || len(ms) < 1 || len(ms) > 2 || len(ys) != 4 {
		return 0, 0, 0, false
	}
	d, ok1 = atoi(ds)
	m, ok2 = atoi(ms)
	y, ok3 := atoi(ys)
	return d, m, y, ok1 && ok2 && ok3
}

// atoi parses a short run of ASCII digits (strconv would also take signs).
func atoi(s string) (int, bool) {
	v := 0
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return 0, false
		}
		v = v*10 + int(s[i]-'0')
	}
	return v, len(s) > 0
}

// daysIn returns the number of days in month m of year y (Gregorian).
func daysIn(m time.Month, y int) int {
	// Day 0 of the next month normalises to the last day of m.
	return time.Date(y, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}
