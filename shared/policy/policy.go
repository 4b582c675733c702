// Package policy is the password policy engine that the browser and the
// server both run.
//
// A Policy is data: a list of rules, each with a stable id, a French and an
// English label and parameters. Check evaluates every rule and returns a
// checklist the UI renders item by item while the user types, and that the
// server returns, identically, in its 422 answers. The password is
// normalised to NFC before any rule runs, so the same characters typed on two
// keyboards give the same verdict and, later, the same hash; the input is
// capped in bytes before any work.
package policy

import (
	"strings"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Kind says what a rule checks; it decides which parameters are read.
type Kind string

const (
	// KindLength: the length in code points is within [Min, Max] (Max 0 = no bound).
	KindLength Kind = "length"
	// KindCount: at least Min characters belong to the union of Sets.
	KindCount Kind = "count"
	// KindClasses: at least Min of the Sets are each present at least once.
	KindClasses Kind = "classes"
	// KindAllowed: every character belongs to the union of Sets.
	KindAllowed Kind = "allowed"
	// KindForbidden: no character belongs to the union of Sets.
	KindForbidden Kind = "forbidden"
	// KindPrintable: no control, format or unassigned character.
	KindPrintable Kind = "printable"
	// KindContext: none of the user's own data (identifier, NIR, birth date,
	// e-mail, portal names) appears in the password.
	KindContext Kind = "context"
	// KindBlocklist: the password is not a common or breached one.
	KindBlocklist Kind = "blocklist"
	// KindDiffers: the password differs from the current one (checked only
	// when the current password is known).
	KindDiffers Kind = "differs"
	// KindConfirm: the confirmation is identical to the password.
	KindConfirm Kind = "confirm"
)

// Class names a family of characters.
type Class string

const (
	ClassLatinLower Class = "latin_lower" // a to z, no accent
	ClassLatinUpper Class = "latin_upper" // A to Z, no accent
	ClassLower      Class = "lower"       // any lower-case letter
	ClassUpper      Class = "upper"       // any upper-case letter
	ClassDigit      Class = "digit"       // 0 to 9
	ClassSymbol     Class = "symbol"      // printable ASCII that is neither letter, digit nor space
	ClassChars      Class = "chars"       // exactly the characters listed in Set.Chars
)

// Set is a class of characters, or an explicit list when Class is ClassChars.
type Set struct {
	Class Class  `json:"class"`
	Chars string `json:"chars,omitempty"`
}

// Has reports whether r belongs to the set.
func (s Set) Has(r rune) bool {
	switch s.Class {
	case ClassLatinLower:
		return r >= 'a' && r <= 'z'
	case ClassLatinUpper:
		return r >= 'A' && r <= 'Z'
	case ClassLower:
		return isLower(r)
	case ClassUpper:
		return isUpper(r)
	case ClassDigit:
		return r >= '0' && r <= '9'
	case ClassSymbol:
		return r > ' ' && r < 0x7f && !(r >= '0' && r <= '9') && !(r >= 'a' && r <= 'z') && !(r >= 'A' && r <= 'Z')
	case ClassChars:
		return strings.ContainsRune(s.Chars, r)
	}
	return false
}

// Text is a label in the two languages the product speaks.
type Text struct {
	FR string `json:"fr"`
	EN string `json:"en"`
}

// In returns the text in lang ("en" gives English, anything else French).
func (t Text) In(lang string) string {
	if lang == "en" && t.EN != "" {
		return t.EN
	}
	return t.FR
}

// Rule is one line of the checklist.
type Rule struct {
	ID    string `json:"id"`
	Kind  Kind   `json:"kind"`
	Min   int    `json:"min,omitempty"`
	Max   int    `json:"max,omitempty"`
	Sets  []Set  `json:"sets,omitempty"`
	Label Text   `json:"label"`
}

// Policy is an ordered list of rules with a byte cap on input.
type Policy struct {
	ID    string `json:"id"`
	Rules []Rule `json:"rules"`
	// MaxBytes caps the password in bytes before any work (normalisation,
	// hashing). Zero means DefaultMaxBytes.
	MaxBytes int `json:"max_bytes"`
}

// DefaultMaxBytes bounds any password the engine looks at: 128 characters of
// the widest UTF-8 encoding.
const DefaultMaxBytes = 512

// Context is what the system knows of the user, words the password must not
// contain. Every field is optional.
type Context struct {
	Identifier   string   `json:"identifier,omitempty"`
	NIR          string   `json:"nir,omitempty"`
	Birthdate    string   `json:"birthdate,omitempty"` // YYYY-MM-DD
	Email        string   `json:"email,omitempty"`
	MemberNumber string   `json:"member_number,omitempty"`
	Words        []string `json:"-"` // portal names and other words set by the portal
}

// Input is what the user typed. Current is checked only when HasCurrent.
type Input struct {
	Password   string
	Confirm    string
	Current    string
	HasCurrent bool
	Context    Context
}

// RuleResult is one checklist line, labelled in the requested language.
type RuleResult struct {
	ID    string `json:"id"`
	OK    bool   `json:"ok"`
	Label string `json:"label"`
}

// Result is the checklist and the indicative strength.
type Result struct {
	OK       bool         `json:"ok"`
	Rules    []RuleResult `json:"rules"`
	Strength Strength     `json:"strength"`
}

// Failed lists the ids of the failing rules.
func (r Result) Failed() []string {
	var ids []string
	for _, rr := range r.Rules {
		if !rr.OK {
			ids = append(ids, rr.ID)
		}
	}
	return ids
}

// Normalize returns the password as it is checked and hashed: NFC.
// Callers cap the size first (see Policy.TooLong).
func Normalize(s string) string {
	if norm.NFC.IsNormalString(s) {
		return s
	}
	return norm.NFC.String(s)
}

// TooLong reports whether the raw input exceeds the policy's byte cap.
func (p Policy) TooLong(s string) bool {
	max := p.MaxBytes
	if max <= 0 {
		max = DefaultMaxBytes
	}
	return len(s) > max
}

// Check evaluates every rule on the input and labels the results in lang.
func (p Policy) Check(in Input, lang string) Result {
	// An oversized input is never normalised nor scanned, and invalid UTF-8
	// (only a broken client sends it) is never a password: every rule fails
	// on them, the length rule first.
	unusable := p.TooLong(in.Password) || p.TooLong(in.Confirm) || p.TooLong(in.Current) || !utf8.ValidString(in.Password)
	pw, lower := "", ""
	if !unusable {
		pw = Normalize(in.Password)
		lower = strings.ToLower(pw)
	}
	res := Result{OK: true, Rules: make([]RuleResult, 0, len(p.Rules))}
	var ctx *contextWords
	for _, rule := range p.Rules {
		ok := false
		if pw != "" {
			switch rule.Kind {
			case KindContext:
				if ctx == nil {
					ctx = newContextWords(in.Context)
				}
				ok = !ctx.foundIn(lower)
			case KindConfirm:
				ok = pw == Normalize(in.Confirm)
			case KindDiffers:
				ok = !in.HasCurrent || pw != Normalize(in.Current)
			default:
				ok = rule.check(pw, lower)
			}
		}
		if !ok {
			res.OK = false
		}
		res.Rules = append(res.Rules, RuleResult{ID: rule.ID, OK: ok, Label: rule.Label.In(lang)})
	}
	if ctx == nil {
		ctx = newContextWords(in.Context)
	}
	res.Strength = estimate(pw, lower, ctx, lang)
	return res
}

// check evaluates the rules that depend on the password alone.
func (r Rule) check(pw, lower string) bool {
	switch r.Kind {
	case KindLength:
		n := utf8.RuneCountInString(pw)
		return n >= r.Min && (r.Max == 0 || n <= r.Max)
	case KindCount:
		n := 0
		for _, c := range pw {
			if inAny(r.Sets, c) {
				n++
			}
		}
		return n >= r.Min
	case KindClasses:
		var seen uint64
		for _, c := range pw {
			for i, s := range r.Sets {
				if i < 64 && s.Has(c) {
					seen |= 1 << i
				}
			}
		}
		n := 0
		for ; seen != 0; seen &= seen - 1 {
			n++
		}
		return n >= r.Min
	case KindAllowed:
		for _, c := range pw {
			if !inAny(r.Sets, c) {
				return false
			}
		}
		return true
	case KindForbidden:
		for _, c := range pw {
			if inAny(r.Sets, c) {
				return false
			}
		}
		return true
	case KindPrintable:
		for _, c := range pw {
			if !isPrintable(c) {
				return false
			}
		}
		return true
	case KindBlocklist:
		return !isCommon(lower)
	}
	return false
}

func inAny(sets []Set, c rune) bool {
	for _, s := range sets {
		if s.Has(c) {
			return true
		}
	}
	return false
}
