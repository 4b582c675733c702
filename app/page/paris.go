package page

import (
	"fmt"
	"time"

	"sesame/app/locale"
)

// The Wasm carries no time-zone database (time/tzdata would add some
// 450 kB), and the browser's own zone is not Paris for every member. Paris
// time follows the EU rule, in force since 1996: CET (UTC+1), and CEST
// (UTC+2) from the last Sunday of March to the last Sunday of October,
// changing at 01:00 UTC both times.
var (
	cet  = time.FixedZone("CET", 3600)
	cest = time.FixedZone("CEST", 2*3600)
)

// inParis returns t in Paris time.
func inParis(t time.Time) time.Time {
	t = t.UTC()
	start := lastSunday(t.Year(), time.March).Add(time.Hour)
	end := lastSunday(t.Year(), time.October).Add(time.Hour)
	if !t.Before(start) && t.Before(end) {
		return t.In(cest)
	}
	return t.In(cet)
}

// lastSunday is the last Sunday of the month, at midnight UTC.
func lastSunday(year int, m time.Month) time.Time {
	last := time.Date(year, m+1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
	return last.AddDate(0, 0, -int(last.Weekday()))
}

// parisDateTime is t in Paris time, as the seeds write it in a sentence,
// "22/11/2025 à 14h33"; in English "22/11/2025 at 14:33 (Paris time)",
// naming the zone for readers who may live in another.
func parisDateTime(t time.Time, lang string) string {
	p := inParis(t)
	if locale.Of(lang) == locale.English {
		return fmt.Sprintf("%02d/%02d/%d at %02d:%02d (Paris time)", p.Day(), int(p.Month()), p.Year(), p.Hour(), p.Minute())
	}
	return fmt.Sprintf("%02d/%02d/%d à %02dh%02d", p.Day(), int(p.Month()), p.Year(), p.Hour(), p.Minute())
}
