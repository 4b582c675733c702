package policy

import (
	"strings"
	"unicode"

	"sesame/shared/policy/blocklist"
)

func isLower(r rune) bool {
	if r < 0x80 {
		return r >= 'a' && r <= 'z'
	}
	return unicode.IsLower(r)
}

func isUpper(r rune) bool {
	if r < 0x80 {
		return r >= 'A' && r <= 'Z'
	}
	return unicode.IsUpper(r)
}

// isPrintable accepts letters, marks, numbers, punctuation, symbols and the
// ordinary space, as NIST SP 800-63B allows; it refuses control and format
// characters, which no keyboard types on purpose.
func isPrintable(r rune) bool {
	return r == ' ' || unicode.IsGraphic(r) && !unicode.Is(unicode.Zl, r) && !unicode.Is(unicode.Zp, r)
}

const decorations = "0123456789!?$€@&()-+_=*%/<>,.:;#'\"\\[]{}|~^`"

// isCommon reports whether the lower-cased password, or its core once the
// digits and symbols decorating its ends are removed ("soleil2024!" →
// "soleil"), is a common password.
func isCommon(lower string) bool {
	if blocklist.Contains(lower) {
		return true
	}
	if core := strings.Trim(lower, "!?$€@&()-+_=*%/<>,.:;#'\"\\[]{}|~^` "); core != lower && len(core) >= minWord && blocklist.Contains(core) {
		return true
	}
	core := strings.Trim(lower, decorations)
	return core != lower && len(core) >= minWord && blocklist.Contains(core)
}
