// Package account is what a signed-in member does to their own account:
// change the password (seed 003, "Modifier votre mot de passe").
//
// The change is confirmed by a code e-mailed to the account's address (4
// digits on assure, 6 elsewhere; "Renvoyer le code par mail" issues a new
// one and kills the previous), then the current password, the new one and
// its confirmation. Promises kept here:
//
//   - the code is random, only its keyed digest is stored (bound to the
//     account), it lives 10 minutes, allows at most 3 wrong tries, and only
//     the newest one works; issuing is capped per account;
//   - a wrong current password spends a try of the code too and counts as a
//     sign-in failure of the account (its delay applies here as well), so a
//     stolen session cannot be used to guess the password;
//   - the new password passes the portal's policy, including "différent de
//     votre mot de passe actuel";
//   - the change, the use of the code, the end of every session of the
//     account and the notification mail (date and time, Paris time) happen
//     in one transaction; the answer clears the session cookie.
package account

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"sesame/server/limit"
	"sesame/server/outbox"
	"sesame/server/problem"
	"sesame/server/recovery"
	"sesame/server/session"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/portal"
)

// PurposeChange is the purpose of change-confirmation codes.
const PurposeChange = "change"

// Code settings of a password change.
const (
	CodeTTL      = 10 * time.Minute
	CodeMaxTries = 3
)

// Store is what the change needs kept.
type Store interface {
	IssueToken(ctx context.Context, t store.Token, job *outbox.Job) error
	TryCode(ctx context.Context, account, purpose, digest string, consume bool) (int, error)
	SpendTry(ctx context.Context, account, purpose string) (int, error)
	ChangePassword(ctx context.Context, c store.PasswordChange) (store.Account, error)
}

// Sessions tells who is signed in and keeps the sign-in throttling.
type Sessions interface {
	Current(r *http.Request, p portal.Config) (store.Session, store.Account, error)
	ConfirmPassword(ctx context.Context, p portal.Config, a store.Account, password string) (bool, error)
	ResetFailures(ctx context.Context, p portal.Config, key string) error
	ClearCookie(w http.ResponseWriter)
}

// Limiter caps code issuance.
type Limiter interface {
	Take(ctx context.Context, name, rate, key string) (limit.Verdict, error)
}

// NewPasswordFunc checks a new password against the portal's policy and
// returns its hash, or a 422 carrying the checklist
// (recovery.Service.NewPassword).
type NewPasswordFunc func(ctx context.Context, p portal.Config, a store.Account, password, confirm string, current *string, lang string) (string, error)

// Handler serves the change-password endpoints.
type Handler struct {
	Store       Store
	Sessions    Sessions
	Limiter     Limiter
	Tokens      token.Hasher
	NewPassword NewPasswordFunc
	Portals     func(id string) (portal.Config, bool)
	Paris       *time.Location
	Now         func() time.Time
	Log         *slog.Logger
}

// Routes registers the endpoints.
func (h *Handler) Routes(mux *http.ServeMux, wrap func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	p := api.Prefix + "/portals/{portal}/account/password"
	mux.Handle("POST "+p+"/code", wrap(h.sendCode))
	mux.Handle("POST "+p, wrap(h.change))
}

func (h *Handler) now() time.Time {
	if h.Now != nil {
		return h.Now()
	}
	return time.Now()
}

func (h *Handler) portal(r *http.Request) (portal.Config, error) {
	p, ok := h.Portals(r.PathValue("portal"))
	if !ok {
		return portal.Config{}, problem.New(http.StatusNotFound, api.CodeUnknownPortal)
	}
	return p, nil
}

// digest is the stored form of a code of account: keyed, and bound to the
// account so that two accounts holding the same code never share a record.
func (h *Handler) digest(accountID, code string) string {
	return h.Tokens.Hash(PurposeChange, accountID+"|"+code)
}

func maxTries(p portal.Config) int {
	if p.CodeTries > 0 && p.CodeTries < CodeMaxTries {
		return p.CodeTries
	}
	return CodeMaxTries
}

