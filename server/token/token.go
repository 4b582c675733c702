// Package token makes the secrets a recovery sends and the keyed hashes the
// server keeps of them.
//
// Link tokens are 256 bits from crypto/rand, base64url without padding (43
// characters, safe in a URL fragment). Codes are uniform decimal strings.
// Only HMAC-SHA256 digests keyed with a server secret are stored, so a copy
// of the database does not even allow an offline search of 6-digit codes.
package token

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"math/big"
	"strings"
)

// LinkBytes is the entropy of a link token.
const LinkBytes = 32

// NewLink returns a fresh link token.
func NewLink() string {
	b := make([]byte, LinkBytes)
	_, _ = rand.Read(b) // crypto/rand.Read never fails (Go ≥ 1.24)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewID returns a random identifier of n bytes, base64url: flows, sessions.
func NewID(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

// NewCode returns a code of the given number of decimal digits, each value
// equally likely.
func NewCode(digits int) (string, error) {
	if digits < 4 || digits > 10 {
		return "", fmt.Errorf("token: a code of %d digits", digits)
	}
	max := new(big.Int).Exp(big.NewInt(10), big.NewInt(int64(digits)), nil)
	n, err := rand.Int(rand.Reader, max)
	if err != nil {
		return "", fmt.Errorf("token: code: %w", err)
	}
	return fmt.Sprintf("%0*d", digits, n), nil
}

// WellFormedLink reports whether s can be a link token, before any lookup.
func WellFormedLink(s string) bool {
	if len(s) != base64.RawURLEncoding.EncodedLen(LinkBytes) {
		return false
	}
	_, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil
}

// WellFormedCode reports whether s is a code of n digits.
func WellFormedCode(s string, n int) bool {
	if len(s) != n {
		return false
	}
	return strings.Trim(s, "0123456789") == ""
}

// Hasher digests secrets under a server key, separately per purpose so a
// secret issued for one purpose never matches another.
type Hasher struct{ key []byte }

// NewHasher returns a Hasher; the key must hold at least 32 bytes.
func NewHasher(key []byte) (Hasher, error) {
	if len(key) < 32 {
		return Hasher{}, fmt.Errorf("token: hash key of %d bytes, want at least 32", len(key))
	}
	return Hasher{key: append([]byte(nil), key...)}, nil
}

// Hash returns the hex digest of secret for purpose.
func (h Hasher) Hash(purpose, secret string) string {
	m := hmac.New(sha256.New, h.key)
	m.Write([]byte(purpose))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return hex.EncodeToString(m.Sum(nil))
}

// Derive returns a sub-key for label from a master key, so each use of the
// server secret (token digests, outbox encryption, sessions, masks) has its
// own key.
func Derive(master []byte, label string) []byte {
	m := hmac.New(sha256.New, master)
	m.Write([]byte("sesame/" + label))
	return m.Sum(nil)
}
