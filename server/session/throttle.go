package session

import (
	"context"
	"net/http"
	"strings"
	"time"
	"unicode"

	"sesame/server/store"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Sign-in throttling, in the manner the CNIL recommends (délibération
// 2017-012): after each failure for an identifier the next attempt waits
// longer, a captcha is asked after a few failures, and the account is never
// locked for good — an attacker cannot lock its owner out for more than
// MaxDelay at a time.
const (
	// FreeFailures is how many failures in a row cost no delay.
	FreeFailures = 3
	// CaptchaAfter is how many failures in a row make the captcha due
	// (when captchas are on).
	CaptchaAfter = 3
	// MaxDelay caps the delay between two attempts.
	MaxDelay = time.Minute
	// FailureMemory is how long failures are remembered after the last one.
	FailureMemory = 24 * time.Hour
)

// Delay is the wait imposed after the given number of failures in a row:
// none for the first FreeFailures, then 1 s, 2 s, 4 s… up to MaxDelay.
func Delay(failures int) time.Duration {
	n := failures - FreeFailures
	if n <= 0 {
		return 0
	}
	if n > 7 { // 2^6 s already exceeds a minute
		return MaxDelay
	}
	return min(time.Second<<(n-1), MaxDelay)
}

// typedKey normalises an identifier that is not well formed, so that
// trivial variants of what was typed share a counter.
func typedKey(s string) string {
	if len(s) > 256 {
		s = s[:256]
	}
	return strings.ToLower(strings.Join(strings.FieldsFunc(s, unicode.IsSpace), ""))
}

// throttleKey is the store key of the failures of an identifier: a keyed
// digest, so the database holds no identifier in clear in its keys.
func (m *Manager) throttleKey(p portal.Config, key string) string {
	return m.Tokens.Hash("signin-throttle", p.ID+"|"+key)
}

// AccountKey is the canonical identifier of account a on portal p, the key
// its sign-in failures are counted under.
func AccountKey(p portal.Config, a store.Account) string {
	switch p.Identifier {
	case portal.IdentifierNIR:
		return a.NIR
	case portal.IdentifierEmail:
		return a.EmailKey
	case portal.IdentifierMemberNumber:
		return a.MemberNumber
	}
	return ""
}

// ResetFailures clears the sign-in failures of an identifier (key is its
// canonical form: NIR, e-mail key or member number) after a successful
// reset or change of the password.
func (m *Manager) ResetFailures(ctx context.Context, p portal.Config, key string) error {
	return m.Store.ClearThrottle(ctx, m.throttleKey(p, key))
}

// ConfirmPassword checks the password that the signed-in owner of account a
// types to confirm something (the current password of a change, a passkey
// deletion). It is a password guess like a sign-in: the account's sign-in
// delay applies (429), the work is the same whether or not a has a
// password, and a wrong one counts as a sign-in failure.
func (m *Manager) ConfirmPassword(ctx context.Context, p portal.Config, a store.Account, password string) (bool, error) {
	key := m.throttleKey(p, AccountKey(p, a))
	t, err := m.Store.Throttle(ctx, key, FailureMemory)
	if err != nil {
		return false, err
	}
	if m.now().Before(t.NotBefore) {
		return false, m.Limited(t.NotBefore)
	}
	ok := false
	if len(password) <= policy.DefaultMaxBytes {
		pw := []byte(policy.Normalize(password))
		if a.PasswordHash == "" {
			err = m.Hasher.Dummy(ctx, pw)
		} else {
			ok, _, err = m.Hasher.Verify(ctx, a.PasswordHash, pw)
		}
		if err != nil {
			return false, err
		}
	}
	if !ok {
		if _, err := m.Store.RecordFailure(ctx, key, Delay, FailureMemory); err != nil {
			return false, err
		}
	}
	return ok, nil
}

// ClearCookie removes the session cookie from the browser.
func (m *Manager) ClearCookie(w http.ResponseWriter) {
	m.setCookie(w, "", 0)
}
