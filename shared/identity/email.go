package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Length limits from RFC 5321 §4.5.3.1 (local part, domain) and the
// 254-byte path limit of its erratum 1690.
const (
	maxLocal  = 64
	maxDomain = 253
	maxLabel  = 63
	maxEmail  = 254
)

// Email is a validated e-mail address. The zero value is not valid; see
// IsZero. Emails are comparable; two Emails are equal when their local
// parts are identical and their domains are equal once normalised.
type Email struct {
	local  string // as typed: the local part is case-sensitive in theory
	domain string // lower-case, NFC
}

// ParseEmail validates an address typed by a member. Surrounding spaces are
// trimmed. It accepts what mailbox providers actually hand out, and less
// than RFC 5322 allows:
//
//   - exactly one "@";
//   - local part of 1–64 bytes, a dot-atom of RFC 5322 atext (ASCII letters,
//     digits and !#$%&'*+-/=?^_`{|}~, dots between non-empty atoms). Quoted
//     strings, comments and non-ASCII local parts (RFC 6531) are rejected:
//     the portals' mail relays do not support them;
//   - domain of 1–253 bytes with at least two labels, each 1–63 bytes of
//     letters, digits and hyphens, not starting or ending with a hyphen. The
//     last label (top-level domain) must not be all digits, which rules out
//     IP addresses. Address literals ("[192.0.2.1]") are rejected;
//   - at most 254 bytes in all.
//
// Internationalised domains are accepted in Unicode form: "letters" means
// Unicode letters (plus combining marks after the first character) and the
// domain is NFC-normalised and lower-cased, but not converted to punycode,
// and the byte limits apply to the UTF-8 form. This approximates IDNA
// without implementing UTS #46 (no script-mixing or bidi rules); sending
// mail to such a domain is the mailer's job. Control characters, NUL and
// invalid UTF-8 are rejected anywhere.
//
// All errors wrap ErrEmail.
func ParseEmail(s string) (Email, error) {
	s = strings.TrimFunc(s, isSpace)
	if len(s) > 4*maxEmail {
		// Normalisation below is linear, but there is no reason to do it
		// on megabytes of input that cannot be an address.
		return Email{}, emailErr("too long")
	}
	if !utf8.ValidString(s) {
		return Email{}, emailErr("invalid UTF-8")
	}
	local, domain, ok := strings.Cut(s, "@")
	if !ok || strings.IndexByte(domain, '@') >= 0 {
		return Email{}, emailErr("want exactly one @")
	}
	if err := checkLocal(local); err != nil {
		return Email{}, err
	}
	domain = normDomain(domain)
	if err := checkDomain(domain); err != nil {
		return Email{}, err
	}
	if len(local)+1+len(domain) > maxEmail {
		return Email{}, emailErr("longer than 254 bytes")
	}
	return Email{local: local, domain: domain}, nil
}

// NormalizeEmail parses s and returns the key to look an account up by:
// the whole address lower-cased. Mailbox providers treat local parts
// case-insensitively, and members do not remember how they capitalised
// them.
func NormalizeEmail(s string) (string, error) {
	e, err := ParseEmail(s)
	if err != nil {
		return "", err
	}
	return e.Key(), nil
}

// IsZero reports whether e is the zero Email, which no parser returns.
func (e Email) IsZero() bool { return e.domain == "" }

// String returns the address with the local part as typed and the domain
// lower-cased. The zero Email yields "".
func (e Email) String() string {
	if e.IsZero() {
		return ""
	}
	return e.local + "@" + e.domain
}

// Local returns the local part, as typed.
func (e Email) Local() string { return e.local }

// Domain returns the domain, lower-cased and NFC-normalised.
func (e Email) Domain() string { return e.domain }

// Key returns the whole address lower-cased, as NormalizeEmail does.
func (e Email) Key() string {
	if e.IsZero() {
		return ""
	}
	return strings.ToLower(e.local) + "@" + e.domain
}

type emailError string

func (e emailError) Error() string { return ErrEmail.Error() + ": " + string(e) }
func (e emailError) Unwrap() error { return ErrEmail }

func emailErr(why string) error { return emailError(why) }

// checkLocal accepts a dot-atom of atext.
func checkLocal(l string) error {
	if len(l) == 0 || len(l) > maxLocal {
		return emailErr("local part must be 1 to 64 bytes")
	}
	prevDot := true // a leading dot is as bad as a double one
	for i := 0; i < len(l); i++ {
		c := l[i]
		if c == '.' {
			if prevDot {
				return emailErr("misplaced dot in local part")
			}
			prevDot = true
			continue
		}
		if !isAtext(c) {
			return emailErr("unexpected character in local part")
		}
		prevDot = false
	}
	if prevDot {
		return emailErr("misplaced dot in local part")
	}
	return nil
}

// isAtext reports whether c is RFC 5322 atext.
func isAtext(c byte) bool {
	switch {
	case 'a' <= c && c <= 'z', 'A' <= c && c <= 'Z', '0' <= c && c <= '9':
		return true
	}
	return strings.IndexByte("!#$%&'*+-/=?^_`{|}~", c) >= 0
}

// normDomain lower-cases and NFC-normalises d. Lower-casing can produce
// decomposed sequences (U+0130 İ becomes i + U+0307), hence NFC after it;
// NFC before it makes case mapping see composed letters.
func normDomain(d string) string {
	if isASCII(d) {
		return strings.ToLower(d) // fast path: NFC is the identity on ASCII
	}
	return norm.NFC.String(strings.ToLower(norm.NFC.String(d)))
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			return false
		}
	}
	return true
}

// checkDomain validates a normalised domain.
func checkDomain(d string) error {
	if len(d) == 0 || len(d) > maxDomain {
		return emailErr("domain must be 1 to 253 bytes")
	}
	labels := strings.Split(d, ".")
	if len(labels) < 2 {
		return emailErr("domain needs a dot")
	}
	for _, l := range labels {
		if !validLabel(l) {
			return emailErr("invalid domain label")
		}
	}
	if allDigits(labels[len(labels)-1]) {
		return emailErr("numeric top-level domain")
	}
	return nil
}

// validLabel checks one domain label: 1–63 bytes of letters, digits,
// combining marks (not first) and inner hyphens.
func validLabel(l string) bool {
	if len(l) == 0 || len(l) > maxLabel || l[0] == '-' || l[len(l)-1] == '-' {
		return false
	}
	for i, r := range l {
		switch {
		case r == '-', '0' <= r && r <= '9', 'a' <= r && r <= 'z':
		case r < utf8.RuneSelf:
			return false // upper case cannot occur after normDomain
		case unicode.IsLetter(r), unicode.IsDigit(r):
		case unicode.IsMark(r) && i > 0:
		default:
			return false
		}
	}
	return true
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if !isDigit(s[i]) {
			return false
		}
	}
	return true
}
