package identity_test

import (
	"errors"
	"testing"
	"time"

	"sesame/shared/identity"
)

func TestParseBirthDate(t *testing.T) {
	now := time.Date(2024, 6, 15, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		err  error
	}{
		{"1984-12-05", date(1984, 12, 5), nil},
		{"05/12/1984", date(1984, 12, 5), nil},
		{"5/12/1984", date(1984, 12, 5), nil},
		{"5/3/1984", date(1984, 3, 5), nil},
		{"05/3/1984", date(1984, 3, 5), nil},
		{" 05/12/1984 ", date(1984, 12, 5), nil},
		{"\u00a005/12/1984\u202f", date(1984, 12, 5), nil},
		{"1984-12-05\n", date(1984, 12, 5), nil},
		{"29/02/2000", date(2000, 2, 29), nil},
		{"29/02/1984", date(1984, 2, 29), nil},
		{"31/12/1999", date(1999, 12, 31), nil},
		{"1900-01-01", date(1900, 1, 1), nil},
		{"2024-06-15", date(2024, 6, 15), nil}, // born today

		{"31/02/1984", time.Time{}, identity.ErrBirthDateInvalid},
		{"29/02/1985", time.Time{}, identity.ErrBirthDateInvalid},
		{"29/02/1900", time.Time{}, identity.ErrBirthDateInvalid}, // not a leap year
		{"31/04/1984", time.Time{}, identity.ErrBirthDateInvalid},
		{"00/01/1984", time.Time{}, identity.ErrBirthDateInvalid},
		{"32/01/1984", time.Time{}, identity.ErrBirthDateInvalid},
		{"01/13/1984", time.Time{}, identity.ErrBirthDateInvalid},
		{"01/00/1984", time.Time{}, identity.ErrBirthDateInvalid},
		{"1984-00-10", time.Time{}, identity.ErrBirthDateInvalid},
		{"1984-02-30", time.Time{}, identity.ErrBirthDateInvalid},
		{"12/31/1984", time.Time{}, identity.ErrBirthDateInvalid}, // US order

		{"1899-12-31", time.Time{}, identity.ErrBirthDateRange},
		{"0000-01-01", time.Time{}, identity.ErrBirthDateRange},
		{"2024-06-16", time.Time{}, identity.ErrBirthDateRange},
		{"01/01/2025", time.Time{}, identity.ErrBirthDateRange},
		{"9999-12-31", time.Time{}, identity.ErrBirthDateRange},

		{"", time.Time{}, identity.ErrBirthDateFormat},
		{"   ", time.Time{}, identity.ErrBirthDateFormat},
		{"05/12/84", time.Time{}, identity.ErrBirthDateFormat},
		{"84-12-05", time.Time{}, identity.ErrBirthDateFormat},
		{"1984-1-5", time.Time{}, identity.ErrBirthDateFormat},
		{"1984/12/05", time.Time{}, identity.ErrBirthDateFormat},
		{"05-12-1984", time.Time{}, identity.ErrBirthDateFormat},
		{"05.12.1984", time.Time{}, identity.ErrBirthDateFormat},
		{"05 12 1984", time.Time{}, identity.ErrBirthDateFormat},
		{"05 / 12 / 1984", time.Time{}, identity.ErrBirthDateFormat},
		{"005/12/1984", time.Time{}, identity.ErrBirthDateFormat},
		{"05/12/1984/", time.Time{}, identity.ErrBirthDateFormat},
		{"+5/12/1984", time.Time{}, identity.ErrBirthDateFormat},
		{"//1984", time.Time{}, identity.ErrBirthDateFormat},
		{"1984-12-05T00:00:00Z", time.Time{}, identity.ErrBirthDateFormat},
		{"05/12/1984 10:00", time.Time{}, identity.ErrBirthDateFormat},
		{"5 décembre 1984", time.Time{}, identity.ErrBirthDateFormat},
		{"١٩٨٤-١٢-٠٥", time.Time{}, identity.ErrBirthDateFormat},
		{"1984-12-0\xff", time.Time{}, identity.ErrBirthDateFormat},
	}
	for _, tt := range tests {
		got, err := identity.ParseBirthDate(tt.in, now)
		if tt.err != nil {
			if !errors.Is(err, tt.err) || !errors.Is(err, identity.ErrBirthDate) || !got.IsZero() {
				t.Errorf("ParseBirthDate(%q) = %v, %v; want %v", tt.in, got, err, tt.err)
			}
			continue
		}
		if err != nil || !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseBirthDate(%q) = %v, %v; want %v", tt.in, got, err, tt.want)
		}
	}
}

// "Today" is the caller's calendar day: at 01:30 in Paris it is already
// the 16th even though it is still the 15th in UTC.
func TestParseBirthDateNowLocation(t *testing.T) {
	paris := time.FixedZone("CEST", 2*3600)
	now := time.Date(2024, 6, 15, 23, 30, 0, 0, time.UTC)
	if _, err := identity.ParseBirthDate("16/06/2024", now); !errors.Is(err, identity.ErrBirthDateRange) {
		t.Errorf("UTC now: err = %v, want ErrBirthDateRange", err)
	}
	if got, err := identity.ParseBirthDate("16/06/2024", now.In(paris)); err != nil || !got.Equal(date(2024, 6, 16)) {
		t.Errorf("Paris now: %v, %v", got, err)
	}
}
