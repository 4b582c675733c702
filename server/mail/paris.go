package mail

import (
	"fmt"
	"strings"
	"time"
)

// FormatParis formats t in loc (Europe/Paris) as the seeds announce the end
// of a block: "26/12/2022 - 14h33", to be followed by "(heure de Paris)".
// A time that is not on a whole minute is rounded UP to the next minute, so
// the announced time is never earlier than the real one: a block until
// 14:33:20 is announced as ending at 14h34. A nil loc means Europe/Paris
// when the time zone database is available, else UTC.
func FormatParis(t time.Time, loc *time.Location) string {
	return ceilMinute(t).In(parisOr(loc)).Format("02/01/2006 - 15h04")
}

// FormatParisDateTime formats t in loc (Europe/Paris) for a sentence such
// as "modifié le 26/12/2022 à 14h33 (heure de Paris)": it returns
// "26/12/2022 à 14h33". Seconds are dropped (the change happened during
// that minute). A nil loc is handled as in [FormatParis].
func FormatParisDateTime(t time.Time, loc *time.Location) string {
	return formatDateTime(t, loc, false)
}

// formatDateTime is FormatParisDateTime in French or, when en is set,
// English: "26/12/2022 at 14:33".
func formatDateTime(t time.Time, loc *time.Location, en bool) string {
	layout := "02/01/2006 à 15h04"
	if en {
		layout = "02/01/2006 at 15:04"
	}
	return t.Truncate(time.Minute).In(parisOr(loc)).Format(layout)
}

// ceilMinute rounds t up to a whole minute.
func ceilMinute(t time.Time) time.Time {
	down := t.Truncate(time.Minute)
	if down.Before(t) {
		return down.Add(time.Minute)
	}
	return down
}

func parisOr(loc *time.Location) *time.Location {
	if loc != nil {
		return loc
	}
	if l, err := time.LoadLocation("Europe/Paris"); err == nil {
		return l
	}
	return time.UTC
}

// FormatDuration writes a lifetime the way the mails say it, rounded up to
// the minute. French (lang "fr" or anything but "en"): "une heure",
// "2 heures", "30 minutes", "1 minute", "une heure et 30 minutes".
// English: "one hour", "2 hours", "30 minutes", "1 minute",
// "one hour and 30 minutes". A duration ≤ 0 gives "".
func FormatDuration(d time.Duration, lang string) string {
	if d <= 0 {
		return ""
	}
	en := normLang(lang) == "en"
	total := int((d + time.Minute - 1) / time.Minute)
	h, m := total/60, total%60
	var parts []string
	switch {
	case h == 1 && en:
		parts = append(parts, "one hour")
	case h == 1:
		parts = append(parts, "une heure")
	case h > 1 && en:
		parts = append(parts, fmt.Sprintf("%d hours", h))
	case h > 1:
		parts = append(parts, fmt.Sprintf("%d heures", h))
	}
	switch {
	case m == 1:
		parts = append(parts, "1 minute")
	case m > 1:
		parts = append(parts, fmt.Sprintf("%d minutes", m))
	}
	if en {
		return strings.Join(parts, " and ")
	}
	return strings.Join(parts, " et ")
}

// deFR prefixes a French duration with "de", elided before a vowel:
// "d'une heure", "de 30 minutes".
func deFR(s string) string {
	if s != "" && strings.ContainsRune("aeiouyAEIOUY", rune(s[0])) {
		return "d'" + s
	}
	return "de " + s
}

// normLang returns "en" for any English tag ("en", "en-GB", "EN"), else
// "fr".
func normLang(lang string) string {
	l := strings.ToLower(strings.TrimSpace(lang))
	if l == "en" || strings.HasPrefix(l, "en-") || strings.HasPrefix(l, "en_") {
		return "en"
	}
	return "fr"
}
