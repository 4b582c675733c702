package recovery

import (
	"context"
	"errors"
	"net/http"
	"strings"
	"time"

	"sesame/server/outbox"
	"sesame/server/problem"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// linkProblem turns why a token cannot be used into its 410 answer.
func linkProblem(err error) error {
	code := ""
	switch {
	case errors.Is(err, store.ErrExpired):
		code = api.CodeLinkExpired
	case errors.Is(err, store.ErrUsed):
		code = api.CodeLinkUsed
	case errors.Is(err, store.ErrSuperseded):
		code = api.CodeLinkSuperseded
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrDead):
		code = api.CodeLinkInvalid
	default:
		return err
	}
	return &problem.Error{Status: http.StatusGone, Code: code}
}

// usable finds the token a link carries, if the portal's and still usable.
func (s *Service) usable(ctx context.Context, r *http.Request, p portal.Config, raw string) (store.Token, error) {
	if err := s.take(ctx, "link-ip", p.Limits.LinkChecksPerIP, s.ClientKey(r), false); err != nil {
		return store.Token{}, err
	}
	if !token.WellFormedLink(raw) {
		return store.Token{}, linkProblem(store.ErrNotFound)
	}
	t, err := s.Store.Token(ctx, s.Tokens.Hash(PurposeReset, raw), PurposeReset)
	if err == nil && t.Portal != p.ID {
		err = store.ErrNotFound
	}
	if err != nil {
		return store.Token{}, linkProblem(err)
	}
	return t, nil
}

// checkLink is POST /recovery/link: can this link still be used? Checking
// never consumes it.
func (s *Service) checkLink(w http.ResponseWriter, r *http.Request) error {
	p, err := s.portal(r)
	if err != nil {
		return err
	}
	var req api.LinkCheck
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	t, err := s.usable(r.Context(), r, p, req.Token)
	if err != nil {
		return err
	}
	problem.JSON(w, http.StatusOK, api.LinkStatus{ExpiresAt: t.Expires.UTC()})
	return nil
}

// setPassword is POST /recovery/link/password: the new password, checked
// by the portal's policy, replaces the old one; the link is used up.
func (s *Service) setPassword(w http.ResponseWriter, r *http.Request) error {
	p, err := s.portal(r)
	if err != nil {
		return err
	}
	var req api.NewPassword
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	ctx := r.Context()
	t, err := s.usable(ctx, r, p, req.Token)
	if err != nil {
		return err
	}
	a, err := s.Store.Account(ctx, t.AccountID)
	if err != nil {
		return linkProblem(err)
	}
	lang := problem.Lang(r)
	newHash, err := s.NewPassword(ctx, p, a, req.Password, req.Confirm, nil, lang)
	if err != nil {
		return err
	}
	keys, err := s.Store.Passkeys(ctx, a.ID)
	if err != nil {
		return err
	}
	now := s.now()
	a, err = s.Store.ChangePassword(ctx, store.PasswordChange{
		AccountID: a.ID, ExpectHash: a.PasswordHash, NewHash: newHash, At: now,
		ConsumeDigest: t.Digest, Purpose: PurposeReset,
		Notify: changedMail(p, a, now, "reset", lang, keys),
	})
	if err != nil {
		if errors.Is(err, store.ErrConflict) {
			return linkProblem(store.ErrUsed)
		}
		return linkProblem(err)
	}
	if s.AfterReset != nil {
		s.AfterReset(ctx, a)
	}
	problem.JSON(w, http.StatusOK, api.Done{Status: "changed"})
	return nil
}

// changedMail is the notification every password change sends, if the
// account has an address. A new password leaves the account's passkeys
// in place: the mail names them, so that one the member does not know
// can be removed.
func changedMail(p portal.Config, a store.Account, at time.Time, how, lang string, keys []store.Passkey) *outbox.Job {
	if a.Email == "" {
		return nil
	}
	job := &outbox.Job{Kind: "password_changed", Lang: lang, To: a.Email, Data: map[string]string{
		"portal": p.ID, "changed_at": at.UTC().Format(time.RFC3339), "how": how,
	}}
	if len(keys) > 0 {
		names := make([]string, 0, len(keys))
		for _, k := range keys {
			names = append(names, strings.ReplaceAll(k.Name, "\n", " "))
		}
		job.Data["passkeys"] = strings.Join(names, "\n")
	}
	return job
}

// PolicyContext is what a password of account a must not contain.
func PolicyContext(p portal.Config, a store.Account) policy.Context {
	c := policy.Context{NIR: a.NIR, Birthdate: a.Birthdate, Email: a.Email, MemberNumber: a.MemberNumber}
	switch p.Identifier {
	case portal.IdentifierEmail:
		c.Identifier = a.Email
	case portal.IdentifierNIR:
		c.Identifier = a.NIR
	case portal.IdentifierMemberNumber:
		c.Identifier = a.MemberNumber
	}
	return p.PolicyContext(c)
}

// NewPassword checks password against the portal's policy for account a
// and returns its hash, or a 422 carrying the checklist. current, when
// given, is the current password typed by the user; otherwise "differs from
// the current password" is checked against the stored hash.
func (s *Service) NewPassword(ctx context.Context, p portal.Config, a store.Account, password, confirm string, current *string, lang string) (string, error) {
	in := policy.Input{Password: password, Confirm: confirm, Context: PolicyContext(p, a)}
	if current != nil {
		in.Current, in.HasCurrent = *current, true
	}
	res := p.Policy.Check(in, lang)
	if res.OK && current == nil && a.PasswordHash != "" {
		same, _, err := s.Hasher.Verify(ctx, a.PasswordHash, []byte(policy.Normalize(password)))
		if err != nil {
			return "", err
		}
		if same {
			res.OK = false
			for i := range res.Rules {
				if res.Rules[i].ID == "differs" {
					res.Rules[i].OK = false
				}
			}
		}
	}
	if !res.OK {
		return "", &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodePasswordPolicy, Rules: res.Rules}
	}
	return s.Hasher.Hash(ctx, []byte(policy.Normalize(password)))
}