// sendCode is POST /account/password/code: e-mail a new confirmation code;
// the previous one stops working.
func (h *Handler) sendCode(w http.ResponseWriter, r *http.Request) error {
	p, err := h.portal(r)
	if err != nil {
		return err
	}
	_, a, err := h.Sessions.Current(r, p)
	if err != nil {
		return err
	}
	if a.Email == "" || !a.EmailVerified {
		return problem.New(http.StatusUnprocessableEntity, api.CodeNoValidatedEmail)
	}
	ctx := r.Context()
	v, err := h.Limiter.Take(ctx, "change-code", p.Limits.ChangeCodesPerAccount, p.ID+"|"+a.ID)
	if err != nil {
		return err
	}
	if !v.Allowed {
		return recovery.Limited(v.Until, h.Paris, false)
	}
	code, err := token.NewCode(p.ChangeCodeDigits)
	if err != nil {
		return err
	}
	now := h.now()
	t := store.Token{
		Digest: h.digest(a.ID, code), AccountID: a.ID, Portal: p.ID, Purpose: PurposeChange,
		Created: now, Expires: now.Add(CodeTTL), MaxTries: maxTries(p),
	}
	job := &outbox.Job{Kind: "change_code", Lang: problem.Lang(r), To: a.Email, Secret: code, Data: map[string]string{
		"portal": p.ID, "ttl_minutes": "10",
	}}
	if err := h.Store.IssueToken(ctx, t, job); err != nil {
		return err
	}
	problem.JSON(w, http.StatusAccepted, api.ChangeCodeSent{
		Status: "accepted", MaskedEmail: identity.MaskEmail(a.Email), ExpiresAt: t.Expires.UTC().Truncate(time.Second),
	})
	return nil
}

// codeProblem turns why a code cannot be used into its answer.
func codeProblem(err error, left int) error {
	switch {
	case errors.Is(err, store.ErrWrongCode):
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCodeInvalid, AttemptsLeft: &left}
	case errors.Is(err, store.ErrDead), errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired),
		errors.Is(err, store.ErrUsed), errors.Is(err, store.ErrSuperseded):
		zero := 0
		return &problem.Error{Status: http.StatusGone, Code: api.CodeCodeDead, AttemptsLeft: &zero}
	}
	return err
}

// change is POST /account/password: code, current password, new password
// and confirmation. Success ends every session of the account.
func (h *Handler) change(w http.ResponseWriter, r *http.Request) error {
	p, err := h.portal(r)
	if err != nil {
		return err
	}
	_, a, err := h.Sessions.Current(r, p)
	if err != nil {
		return err
	}
	var req api.ChangePassword
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	ctx, lang := r.Context(), problem.Lang(r)
	code := strings.Join(strings.Fields(req.Code), "")
	if !token.WellFormedCode(code, p.ChangeCodeDigits) {
		// Cannot be right: no try is spent on a typo of the length.
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeInvalidFields, Fields: []string{"code"}}
	}
	digest := h.digest(a.ID, code)
	if left, err := h.Store.TryCode(ctx, a.ID, PurposeChange, digest, false); err != nil {
		return codeProblem(err, left)
	}
	// The code is right. The current password is a password guess like a
	// sign-in: the account's sign-in delay applies, and a wrong one counts.
	ok, err := h.Sessions.ConfirmPassword(ctx, p, a, req.Current)
	if err != nil {
		return err
	}
	if !ok {
		left, err := h.Store.SpendTry(ctx, a.ID, PurposeChange)
		if err != nil && !errors.Is(err, store.ErrDead) {
			return codeProblem(err, left)
		}
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCurrentPassword, AttemptsLeft: &left, Fields: []string{"current"}}
	}
	current := req.Current
	newHash, err := h.NewPassword(ctx, p, a, req.Password, req.Confirm, &current, lang)
	if err != nil {
		return err
	}
	now := h.now()
	var notify *outbox.Job
	if a.Email != "" {
		notify = &outbox.Job{Kind: "password_changed", Lang: lang, To: a.Email, Data: map[string]string{
			"portal": p.ID, "changed_at": now.UTC().Format(time.RFC3339), "how": "change",
		}}
	}
	if _, err := h.Store.ChangePassword(ctx, store.PasswordChange{
		AccountID: a.ID, ExpectHash: a.PasswordHash, NewHash: newHash, At: now,
		ConsumeDigest: digest, Purpose: PurposeChange, Notify: notify,
	}); err != nil {
		if errors.Is(err, store.ErrConflict) {
			// The password changed meanwhile (another change or a reset):
			// that one used the code up and ended this session.
			err = store.ErrUsed
		}
		return codeProblem(err, 0)
	}
	if key := session.AccountKey(p, a); key != "" {
		if err := h.Sessions.ResetFailures(ctx, p, key); err != nil && h.Log != nil {
			h.Log.WarnContext(ctx, "clearing sign-in failures after a change", "portal", p.ID, "err", err)
		}
	}
	h.Sessions.ClearCookie(w)
	problem.JSON(w, http.StatusOK, api.Done{Status: "changed"})
	return nil
}
