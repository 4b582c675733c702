package passkey

import (
	"bytes"
	"errors"
	"net/http"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"sesame/server/problem"
	"sesame/server/store"
)

// signInBegin is POST /session/passkey/begin ({}): the request options of
// a discoverable sign-in (no allowCredentials, so the browser may offer
// the passkeys it holds, conditional mediation included).
func (h *Handler) signInBegin(w http.ResponseWriter, r *http.Request) error {
	p, err := h.ceremonies(r)
	if err != nil {
		return err
	}
	var req struct{}
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	if err := h.allowBegin(r, p); err != nil {
		return err
	}
	assertion, data, err := h.RP.BeginDiscoverableLogin()
	if err != nil {
		return err
	}
	if err := h.begin(w, r, store.Ceremony{Kind: kindSignIn, Portal: p.ID}, data); err != nil {
		return err
	}
	problem.JSON(w, http.StatusOK, assertion)
	return nil
}

// Reasons a discoverable credential is not this portal's to sign in.
var (
	errUnknownCredential = errors.New("passkey: no such credential on this portal")
	errHandleMismatch    = errors.New("passkey: user handle is not the credential owner's")
)

// signInFinish is POST /session/passkey/finish: the browser's assertion,
// verified against the ceremony this browser began, opens a session of
// the passkey's account, as a password sign-in does.
func (h *Handler) signInFinish(w http.ResponseWriter, r *http.Request) error {
	p, err := h.ceremonies(r)
	if err != nil {
		return err
	}
	_, data, err := h.take(w, r, kindSignIn, p)
	if err != nil {
		return err
	}
	body, err := readCredential(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	parsed, err := protocol.ParseCredentialRequestResponseBytes(body)
	if err != nil {
		return h.failed(ctx, p, "sign-in: parse", err)
	}
	var (
		owner    *user
		internal error // the store failed: a 500, not a refusal
	)
	find := func(rawID, userHandle []byte) (webauthn.User, error) {
		k, err := h.Store.PasskeyOwner(ctx, rawID)
		if errors.Is(err, store.ErrNotFound) || err == nil && k.Portal != p.ID {
			return nil, errUnknownCredential
		}
		if err != nil {
			internal = err
			return nil, err
		}
		a, err := h.Store.Account(ctx, k.AccountID)
		if errors.Is(err, store.ErrNotFound) || err == nil && a.Portal != p.ID {
			return nil, errUnknownCredential
		}
		if err != nil {
			internal = err
			return nil, err
		}
		if len(a.WebAuthnID) == 0 || !bytes.Equal(a.WebAuthnID, userHandle) {
			return nil, errHandleMismatch
		}
		keys, err := h.Store.Passkeys(ctx, a.ID)
		if err != nil {
			internal = err
			return nil, err
		}
		owner = newUser(p, a, keys)
		return owner, nil
	}
	_, cred, err := h.RP.ValidatePasskeyLogin(find, data, parsed)
	if internal != nil {
		return internal
	}
	if err != nil {
		return h.failed(ctx, p, "sign-in: verify", err)
	}
	// A counter that did not move forward (when the authenticator counts)
	// says the credential was cloned or the assertion replayed.
	if cred.Authenticator.CloneWarning {
		return h.failed(ctx, p, "sign-in: counter", errors.New("passkey: signature counter went back"))
	}
	k, ok := owner.key(cred.ID)
	if !ok {
		return h.failed(ctx, p, "sign-in: verify", errUnknownCredential)
	}
	err = h.Store.UsePasskey(ctx, store.PasskeyUse{
		AccountID: owner.a.ID, ID: k.ID, SeenCount: k.SignCount, SignCount: cred.Authenticator.SignCount,
		UserVerified: cred.Flags.UserVerified, BackupState: cred.Flags.BackupState, At: h.now(),
	})
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrConflict):
		// Deleted meanwhile, or used concurrently with the same counter.
		return h.failed(ctx, p, "sign-in: record", err)
	case err != nil:
		return err
	}
	h.log().InfoContext(ctx, "passkey sign-in", "portal", p.ID)
	return h.Sessions.Open(w, r, p, owner.a, store.MethodPasskey, store.PasskeyKey(k.ID))
}
