package identity

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// masked is what the masking functions return when they cannot show
// anything safely. It reveals nothing, not even the input's length.
const masked = "***"

// MaskEmail returns addr masked as the recovery pages show it:
// "thomas.martin@tutanota.com" → "t***@t***.com",
// "jean@mail.example.fr" → "j***@m***.fr".
//
// It shows exactly three things: the first character of the local part, the
// first character of the domain's first label, and the top-level label.
// Everything else, including lengths and the number of labels, is replaced
// by fixed "***". Characters are runes, so "élodie@…" shows "é", and the
// domain is shown lower-cased as ParseEmail normalises it.
//
// The domain is validated as by ParseEmail. The local part is checked
// more loosely — any text without spaces, control or format characters,
// quotes or "@", not starting with a combining mark — because masking must
// work on addresses another system accepted (RFC 6531 local parts, say) and
// a stricter check would only replace them by "***". Anything else —
// unparseable input, an empty part, a domain without a dot — yields "***".
// MaskEmail never panics.
func MaskEmail(addr string) string {
	addr = strings.TrimFunc(addr, isSpace)
	if len(addr) > 4*maxEmail || !utf8.ValidString(addr) {
		return masked
	}
	at := strings.LastIndexByte(addr, '@')
	if at < 0 {
		return masked
	}
	local, domain := addr[:at], normDomain(addr[at+1:])
	if local == "" || strings.ContainsFunc(local, unsafeInLocal) || checkDomain(domain) != nil {
		return masked
	}
	first, _ := utf8.DecodeRuneInString(local)
	if unicode.IsMark(first) {
		return masked // would combine with "*" and display as garbage
	}
	label, _ := utf8.DecodeRuneInString(domain)
	tld := domain[strings.LastIndexByte(domain, '.')+1:]
	return string(first) + masked + "@" + string(label) + masked + "." + tld
}

// unsafeInLocal rejects runes no plain address has in its local part:
// spaces, controls, format characters such as bidi overrides (they would
// make the mask invisible or misleading on screen), quotes and "@" (a
// quoted local part is not something we try to make sense of).
func unsafeInLocal(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || unicode.Is(unicode.Cf, r) ||
		r == '"' || r == '@'
}

// Phone numbers have at most 15 digits (E.164). Below minPhoneDigits,
// showing the last two would reveal too large a share of the number.
const (
	minPhoneDigits = 4
	maxPhoneDigits = 15
)

// MaskPhone returns p masked as "** ** ** 74": only the last two digits are
// shown, and the masked part has a fixed shape whatever the number's length
// or country, so the mask does not tell a mobile from a landline or a
// foreign number.
//
// p may contain ASCII digits, spaces (see the package documentation) and
// the separators + . - ( ). Anything else, or fewer than 4 or more than 15
// digits, yields "***".
func MaskPhone(p string) string {
	var last [2]byte
	n := 0
	for _, r := range p {
		switch {
		case '0' <= r && r <= '9':
			last[0], last[1] = last[1], byte(r)
			n++
		case isSpace(r), strings.ContainsRune("+.-()", r):
		default:
			return masked
		}
	}
	if n < minPhoneDigits || n > maxPhoneDigits {
		return masked
	}
	return "** ** ** " + string(last[:])
}
