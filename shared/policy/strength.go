package policy

import (
	"math"
	"unicode"
	"unicode/utf8"

	"sesame/shared/policy/blocklist"
)

// Strength is the indicative security level shown under the password
// ("Niveau indicatif de sécurité"): 0 (très faible) to 4 (très fort). It
// never decides alone; the rules do.
type Strength struct {
	Score int    `json:"score"`
	Label string `json:"label"`
}

var strengthLabels = [5]Text{
	{FR: "Très faible", EN: "Very weak"},
	{FR: "Faible", EN: "Weak"},
	{FR: "Moyen", EN: "Fair"},
	{FR: "Fort", EN: "Strong"},
	{FR: "Très fort", EN: "Very strong"},
}

func strengthOf(score int, lang string) Strength {
	return Strength{Score: score, Label: strengthLabels[score].In(lang)}
}

// estimate gives a rough guess count in bits: the size of the alphabet the
// password draws from, raised to an effective length that discounts repeats,
// runs like "abcd" or "1234", and common words inside the password.
// lower is pw in lower case.
func estimate(pw, lower string, ctx *contextWords, lang string) Strength {
	if pw == "" || isCommon(lower) || ctx.foundIn(lower) {
		return strengthOf(0, lang)
	}
	var hasLower, upper, digit, symbol, other bool
	eff := 0.0
	var prev rune = -1
	var seenASCII [128]bool
	var seenOther []rune
	seen := func(r rune) bool {
		if r < 128 {
			was := seenASCII[r]
			seenASCII[r] = true
			return was
		}
		for _, o := range seenOther {
			if o == r {
				return true
			}
		}
		seenOther = append(seenOther, r)
		return false
	}
	for _, r := range pw {
		switch {
		case r >= 'a' && r <= 'z':
			hasLower = true
		case r >= 'A' && r <= 'Z':
			upper = true
		case r >= '0' && r <= '9':
			digit = true
		case r < 0x80:
			symbol = true
		default:
			other = true
		}
		switch {
		case r == prev:
			// a repeat adds almost nothing
			eff += 0.1
		case prev >= 0 && (r == prev+1 || r == prev-1):
			eff += 0.25
		case seen(r):
			eff += 0.5
		default:
			eff++
		}
		seen(r)
		prev = r
	}
	eff -= wordDiscount(lower)
	pool := 0
	for _, c := range []struct {
		has  bool
		size int
	}{{hasLower, 26}, {upper, 26}, {digit, 10}, {symbol, 33}, {other, 100}} {
		if c.has {
			pool += c.size
		}
	}
	bits := math.Max(eff, 1) * math.Log2(float64(pool))
	switch {
	case bits < 30:
		return strengthOf(1, lang)
	case bits < 45:
		return strengthOf(2, lang)
	case bits < 60:
		return strengthOf(3, lang)
	}
	return strengthOf(4, lang)
}

// wordDiscount counts a common word found as a run of letters as two
// characters instead of its length: "Azerty" is one guess, not six letters.
func wordDiscount(lower string) float64 {
	discount := 0.0
	start := -1
	for i, r := range lower + " " {
		letter := unicode.IsLetter(r)
		switch {
		case letter && start < 0:
			start = i
		case !letter && start >= 0:
			run := lower[start:i]
			if n := utf8.RuneCountInString(run); n >= minWord && blocklist.Contains(run) {
				discount += float64(n - 2)
			}
			start = -1
		}
	}
	return discount
}
