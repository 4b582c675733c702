// Package recovery is the forgotten-password journey of every portal: proof
// of identity, an e-mailed link or code, a new password.
//
// It promises what DESIGN.md says: the answer to a recovery request is the
// same, in status, body and cost, whether the account exists or not; limits
// are keyed on what was typed; a link or code is single use, expires, and is
// superseded by the next one; the mail is queued in the same transaction as
// its token; a new password ends every session and kills every outstanding
// token of the account.
package recovery

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"sesame/server/limit"
	"sesame/server/outbox"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/portal"
)

// Purpose of the tokens a recovery issues.
const (
	PurposeReset = "reset"
)

// Store is what the journey keeps.
type Store interface {
	// Recover looks an account up and writes what a request makes of it,
	// in one transaction.
	Recover(ctx context.Context, portal, kind, key string, decide func(a store.Account, found bool) (store.Recovery, error)) error
	Account(ctx context.Context, id string) (store.Account, error)
	Token(ctx context.Context, digest, purpose string) (store.Token, error)
	ChangePassword(ctx context.Context, c store.PasswordChange) (store.Account, error)
	Flow(ctx context.Context, id string) (store.Flow, error)
	SetFlowCode(ctx context.Context, id, digest string, expires time.Time, maxTries int, job *outbox.Job) error
	TryFlowCode(ctx context.Context, id, digest string, issue store.Token) (int, error)
	// Passkeys are named in the notification of a reset, which leaves
	// them in place.
	Passkeys(ctx context.Context, accountID string) ([]store.Passkey, error)
}

// Hasher hashes and verifies passwords (Argon2id, bounded).
type Hasher interface {
	Hash(ctx context.Context, password []byte) (string, error)
	Verify(ctx context.Context, phc string, password []byte) (ok, needsRehash bool, err error)
}

// Limiter counts requests against named budgets.
type Limiter interface {
	Take(ctx context.Context, name, rate, key string) (limit.Verdict, error)
	Reset(ctx context.Context, name, rate, key string) error
}

// Captcha verifies a challenge's answer; nil when captchas are off.
type Captcha interface {
	Verify(ctx context.Context, id, answer string) error
}

// Service runs the journey for every portal.
type Service struct {
	Store   Store
	Hasher  Hasher
	Limiter Limiter
	Captcha Captcha // nil: off
	Tokens  token.Hasher
	// MaskKey derives the plausible masked address shown for an unknown
	// member number.
	MaskKey []byte
	Portals func(id string) (portal.Config, bool)
	// ClientKey gives the rate-limit key of the request's client.
	ClientKey func(r *http.Request) string
	// Cookie names and attributes of the flow cookie.
	Cookies CookieConfig
	Paris   *time.Location
	Now     func() time.Time
	Log     *slog.Logger
	// AfterReset runs after a successful reset (sign-in throttling reset).
	AfterReset func(ctx context.Context, a store.Account)
}

// CookieConfig says how the flow cookie is written: `__Host-` prefixed and
// Secure in production, plain over http in development.
type CookieConfig struct {
	Secure bool
}

// FlowCookie is the cookie binding a code flow to its browser.
func (c CookieConfig) FlowCookie() string {
	if c.Secure {
		return "__Host-sesame_flow"
	}
	return "sesame_flow"
}

func (s *Service) now() time.Time {
	if s.Now != nil {
		return s.Now()
	}
	return time.Now()
}
