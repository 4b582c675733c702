// Package session signs members in and out and tells who is signed in.
//
// A session id is 256 random bits held in an HttpOnly, SameSite cookie
// (`__Host-` prefixed and Secure in production); the server keeps only its
// keyed digest. Sessions end after an idle period and at an absolute
// deadline, and all of an account's sessions end when its password changes.
// Unknown identifiers and wrong passwords get the same answer after the
// same work.
//
// Failed sign-ins are throttled per identifier as typed (see throttle.go):
// a growing delay after the third failure in a row, capped at a minute, and
// a captcha from then on; never a lock. A client IP also has a budget of
// failures. A successful sign-in, reset or change clears the identifier's
// failures.
package session

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"time"

	"sesame/server/limit"
	"sesame/server/problem"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Store is what sessions need kept.
type Store interface {
	AccountBy(ctx context.Context, portal, kind, key string) (store.Account, error)
	Account(ctx context.Context, id string) (store.Account, error)
	PutSession(ctx context.Context, s store.Session) error
	Session(ctx context.Context, digest string) (store.Session, error)
	DeleteSession(ctx context.Context, s store.Session) error
	Throttle(ctx context.Context, key string, memory time.Duration) (store.Throttle, error)
	BeginAttempt(ctx context.Context, key string, hold func(failures int) time.Duration, memory time.Duration) (store.Throttle, error)
	RecordFailure(ctx context.Context, key string, delay func(failures int) time.Duration, memory time.Duration) (store.Throttle, error)
	ClearThrottle(ctx context.Context, key string) error
}

// Hasher verifies passwords, and spends the same work for unknown accounts.
type Hasher interface {
	Verify(ctx context.Context, phc string, password []byte) (ok, needsRehash bool, err error)
	Dummy(ctx context.Context, password []byte) error
}

// Limiter counts the sign-in failures of a client (per-IP budget).
type Limiter interface {
	Take(ctx context.Context, name, rate, key string) (limit.Verdict, error)
	Peek(ctx context.Context, name, rate, key string) (limit.Verdict, error)
}

// Captcha verifies a challenge's answer (single use).
type Captcha interface {
	Verify(ctx context.Context, id, answer string) error
}

// Manager runs sign-in, sign-out and who-am-I.
type Manager struct {
	Store     Store
	Hasher    Hasher
	Limiter   Limiter
	Captcha   Captcha // nil when captchas are off
	Tokens    token.Hasher
	Portals   func(id string) (portal.Config, bool)
	ClientKey func(r *http.Request) string
	Secure    bool          // __Host- prefix and Secure attribute
	Idle      time.Duration // default 30 minutes
	Absolute  time.Duration // default 12 hours
	Limited   func(until time.Time) error
	Now       func() time.Time
	Log       *slog.Logger
}

// Cookie is the session cookie's name.
func (m *Manager) Cookie() string {
	if m.Secure {
		return "__Host-sesame_session"
	}
	return "sesame_session"
}

func (m *Manager) now() time.Time {
	if m.Now != nil {
		return m.Now()
	}
	return time.Now()
}

func (m *Manager) idle() time.Duration {
	if m.Idle > 0 {
		return m.Idle
	}
	return 30 * time.Minute
}

func (m *Manager) absolute() time.Duration {
	if m.Absolute > 0 {
		return m.Absolute
	}
	return 12 * time.Hour
}

// Routes registers the session endpoints.
func (m *Manager) Routes(mux *http.ServeMux, wrap func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	p := api.Prefix + "/portals/{portal}/session"
	mux.Handle("POST "+p, wrap(m.signIn))
	mux.Handle("GET "+p, wrap(m.whoAmI))
	mux.Handle("DELETE "+p, wrap(m.signOut))
}

func (m *Manager) portal(r *http.Request) (portal.Config, error) {
	p, ok := m.Portals(r.PathValue("portal"))
	if !ok {
		return portal.Config{}, problem.New(http.StatusNotFound, api.CodeUnknownPortal)
	}
	return p, nil
}

