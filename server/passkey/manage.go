package passkey

import (
	"context"
	"encoding/base64"
	"errors"
	"net/http"

	"sesame/server/problem"
	"sesame/server/store"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// list is GET /passkeys: the signed-in account's passkeys, oldest first.
func (h *Handler) list(w http.ResponseWriter, r *http.Request) error {
	p, err := h.portal(r)
	if err != nil {
		return err
	}
	_, a, err := h.Sessions.Current(r, p)
	if err != nil {
		return err
	}
	keys, err := h.Store.Passkeys(r.Context(), a.ID)
	if err != nil {
		return err
	}
	out := api.Passkeys{Passkeys: make([]api.Passkey, 0, len(keys))}
	for _, k := range keys {
		out.Passkeys = append(out.Passkeys, summary(k))
	}
	problem.JSON(w, http.StatusOK, out)
	return nil
}

var (
	errNoSuchPasskey = &problem.Error{Status: http.StatusNotFound, Code: api.CodePasskeyUnknown}
	errReauth        = &problem.Error{Status: http.StatusForbidden, Code: api.CodeReauthRequired, Fields: []string{"password"}}
)

// delete is DELETE /passkeys/{id} with api.PasskeyDelete: the passkey
// stops working, the sessions it opened end (but this one), and a
// notification leaves. The member proves presence with the password, or
// by a session opened with another passkey less than
// api.PasskeyReauthWindow ago.
func (h *Handler) delete(w http.ResponseWriter, r *http.Request) error {
	p, err := h.portal(r)
	if err != nil {
		return err
	}
	sess, a, err := h.Sessions.Current(r, p)
	if err != nil {
		return err
	}
	var req api.PasskeyDelete
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	ctx := r.Context()
	id, err := base64.RawURLEncoding.DecodeString(r.PathValue("id"))
	if err != nil || len(id) == 0 {
		return errNoSuchPasskey
	}
	keys, err := h.Store.Passkeys(ctx, a.ID)
	if err != nil {
		return err
	}
	k, ok := newUser(p, a, keys).key(id)
	if !ok {
		return errNoSuchPasskey
	}
	if err := h.reauthenticate(ctx, p, sess, a, k, req.Password); err != nil {
		return err
	}
	now := h.now()
	err = h.Store.DeletePasskey(ctx, a.ID, k.ID, sess.Digest, noticeMail(p, a, "passkey_removed", k.Name, now, problem.Lang(r)))
	if errors.Is(err, store.ErrNotFound) {
		return errNoSuchPasskey
	}
	if err != nil {
		return err
	}
	h.log().InfoContext(ctx, "passkey removed", "portal", p.ID)
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// reauthenticate checks the member is the one at the keyboard before k is
// deleted. A password, when given, is a password guess like a sign-in:
// the account's sign-in delay applies and a wrong one counts.
func (h *Handler) reauthenticate(ctx context.Context, p portal.Config, sess store.Session, a store.Account, k store.Passkey, password string) error {
	if password == "" {
		recent := h.now().Sub(sess.Created) < api.PasskeyReauthWindow
		if sess.Method == store.MethodPasskey && sess.PasskeyID != "" && sess.PasskeyID != store.PasskeyKey(k.ID) && recent {
			return nil
		}
		return errReauth
	}
	ok, err := h.Sessions.ConfirmPassword(ctx, p, a, password)
	if err != nil {
		return err
	}
	if !ok {
		return errReauth
	}
	return nil
}
