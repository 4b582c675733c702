package passhash

import (
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"golang.org/x/crypto/argon2"
)

// Bounds on what ParsePHC accepts from a stored string. A corrupt or
// hostile record must not be able to make Verify allocate gigabytes or
// spin for minutes, so anything outside these is ErrMalformed. Validate
// applies the same upper bounds, so every hash this package writes can be
// read back.
const (
	maxMemory   = 1 << 20 // KiB, i.e. 1 GiB
	maxTime     = 20
	maxThreads  = 16
	maxKeyLen   = 128
	maxSaltLen  = 64
	minKeyLen   = 4 // the smallest tag Argon2 defines
	minSaltLen  = 8 // the smallest salt Argon2 defines
	maxPHCBytes = 512
)

var b64 = base64.RawStdEncoding.Strict()

// ParsePHC parses an Argon2id PHC string of the exact form
//
//	$argon2id$v=19$m=<KiB>,t=<passes>,p=<threads>$<salt>$<key>
//
// with salt and key in unpadded standard base64. The returned Params has
// SaltLen and KeyLen set from the decoded salt and key. Parsing is strict
// (no leading zeros, no padding, no stray bits) so that a string that
// parses re-encodes to exactly itself.
//
// Errors wrap ErrMalformed, or ErrUnsupported for a well-formed string of
// another algorithm or Argon2 version.
func ParsePHC(s string) (p Params, salt, key []byte, err error) {
	if len(s) > maxPHCBytes {
		return Params{}, nil, nil, fmt.Errorf("passhash: PHC string of %d bytes: %w", len(s), ErrMalformed)
	}
	parts := strings.Split(s, "$")
	if len(parts) != 6 || parts[0] != "" {
		return Params{}, nil, nil, fmt.Errorf("passhash: PHC string has %d fields, want 6: %w", len(parts), ErrMalformed)
	}
	if parts[1] == "" {
		return Params{}, nil, nil, fmt.Errorf("passhash: empty algorithm: %w", ErrMalformed)
	}
	if parts[1] != "argon2id" {
		return Params{}, nil, nil, fmt.Errorf("passhash: algorithm %.20q: %w", parts[1], ErrUnsupported)
	}
	v, ok := strings.CutPrefix(parts[2], "v=")
	if !ok {
		return Params{}, nil, nil, fmt.Errorf("passhash: missing version: %w", ErrMalformed)
	}
	version, err := parseDecimal(v, 0xff)
	if err != nil {
		return Params{}, nil, nil, fmt.Errorf("passhash: version: %w", err)
	}
	// x/crypto/argon2 only computes version 0x13; an older record could
	// not be verified at all, so say so rather than answer "wrong password".
	if version != argon2.Version {
		return Params{}, nil, nil, fmt.Errorf("passhash: Argon2 version %d: %w", version, ErrUnsupported)
	}

	fields := strings.Split(parts[3], ",")
	if len(fields) != 3 {
		return Params{}, nil, nil, fmt.Errorf("passhash: %d parameters, want m,t,p: %w", len(fields), ErrMalformed)
	}
	var vals [3]uint64
	for i, name := range [3]string{"m=", "t=", "p="} {
		raw, ok := strings.CutPrefix(fields[i], name)
		if !ok {
			return Params{}, nil, nil, fmt.Errorf("passhash: parameter %d is not %s: %w", i, name[:1], ErrMalformed)
		}
		limit := [3]uint64{maxMemory, maxTime, maxThreads}[i]
		if vals[i], err = parseDecimal(raw, limit); err != nil {
			return Params{}, nil, nil, fmt.Errorf("passhash: parameter %s: %w", name[:1], err)
		}
	}
	p.Memory, p.Time, p.Threads = uint32(vals[0]), uint32(vals[1]), uint8(vals[2])
	if p.Time < 1 || p.Threads < 1 || uint64(p.Memory) < 8*uint64(p.Threads) {
		// Argon2 needs at least one pass and 8 KiB per lane.
		return Params{}, nil, nil, fmt.Errorf("passhash: m=%d,t=%d,p=%d out of range: %w", p.Memory, p.Time, p.Threads, ErrMalformed)
	}

	if salt, err = decodeB64(parts[4], minSaltLen, maxSaltLen); err != nil {
		return Params{}, nil, nil, fmt.Errorf("passhash: salt: %w", err)
	}
	if key, err = decodeB64(parts[5], minKeyLen, maxKeyLen); err != nil {
		return Params{}, nil, nil, fmt.Errorf("passhash: key: %w", err)
	}
	p.SaltLen, p.KeyLen = uint32(len(salt)), uint32(len(key))
	return p, salt, key, nil
}

// encodePHC is the inverse of ParsePHC.
func encodePHC(p Params, salt, key []byte) string {
	var b strings.Builder
	b.Grow(32 + b64.EncodedLen(len(salt)) + b64.EncodedLen(len(key)))
	b.WriteString("$argon2id$v=")
	b.WriteString(strconv.Itoa(argon2.Version))
	b.WriteString("$m=")
	b.WriteString(strconv.FormatUint(uint64(p.Memory), 10))
	b.WriteString(",t=")
	b.WriteString(strconv.FormatUint(uint64(p.Time), 10))
	b.WriteString(",p=")
	b.WriteString(strconv.FormatUint(uint64(p.Threads), 10))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(salt))
	b.WriteByte('$')
	b.WriteString(b64.EncodeToString(key))
	return b.String()
}

// parseDecimal accepts only canonical decimal (digits, no sign, no leading
// zero) up to limit, which keeps the parse/encode round trip exact.
func parseDecimal(s string, limit uint64) (uint64, error) {
	if s == "" || len(s) > 10 || (len(s) > 1 && s[0] == '0') {
		return 0, fmt.Errorf("number %.12q: %w", s, ErrMalformed)
	}
	var n uint64
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < '0' || c > '9' {
			return 0, fmt.Errorf("number %.12q: %w", s, ErrMalformed)
		}
		n = n*10 + uint64(c-'0')
	}
	if n > limit {
		return 0, fmt.Errorf("%d above %d: %w", n, limit, ErrMalformed)
	}
	return n, nil
}

func decodeB64(s string, minLen, maxLen int) ([]byte, error) {
	if n := b64.DecodedLen(len(s)); n < minLen || n > maxLen {
		return nil, fmt.Errorf("%d bytes, want %d to %d: %w", n, minLen, maxLen, ErrMalformed)
	}
	// encoding/base64 skips \r and \n; refuse them (and anything else
	// outside the alphabet) so a string that parses is exactly canonical.
	for i := 0; i < len(s); i++ {
		if c := s[i]; !('A' <= c && c <= 'Z' || 'a' <= c && c <= 'z' || '0' <= c && c <= '9' || c == '+' || c == '/') {
			return nil, fmt.Errorf("byte %#02x at %d is not base64: %w", c, i, ErrMalformed)
		}
	}
	b, err := b64.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrMalformed, err)
	}
	if len(b) < minLen || len(b) > maxLen {
		return nil, fmt.Errorf("%d bytes, want %d to %d: %w", len(b), minLen, maxLen, ErrMalformed)
	}
	return b, nil
}
