package recovery

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"sesame/server/outbox"
	"sesame/server/problem"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// PurposeFlowCode is the purpose of a flow's code digests.
const PurposeFlowCode = "flow-code"

// flow finds the flow of the path and checks it was started by this
// browser: the code is typed on the page that asked for it.
func (s *Service) flow(r *http.Request, p portal.Config) (store.Flow, error) {
	if p.Channel != portal.ChannelCode {
		return store.Flow{}, problem.New(http.StatusNotFound, api.CodeChannelNotAllowed)
	}
	f, err := s.Store.Flow(r.Context(), r.PathValue("flow"))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrExpired) || err == nil && f.Portal != p.ID {
		return store.Flow{}, &problem.Error{Status: http.StatusGone, Code: api.CodeFlowInvalid}
	}
	if err != nil {
		return store.Flow{}, err
	}
	c, err := r.Cookie(s.Cookies.FlowCookie())
	if err != nil || s.Tokens.Hash("flow-browser", c.Value) != f.BrowserHash {
		return store.Flow{}, problem.New(http.StatusForbidden, api.CodeFlowForeign)
	}
	return f, nil
}

// sendCode is POST /flows/{flow}/send, "Recevoir mon code par mail": a new
// code replaces the previous one. The answer is the same whether or not the
// member number exists; for an unknown one no mail leaves.
func (s *Service) sendCode(w http.ResponseWriter, r *http.Request) error {
	p, err := s.portal(r)
	if err != nil {
		return err
	}
	f, err := s.flow(r, p)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.take(ctx, "code-send", p.Limits.CodeSendsPerFlow, f.ID, true); err != nil {
		return err
	}
	code, err := token.NewCode(p.CodeDigits)
	if err != nil {
		return err
	}
	var job *outbox.Job
	if f.AccountID != "" {
		a, err := s.Store.Account(ctx, f.AccountID)
		if err != nil {
			return err
		}
		job = &outbox.Job{Kind: "reset_code", Lang: problem.Lang(r), To: a.Email, Secret: code, Data: map[string]string{"portal": p.ID}}
	}
	expires := s.now().Add(p.CodeTTL.D())
	if err := s.Store.SetFlowCode(ctx, f.ID, s.Tokens.Hash(PurposeFlowCode, f.ID+"|"+code), expires, p.CodeTries, job); err != nil {
		return err
	}
	problem.JSON(w, http.StatusAccepted, api.RecoveryAccepted{Status: "accepted", FlowID: f.ID, MaskedEmail: f.MaskedEmail})
	return nil
}

// submitCode is POST /flows/{flow}/code: a right code gives a token usable
// as a link's; a wrong one spends a try.
func (s *Service) submitCode(w http.ResponseWriter, r *http.Request) error {
	p, err := s.portal(r)
	if err != nil {
		return err
	}
	f, err := s.flow(r, p)
	if err != nil {
		return err
	}
	var req api.CodeSubmit
	if err := problem.Decode(w, r, problem.MaxBody, &req); err != nil {
		return err
	}
	code := strings.Join(strings.Fields(req.Code), "")
	raw := token.NewLink()
	now := s.now()
	issue := store.Token{
		Digest: s.Tokens.Hash(PurposeReset, raw), Portal: p.ID, Purpose: PurposeReset,
		Created: now, Expires: now.Add(p.LinkTTL.D()),
	}
	left, err := s.Store.TryFlowCode(r.Context(), f.ID, s.Tokens.Hash(PurposeFlowCode, f.ID+"|"+code), issue)
	switch {
	case errors.Is(err, store.ErrWrongCode):
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeCodeInvalid, AttemptsLeft: &left}
	case errors.Is(err, store.ErrDead):
		zero := 0
		return &problem.Error{Status: http.StatusGone, Code: api.CodeCodeDead, AttemptsLeft: &zero}
	case errors.Is(err, store.ErrExpired), errors.Is(err, store.ErrNotFound):
		return &problem.Error{Status: http.StatusGone, Code: api.CodeFlowInvalid}
	case err != nil:
		return err
	}
	problem.JSON(w, http.StatusOK, api.CodeAccepted{Token: raw, ExpiresAt: issue.Expires.UTC().Truncate(time.Second)})
	return nil
}
