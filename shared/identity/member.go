package identity

// Member numbers ("N° adhérent") are at least 6 and at most 10 digits on the
// mutual-insurance cards we support; shorter or longer inputs are typing
// mistakes or another identifier (a NIR has 15).
const (
	memberMin = 6
	memberMax = 10
)

// ParseMemberNumber validates a mutual-insurance member number and returns
// it as bare digits. Spaces (see the package documentation) are ignored;
// what is left must be 6 to 10 ASCII digits. Leading zeros are significant
// and kept. Any other input yields ErrMemberNumber.
func ParseMemberNumber(s string) (string, error) {
	var buf [memberMax]byte
	n := 0
	for _, r := range s {
		switch {
		case isSpace(r):
			continue
		case '0' <= r && r <= '9':
			if n == memberMax {
				return "", ErrMemberNumber
			}
			buf[n] = byte(r)
			n++
		default:
			return "", ErrMemberNumber
		}
	}
	if n < memberMin {
		return "", ErrMemberNumber
	}
	return string(buf[:n]), nil
}