// lookupKey turns what the member typed into the index key of the portal's
// identifier; ok is false when it cannot be one.
func lookupKey(p portal.Config, typed string) (kind, key string, ok bool) {
	switch p.Identifier {
	case portal.IdentifierNIR:
		n, err := identity.ParseNIR(typed)
		return store.KindNIR, n.String(), err == nil
	case portal.IdentifierEmail:
		k, err := identity.NormalizeEmail(typed)
		return store.KindEmail, k, err == nil
	case portal.IdentifierMemberNumber:
		n, err := identity.ParseMemberNumber(typed)
		return store.KindMember, n, err == nil
	}
	return "", "", false
}

var errBadCredentials = &problem.Error{Status: http.StatusUnauthorized, Code: api.CodeBadCredentials}

// signIn is POST /session. The order matters: the client's budget and
// the identifier's delay first (no work), then the captcha when one is due
// (before any account lookup), then the same password work for every
// identifier.
func (m *Manager) signIn(w http.ResponseWriter, r *http.Request) error {
	p, err := m.portal(r)
	if err != nil {
		return err
	}
	var req api.SignIn
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	ctx := r.Context()
	kind, key, wellFormed := lookupKey(p, req.Identifier)
	if !wellFormed {
		key = typedKey(req.Identifier)
	}
	tkey := m.throttleKey(p, key)
	ipKey := m.ClientKey(r)
	v, err := m.Limiter.Peek(ctx, "signin-ip", p.Limits.SignInPerIP, ipKey)
	if err != nil {
		return err
	}
	if !v.Allowed {
		return m.Limited(v.Until)
	}
	t, err := m.Store.Throttle(ctx, tkey, FailureMemory)
	if err != nil {
		return err
	}
	if m.now().Before(t.NotBefore) {
		return m.Limited(t.NotBefore)
	}
	if err := m.verifyCaptcha(ctx, p, t.Failures, req); err != nil {
		return err
	}
	if t, err = m.Store.BeginAttempt(ctx, tkey, Delay, FailureMemory); err != nil {
		if errors.Is(err, store.ErrTooEarly) {
			return m.Limited(t.NotBefore)
		}
		return err
	}
	pw := []byte(policy.Normalize(req.Password))
	var a store.Account
	ok := false
	if wellFormed && len(req.Password) <= policy.DefaultMaxBytes {
		a, err = m.Store.AccountBy(ctx, p.ID, kind, key)
		switch {
		case err == nil && a.PasswordHash != "":
			ok, _, err = m.Hasher.Verify(ctx, a.PasswordHash, pw)
		case err == nil || errors.Is(err, store.ErrNotFound):
			err = m.Hasher.Dummy(ctx, pw)
		}
		if err != nil {
			return err
		}
	}
	if !ok {
		if _, err := m.Store.RecordFailure(ctx, tkey, Delay, FailureMemory); err != nil {
			return err
		}
		if _, err := m.Limiter.Take(ctx, "signin-ip", p.Limits.SignInPerIP, ipKey); err != nil {
			return err
		}
		return errBadCredentials
	}
	if err := m.Store.ClearThrottle(ctx, tkey); err != nil {
		return err
	}
	return m.Open(w, r, p, a, store.MethodPassword, "")
}

// Open signs account a in on portal p after it proved who it is (method
// store.MethodPassword or store.MethodPasskey, with the passkey's id): a
// new session, its cookie, and the 200 account summary every sign-in
// answers.
func (m *Manager) Open(w http.ResponseWriter, r *http.Request, p portal.Config, a store.Account, method, passkeyID string) error {
	ctx := r.Context()
	// A new id at every sign-in: a session id planted before sign-in is
	// worth nothing after it.
	if old, err := r.Cookie(m.Cookie()); err == nil && old.Value != "" {
		if prev, err := m.Store.Session(ctx, m.Tokens.Hash("session", old.Value)); err == nil {
			_ = m.Store.DeleteSession(ctx, prev)
		}
	}
	id := token.NewID(32)
	now := m.now()
	sess := store.Session{
		Digest: m.Tokens.Hash("session", id), AccountID: a.ID, Portal: p.ID,
		Created: now, LastSeen: now, Expires: now.Add(m.absolute()),
		Method: method, PasskeyID: passkeyID,
	}
	if err := m.Store.PutSession(ctx, sess); err != nil {
		return err
	}
	m.setCookie(w, id, m.absolute())
	problem.JSON(w, http.StatusOK, Summary(p, a))
	return nil
}

