package policy

import (
	"strings"
	"unicode"
)

// contextWords holds, lower-cased, what the password must not contain.
type contextWords struct {
	words []string // whole words: identifier, e-mail local part and its pieces, portal names
	// numbers are the NIR and every rendering of the birth date: no run of
	// minDigits of their characters may appear in the password.
	numbers []string
}

// minWord is the shortest word worth forbidding: shorter ones match by chance.
const minWord = 4

// minDigits is the length of a forbidden run of the NIR's or the birth
// date's digits ("ou une partie de celle-ci").
const minDigits = 4

func newContextWords(c Context) *contextWords {
	cw := &contextWords{words: make([]string, 0, 8), numbers: make([]string, 0, 6)}
	addWord := func(w string) {
		w = strings.ToLower(strings.TrimSpace(w))
		if len([]rune(w)) >= minWord {
			cw.words = append(cw.words, w)
		}
	}
	addDigits := func(s string) {
		if len(s) >= minDigits {
			cw.numbers = append(cw.numbers, s)
		}
	}
	addWord(squeeze(c.Identifier))
	addWord(c.Identifier)
	addWord(squeeze(c.MemberNumber))
	if local, _, ok := strings.Cut(c.Email, "@"); ok {
		addWord(local)
		for _, piece := range strings.FieldsFunc(local, func(r rune) bool { return strings.ContainsRune("._-+", r) }) {
			addWord(piece)
		}
	}
	for _, w := range c.Words {
		addWord(w)
	}
	if nir := strings.ToLower(squeeze(c.NIR)); nir != "" {
		addWord(nir)
		addDigits(nir)
	}
	if y, m, d, ok := splitDate(c.Birthdate); ok {
		for _, r := range []string{d + m + y, y + m + d, m + d + y, d + m + y[2:], y[2:] + m + d} {
			addDigits(r)
		}
	}
	return cw
}

// squeeze drops the separators people put inside numbers and dates.
func squeeze(s string) string {
	if strings.IndexFunc(s, isSeparator) < 0 {
		return s
	}
	return strings.Map(func(r rune) rune {
		if isSeparator(r) {
			return -1
		}
		return r
	}, s)
}

func isSeparator(r rune) bool {
	switch r {
	case ' ', '/', '.', '-', '_':
		return true
	}
	return r > 0x7f && unicode.IsSpace(r)
}

// splitDate reads YYYY-MM-DD.
func splitDate(s string) (y, m, d string, ok bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return "", "", "", false
	}
	for i, c := range []byte(s) {
		if i != 4 && i != 7 && (c < '0' || c > '9') {
			return "", "", "", false
		}
	}
	return s[:4], s[5:7], s[8:], true
}

// foundIn reports whether the password contains any context word, case
// insensitively, separators ignored for digit runs.
// lower is the password in lower case.
func (cw *contextWords) foundIn(lower string) bool {
	for _, w := range cw.words {
		if strings.Contains(lower, w) {
			return true
		}
	}
	if len(cw.numbers) == 0 {
		return false
	}
	sq := squeeze(lower)
	for i := 0; i+minDigits <= len(sq); i++ {
		run := sq[i : i+minDigits]
		for _, n := range cw.numbers {
			if strings.Contains(n, run) {
				return true
			}
		}
	}
	return false
}
