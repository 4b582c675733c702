// Package identity validates and normalises the identifiers a member types
// when recovering a password — social security number (NIR), birth date,
// mutual-insurance member number, e-mail address — and masks contact details
// before they are shown back.
//
// Promises:
//
//   - Every parser either returns a canonical value or an error that wraps
//     one of the sentinel errors below, so callers branch with errors.Is.
//     Error messages never repeat the input: identifiers are personal data
//     and errors end up in logs.
//   - Parsers never panic, whatever the input (invalid UTF-8 included), and
//     their canonical output parses again to the same value.
//   - Masking functions never reveal more than they document and fall back
//     to "***" rather than to the input.
//   - The package is pure: no I/O, no clock (callers pass "now"), no
//     package-level mutable state, no cgo. It builds for js/wasm.
//
// Spaces: the NIR and member-number parsers drop ASCII white space, the
// no-break space U+00A0 and the narrow no-break space U+202F anywhere in the
// input, because French users group digits and copy-paste from PDFs and web
// pages that use those characters. Other separators (dots, dashes) are
// rejected rather than guessed at.
package identity

import (
	"errors"
	"fmt"
)

// ErrNIR is wrapped by every error ParseNIR and ParseNIRWithBirthDate return.
var ErrNIR = errors.New("identity: invalid social security number")

// Specific NIR errors, in the order ParseNIR checks them.
var (
	// ErrNIRCharacters: something other than digits, spaces, or 2A/2B at
	// the department position.
	ErrNIRCharacters = fmt.Errorf("%w: unexpected character", ErrNIR)
	// ErrNIRLength: not 15 characters once spaces are removed.
	ErrNIRLength = fmt.Errorf("%w: want 15 characters", ErrNIR)
	// ErrNIRFormat: the sex digit or the month code is not one INSEE issues.
	ErrNIRFormat = fmt.Errorf("%w: impossible sex or month code", ErrNIR)
	// ErrNIRKey: the control key is not 97 - (number mod 97).
	ErrNIRKey = fmt.Errorf("%w: wrong control key", ErrNIR)
	// ErrNIRBirthDate: the NIR is valid but does not match the birth date.
	ErrNIRBirthDate = fmt.Errorf("%w: does not match the birth date", ErrNIR)
)

// ErrBirthDate is wrapped by every error ParseBirthDate returns.
var ErrBirthDate = errors.New("identity: invalid birth date")

// Specific birth-date errors.
var (
	// ErrBirthDateFormat: neither YYYY-MM-DD nor JJ/MM/AAAA.
	ErrBirthDateFormat = fmt.Errorf("%w: want JJ/MM/AAAA or YYYY-MM-DD", ErrBirthDate)
	// ErrBirthDateInvalid: well formed but no such day (31/02, month 13).
	ErrBirthDateInvalid = fmt.Errorf("%w: no such day", ErrBirthDate)
	// ErrBirthDateRange: before 1900-01-01 or after today.
	ErrBirthDateRange = fmt.Errorf("%w: out of range", ErrBirthDate)
)

// ErrMemberNumber is returned by ParseMemberNumber.
var ErrMemberNumber = errors.New("identity: invalid member number")

// ErrEmail is wrapped by every error ParseEmail and NormalizeEmail return.
var ErrEmail = errors.New("identity: invalid e-mail address")

// isSpace reports whether r is a separator the digit parsers drop.
func isSpace(r rune) bool {
	switch r {
	case ' ', '\t', '\n', '\v', '\f', '\r', '\u00a0', '\u202f':
		return true
	}
	return false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }
