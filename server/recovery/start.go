package recovery

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"fmt"
	"net/http"
	"strings"
	"time"

	"sesame/server/mail"
	"sesame/server/outbox"
	"sesame/server/problem"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/message"
	"sesame/shared/portal"
)

// Routes registers the journey's endpoints on mux.
func (s *Service) Routes(mux *http.ServeMux, wrap func(func(http.ResponseWriter, *http.Request) error) http.Handler) {
	p := api.Prefix + "/portals/{portal}/recovery"
	mux.Handle("POST "+p, wrap(s.start))
	mux.Handle("POST "+p+"/link", wrap(s.checkLink))
	mux.Handle("POST "+p+"/link/password", wrap(s.setPassword))
	mux.Handle("POST "+p+"/flows/{flow}/send", wrap(s.sendCode))
	mux.Handle("POST "+p+"/flows/{flow}/code", wrap(s.submitCode))
}

func (s *Service) portal(r *http.Request) (portal.Config, error) {
	p, ok := s.Portals(r.PathValue("portal"))
	if !ok {
		return portal.Config{}, problem.New(http.StatusNotFound, api.CodeUnknownPortal)
	}
	return p, nil
}

// take counts the request against a budget and turns a refusal into the
// seed's 429 sentence, in Paris time.
func (s *Service) take(ctx context.Context, name, rate, key string, recovery bool) error {
	v, err := s.Limiter.Take(ctx, name, rate, key)
	if err != nil {
		return err
	}
	if v.Allowed {
		return nil
	}
	return Limited(v.Until, s.Paris, recovery)
}

// Limited is the 429 answer for a budget spent until the given time.
func Limited(until time.Time, paris *time.Location, recovery bool) *problem.Error {
	when := mail.FormatParis(until, paris)
	return &problem.Error{
		Status: http.StatusTooManyRequests, Code: api.CodeRateLimited, RetryAt: until,
		DetailIn: func(lang string) string {
			if recovery {
				return message.RecoveryBlocked(when, lang)
			}
			return message.Blocked(when, lang)
		},
	}
}

func invalid(fields ...string) error {
	return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeInvalidFields, Fields: fields}
}

// start is POST /recovery: check the proof, queue the mail, answer the same
// whether or not an account matched.
func (s *Service) start(w http.ResponseWriter, r *http.Request) error {
	p, err := s.portal(r)
	if err != nil {
		return err
	}
	var req api.RecoveryRequest
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	lang := lang(req.Lang, r)
	ctx := r.Context()
	if err := s.take(ctx, "recovery-ip", p.Limits.RecoveryPerIP, p.ID+"|"+s.ClientKey(r), true); err != nil {
		return err
	}
	switch p.Identifier {
	case portal.IdentifierEmail:
		return s.startEmail(ctx, w, p, req, lang)
	case portal.IdentifierNIR:
		return s.startNIR(ctx, w, p, req, lang)
	case portal.IdentifierMemberNumber:
		return s.startMember(ctx, w, r, p, req)
	}
	return fmt.Errorf("recovery: portal %s: identifier %q", p.ID, p.Identifier)
}

// verifyCaptcha runs before any account lookup, with the same answer for
// every identity.
func (s *Service) verifyCaptcha(ctx context.Context, p portal.Config, req api.RecoveryRequest) error {
	if !p.Captcha || s.Captcha == nil {
		return nil
	}
	if req.CaptchaID == "" || req.CaptchaAnswer == "" {
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCaptchaRequired, Fields: []string{"captcha_answer"}}
	}
	if err := s.Captcha.Verify(ctx, req.CaptchaID, req.CaptchaAnswer); err != nil {
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCaptchaInvalid, Fields: []string{"captcha_answer"}}
	}
	return nil
}

// startEmail is employeur: the e-mail alone; the answer never says whether
// an account exists.
func (s *Service) startEmail(ctx context.Context, w http.ResponseWriter, p portal.Config, req api.RecoveryRequest, lang string) error {
	email, err := identity.ParseEmail(req.Email)
	if err != nil {
		return invalid(portal.FieldEmail)
	}
	if err := s.verifyCaptcha(ctx, p, req); err != nil {
		return err
	}
	if err := s.take(ctx, "recovery-id", p.Limits.RecoveryPerIdentifier, p.ID+"|"+email.Key(), true); err != nil {
		return err
	}
	err = s.Store.Recover(ctx, p.ID, store.KindEmail, email.Key(), func(a store.Account, found bool) (store.Recovery, error) {
		if found && a.Email != "" {
			return s.link(p, a, lang), nil
		}
		return s.trace(p, email.Key()), nil
	})
	if err != nil {
		return err
	}
	problem.JSON(w, http.StatusAccepted, api.RecoveryAccepted{Status: "accepted"})
	return nil
}

// startNIR is assure: NIR, birth date and the account's e-mail address, with
// a captcha; the answer masks the address typed.
func (s *Service) startNIR(ctx context.Context, w http.ResponseWriter, p portal.Config, req api.RecoveryRequest, lang string) error {
	var bad []string
	birth, errB := identity.ParseBirthDate(req.Birthdate, s.now())
	if errB != nil {
		bad = append(bad, portal.FieldBirthdate)
	}
	nir, errN := identity.ParseNIR(req.NIR)
	if errN == nil && errB == nil && !nir.MatchesBirthDate(birth) {
		errN = identity.ErrNIRBirthDate
	}
	if errN != nil {
		bad = append([]string{portal.FieldNIR}, bad...)
	}
	email, errE := identity.ParseEmail(req.Email)
	if errE != nil {
		bad = append(bad, portal.FieldEmail)
	}
	if len(bad) > 0 {
		return invalid(bad...)
	}
	if err := s.verifyCaptcha(ctx, p, req); err != nil {
		return err
	}
	if err := s.take(ctx, "recovery-id", p.Limits.RecoveryPerIdentifier, p.ID+"|"+nir.String(), true); err != nil {
		return err
	}
	err := s.Store.Recover(ctx, p.ID, store.KindNIR, nir.String(), func(a store.Account, found bool) (store.Recovery, error) {
		matched := found && a.Birthdate == birth.Format(time.DateOnly)
		switch {
		case matched && (a.Email == "" || !a.EmailVerified) && p.NoEmailScreen:
			// The seed's 3bis screen: a documented deviation (see README).
			return store.Recovery{}, problem.New(http.StatusUnprocessableEntity, api.CodeNoValidatedEmail)
		case matched && a.EmailVerified && a.EmailKey == email.Key():
			return s.link(p, a, lang), nil
		}
		return s.trace(p, nir.String()), nil
	})
	if err != nil {
		return err
	}
	problem.JSON(w, http.StatusAccepted, api.RecoveryAccepted{Status: "accepted", MaskedEmail: identity.MaskEmail(email.String())})
	return nil
}

// link is a new reset token for a, superseding older ones, with its mail
// (written in the same transaction).
func (s *Service) link(p portal.Config, a store.Account, lang string) store.Recovery {
	raw := token.NewLink()
	now := s.now()
	return store.Recovery{
		Token: &store.Token{
			Digest: s.Tokens.Hash(PurposeReset, raw), AccountID: a.ID, Portal: p.ID,
			Purpose: PurposeReset, Created: now, Expires: now.Add(p.LinkTTL.D()),
		},
		Job: &outbox.Job{Kind: "reset_link", Lang: lang, To: a.Email, Secret: raw, Data: map[string]string{"portal": p.ID}},
	}
}

// trace spends, for an unknown account, the durable write a known one
// spends, so that both answer in the same time.
func (s *Service) trace(p portal.Config, key string) store.Recovery {
	return store.Recovery{Trace: s.Tokens.Hash("trace", p.ID+"|"+key), TraceTTL: time.Hour}
}

// startMember is adherent: the member number opens a flow bound to this
// browser; the screen shows the masked address and offers to send a code.
func (s *Service) startMember(ctx context.Context, w http.ResponseWriter, r *http.Request, p portal.Config, req api.RecoveryRequest) error {
	number, err := identity.ParseMemberNumber(req.MemberNumber)
	if err != nil {
		return invalid(portal.FieldMemberNumber)
	}
	if err := s.verifyCaptcha(ctx, p, req); err != nil {
		return err
	}
	if err := s.take(ctx, "recovery-id", p.Limits.RecoveryPerIdentifier, p.ID+"|"+number, true); err != nil {
		return err
	}
	browser := token.NewID(32)
	var f store.Flow
	err = s.Store.Recover(ctx, p.ID, store.KindMember, number, func(a store.Account, found bool) (store.Recovery, error) {
		f = store.Flow{
			ID: token.NewID(16), Portal: p.ID, MaskedEmail: s.plausibleMask(p.ID, number),
			Expires: s.now().Add(time.Hour), BrowserHash: s.Tokens.Hash("flow-browser", browser),
		}
		if found && a.Email != "" && a.EmailVerified {
			f.AccountID, f.MaskedEmail = a.ID, identity.MaskEmail(a.Email)
		}
		return store.Recovery{Flow: &f}, nil
	})
	if err != nil {
		return err
	}
	http.SetCookie(w, &http.Cookie{
		Name: s.Cookies.FlowCookie(), Value: browser, Path: "/", MaxAge: 3600,
		HttpOnly: true, Secure: s.Cookies.Secure, SameSite: http.SameSiteStrictMode,
	})
	problem.JSON(w, http.StatusAccepted, api.RecoveryAccepted{Status: "accepted", FlowID: f.ID, MaskedEmail: f.MaskedEmail})
	return nil
}

// Common providers, most frequent first, for masks of unknown numbers.
var maskDomains = []string{"g***.com", "o***.fr", "h***.fr", "f***.fr", "y***.fr", "l***.net", "s***.fr", "w***.fr", "h***.com", "g***.fr"}

// plausibleMask derives, from a server secret, a stable masked address for
// a member number: the same number always shows the same mask, and nothing
// tells it from a real one.
func (s *Service) plausibleMask(portalID, number string) string {
	m := hmac.New(sha256.New, s.MaskKey)
	m.Write([]byte(portalID + "|" + number))
	sum := m.Sum(nil)
	letters := "abcdefghijklmnopqrstuvwxyzaeeiilmnrst" // weighted to first-name initials
	return string(letters[int(sum[0])%len(letters)]) + "***@" + maskDomains[int(sum[1])%len(maskDomains)]
}

// lang is the mail language: the request's, else the browser's.
func lang(asked string, r *http.Request) string {
	if a := strings.ToLower(asked); a == "en" || a == "fr" {
		return a
	}
	return problem.Lang(r)
}