// verifyCaptcha asks the challenge when one is due: always on a portal
// whose sign-in has one (adherent's "Anti-Robot"), and after
// CaptchaAfter failures in a row elsewhere. Nothing when captchas are off.
func (m *Manager) verifyCaptcha(ctx context.Context, p portal.Config, failures int, req api.SignIn) error {
	if m.Captcha == nil || !p.SignInCaptcha && failures < CaptchaAfter {
		return nil
	}
	if req.CaptchaID == "" || req.CaptchaAnswer == "" {
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCaptchaRequired, Fields: []string{"captcha_answer"}}
	}
	if err := m.Captcha.Verify(ctx, req.CaptchaID, req.CaptchaAnswer); err != nil {
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCaptchaInvalid, Fields: []string{"captcha_answer"}}
	}
	return nil
}

func (m *Manager) setCookie(w http.ResponseWriter, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: m.Cookie(), Value: value, Path: "/", HttpOnly: true, Secure: m.Secure,
		SameSite: http.SameSiteLaxMode, MaxAge: int(maxAge.Seconds()),
	}
	if maxAge <= 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// Summary is who account a is on portal p, as GET /session answers it.
func Summary(p portal.Config, a store.Account) api.Session {
	s := api.Session{Portal: p.ID, EmailMasked: identity.MaskEmail(a.Email)}
	switch p.Identifier {
	case portal.IdentifierNIR:
		if n, err := identity.ParseNIR(a.NIR); err == nil {
			s.Identifier = n.Formatted()
		}
	case portal.IdentifierEmail:
		s.Identifier = a.Email
	case portal.IdentifierMemberNumber:
		s.Identifier = a.MemberNumber
	}
	return s
}

var errSignedOut = &problem.Error{Status: http.StatusUnauthorized, Code: api.CodeUnauthenticated}

// Current returns the signed-in session and account of the request for
// portal p, refreshing the idle deadline; 401 when there is none.
func (m *Manager) Current(r *http.Request, p portal.Config) (store.Session, store.Account, error) {
	c, err := r.Cookie(m.Cookie())
	if err != nil || c.Value == "" {
		return store.Session{}, store.Account{}, errSignedOut
	}
	ctx := r.Context()
	sess, err := m.Store.Session(ctx, m.Tokens.Hash("session", c.Value))
	if errors.Is(err, store.ErrNotFound) {
		return store.Session{}, store.Account{}, errSignedOut
	}
	if err != nil {
		return store.Session{}, store.Account{}, err
	}
	now := m.now()
	if sess.Portal != p.ID {
		return store.Session{}, store.Account{}, errSignedOut
	}
	if !now.Before(sess.Expires) || !now.Before(sess.LastSeen.Add(m.idle())) {
		_ = m.Store.DeleteSession(ctx, sess)
		return store.Session{}, store.Account{}, errSignedOut
	}
	a, err := m.Store.Account(ctx, sess.AccountID)
	if err != nil {
		return store.Session{}, store.Account{}, errSignedOut
	}
	if now.Sub(sess.LastSeen) > time.Minute {
		sess.LastSeen = now
		if err := m.Store.PutSession(ctx, sess); err != nil {
			return store.Session{}, store.Account{}, err
		}
	}
	return sess, a, nil
}

// whoAmI is GET /session.
func (m *Manager) whoAmI(w http.ResponseWriter, r *http.Request) error {
	p, err := m.portal(r)
	if err != nil {
		return err
	}
	_, a, err := m.Current(r, p)
	if err != nil {
		return err
	}
	problem.JSON(w, http.StatusOK, Summary(p, a))
	return nil
}

// signOut is DELETE /session: 204 whether or not a session was there.
func (m *Manager) signOut(w http.ResponseWriter, r *http.Request) error {
	p, err := m.portal(r)
	if err != nil {
		return err
	}
	if sess, _, err := m.Current(r, p); err == nil {
		if err := m.Store.DeleteSession(r.Context(), sess); err != nil {
			return err
		}
	}
	m.setCookie(w, "", 0)
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusNoContent)
	return nil
}
