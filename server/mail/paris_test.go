package mail

import (
	"testing"
	"time"
	_ "time/tzdata"
)

func paris(t *testing.T) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func utc(s string) time.Time {
	t, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestFormatParis(t *testing.T) {
	loc := paris(t)
	for _, tc := range []struct{ in, want string }{
		{"2022-12-26T13:33:00Z", "26/12/2022 - 14h33"},           // seed 001, winter (CET)
		{"2022-12-26T13:32:20Z", "26/12/2022 - 14h33"},           // seconds: rounded up
		{"2022-12-26T13:33:20Z", "26/12/2022 - 14h34"},           // never announced before the end
		{"2022-12-26T13:33:00.000000001Z", "26/12/2022 - 14h34"}, // even by a nanosecond
		{"2022-10-30T00:30:00Z", "30/10/2022 - 02h30"},           // 02:30 CEST, before the switch
		{"2022-10-30T01:30:00Z", "30/10/2022 - 02h30"},           // 02:30 CET, after it
		{"2022-10-30T00:59:30Z", "30/10/2022 - 02h00"},           // rounds up across the switch
		{"2023-03-26T01:30:00Z", "26/03/2023 - 03h30"},           // spring forward: 03:30 CEST
		{"2023-03-26T00:59:59Z", "26/03/2023 - 03h00"},           // 01:59:59 CET rounds to 03:00 CEST
		{"2022-07-14T10:00:00Z", "14/07/2022 - 12h00"},           // summer
		{"2022-12-31T23:59:30Z", "01/01/2023 - 01h00"},           // new year in Paris
		{"2022-12-26T14:33:00+01:00", "26/12/2022 - 14h33"},      // any input zone
		{"2022-12-26T08:33:00-05:00", "26/12/2022 - 14h33"},      // any input zone
	} {
		if got := FormatParis(utc(tc.in), loc); got != tc.want {
			t.Errorf("FormatParis(%s) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestFormatParisDateTime(t *testing.T) {
	loc := paris(t)
	for _, tc := range []struct{ in, fr, en string }{
		{"2022-12-26T13:33:00Z", "26/12/2022 à 14h33", "26/12/2022 at 14:33"},
		{"2022-12-26T13:33:59Z", "26/12/2022 à 14h33", "26/12/2022 at 14:33"}, // it happened at 14h33
		{"2022-10-30T00:30:00Z", "30/10/2022 à 02h30", "30/10/2022 at 02:30"},
		{"2022-10-30T01:30:00Z", "30/10/2022 à 02h30", "30/10/2022 at 02:30"},
		{"2023-03-26T01:30:00Z", "26/03/2023 à 03h30", "26/03/2023 at 03:30"},
		{"2023-03-26T00:30:00Z", "26/03/2023 à 01h30", "26/03/2023 at 01:30"},
	} {
		if got := FormatParisDateTime(utc(tc.in), loc); got != tc.fr {
			t.Errorf("FormatParisDateTime(%s) = %q, want %q", tc.in, got, tc.fr)
		}
		if got := formatDateTime(utc(tc.in), loc, true); got != tc.en {
			t.Errorf("formatDateTime(%s, en) = %q, want %q", tc.in, got, tc.en)
		}
	}
}

func TestFormatParisNilLocation(t *testing.T) {
	// With time/tzdata linked, a nil location still means Paris.
	if got := FormatParis(utc("2022-12-26T13:33:00Z"), nil); got != "26/12/2022 - 14h33" {
		t.Errorf("got %q", got)
	}
	if got := FormatParisDateTime(utc("2022-07-14T10:00:00Z"), nil); got != "14/07/2022 à 12h00" {
		t.Errorf("got %q", got)
	}
}

func TestFormatDuration(t *testing.T) {
	for _, tc := range []struct {
		d      time.Duration
		fr, en string
	}{
		{time.Hour, "une heure", "one hour"},
		{2 * time.Hour, "2 heures", "2 hours"},
		{30 * time.Minute, "30 minutes", "30 minutes"},
		{time.Minute, "1 minute", "1 minute"},
		{15 * time.Minute, "15 minutes", "15 minutes"},
		{90 * time.Minute, "une heure et 30 minutes", "one hour and 30 minutes"},
		{121 * time.Minute, "2 heures et 1 minute", "2 hours and 1 minute"},
		{30 * time.Second, "1 minute", "1 minute"},                 // rounded up
		{29*time.Minute + time.Second, "30 minutes", "30 minutes"}, // rounded up
		{0, "", ""},
		{-time.Minute, "", ""},
	} {
		if got := FormatDuration(tc.d, "fr"); got != tc.fr {
			t.Errorf("FormatDuration(%v, fr) = %q, want %q", tc.d, got, tc.fr)
		}
		if got := FormatDuration(tc.d, "en"); got != tc.en {
			t.Errorf("FormatDuration(%v, en) = %q, want %q", tc.d, got, tc.en)
		}
	}
	for _, tc := range []struct{ in, want string }{
		{"une heure", "d'une heure"},
		{"30 minutes", "de 30 minutes"},
		{"2 heures", "de 2 heures"},
	} {
		if got := deFR(tc.in); got != tc.want {
			t.Errorf("deFR(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestNormLang(t *testing.T) {
	for in, want := range map[string]string{
		"": "fr", "fr": "fr", "fr-FR": "fr", "en": "en", "EN": "en", "en-GB": "en", "de": "fr", "eng": "fr",
	} {
		if got := normLang(in); got != want {
			t.Errorf("normLang(%q) = %q, want %q", in, got, want)
		}
	}
}
