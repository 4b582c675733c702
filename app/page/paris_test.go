package page

import (
	"testing"
	"time"
	_ "time/tzdata" // the reference, in the test binary only
)

func TestInParisFollowsTheZoneDatabase(t *testing.T) {
	ref, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	// Every 37 minutes from 1997 to 2040: every change of hour, both ways,
	// is crossed within the step.
	for at := time.Date(1997, 1, 1, 0, 0, 0, 0, time.UTC); at.Year() < 2040; at = at.Add(37 * time.Minute) {
		got, want := inParis(at), at.In(ref)
		if got.Format("2006-01-02 15:04 -0700") != want.Format("2006-01-02 15:04 -0700") {
			t.Fatalf("%s UTC: inParis = %s, Europe/Paris = %s", at.Format(time.DateTime), got, want)
		}
	}
	// Around the changes, minute by minute.
	for _, edge := range []time.Time{
		time.Date(2025, 3, 30, 1, 0, 0, 0, time.UTC),
		time.Date(2025, 10, 26, 1, 0, 0, 0, time.UTC),
	} {
		for d := -3 * time.Minute; d <= 3*time.Minute; d += time.Minute {
			at := edge.Add(d)
			if got, want := inParis(at).Format(time.RFC3339), at.In(ref).Format(time.RFC3339); got != want {
				t.Errorf("%s: inParis = %s, want %s", at, got, want)
			}
		}
	}
}

func TestParisDateTime(t *testing.T) {
	for at, want := range map[time.Time]string{
		time.Date(2022, 12, 26, 13, 33, 0, 0, time.UTC): "26/12/2022 à 14h33", // winter
		time.Date(2025, 7, 4, 22, 5, 0, 0, time.UTC):    "05/07/2025 à 00h05", // summer, the next day
	} {
		if got := parisDateTime(at, "fr"); got != want {
			t.Errorf("parisDateTime(%s) = %q, want %q", at, got, want)
		}
	}
}
