package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"time"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"sesame/server/problem"
	"sesame/server/session"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// Ceremony kinds. Each has its own cookie, so a sign-in offered by the
// sign-in page (conditional mediation) and a registration in another tab
// do not end each other.
const (
	kindRegister = "register"
	kindSignIn   = "signin"
)

// MaxCredentialBody caps the PublicKeyCredential JSON a finish call reads:
// attestation certificate chains fit with room to spare.
const MaxCredentialBody = 64 << 10

// CookieName is the name of the cookie binding a ceremony of kind
// ("register" or "signin") to its browser.
func CookieName(kind string, secure bool) string {
	name := "sesame_passkey_" + kind
	if secure {
		return "__Host-" + name
	}
	return name
}

func (h *Handler) digest(cookie string) string { return h.Tokens.Hash("passkey-ceremony", cookie) }

func (h *Handler) setCookie(w http.ResponseWriter, kind, value string, maxAge time.Duration) {
	c := &http.Cookie{
		Name: CookieName(kind, h.Secure), Value: value, Path: "/", HttpOnly: true, Secure: h.Secure,
		SameSite: http.SameSiteStrictMode, MaxAge: int(maxAge.Seconds()),
	}
	if maxAge <= 0 {
		c.MaxAge = -1
	}
	http.SetCookie(w, c)
}

// begin keeps go-webauthn's session data as ceremony c and binds it to
// the browser. A ceremony of the same kind the browser had ends.
func (h *Handler) begin(w http.ResponseWriter, r *http.Request, c store.Ceremony, data *webauthn.SessionData) error {
	ctx := r.Context()
	raw, err := json.Marshal(data)
	if err != nil {
		return fmt.Errorf("passkey: encode ceremony: %w", err)
	}
	if old, err := r.Cookie(CookieName(c.Kind, h.Secure)); err == nil && old.Value != "" {
		if _, err := h.Store.TakeCeremony(ctx, h.digest(old.Value)); err != nil && !errors.Is(err, store.ErrNotFound) && !errors.Is(err, store.ErrExpired) {
			return err
		}
	}
	id := token.NewID(32)
	c.Digest, c.Data, c.Expires = h.digest(id), raw, h.now().Add(CeremonyTTL)
	if err := h.Store.PutCeremony(ctx, c); err != nil {
		return err
	}
	h.setCookie(w, c.Kind, id, CeremonyTTL)
	return nil
}

var errCeremonyGone = &problem.Error{Status: http.StatusGone, Code: api.CodeCeremonyGone}

// take consumes the browser's ceremony of kind for portal p: whatever
// happens next, it cannot be finished twice. 410 when there is none, or
// it expired, was used, or is another portal's.
func (h *Handler) take(w http.ResponseWriter, r *http.Request, kind string, p portal.Config) (store.Ceremony, webauthn.SessionData, error) {
	h.setCookie(w, kind, "", 0)
	ck, err := r.Cookie(CookieName(kind, h.Secure))
	if err != nil || ck.Value == "" || len(ck.Value) > 128 {
		return store.Ceremony{}, webauthn.SessionData{}, errCeremonyGone
	}
	c, err := h.Store.TakeCeremony(r.Context(), h.digest(ck.Value))
	switch {
	case errors.Is(err, store.ErrNotFound), errors.Is(err, store.ErrExpired):
		return store.Ceremony{}, webauthn.SessionData{}, errCeremonyGone
	case err != nil:
		return store.Ceremony{}, webauthn.SessionData{}, err
	case c.Kind != kind || c.Portal != p.ID:
		return store.Ceremony{}, webauthn.SessionData{}, errCeremonyGone
	}
	var data webauthn.SessionData
	if err := json.Unmarshal(c.Data, &data); err != nil {
		return store.Ceremony{}, webauthn.SessionData{}, fmt.Errorf("passkey: decode ceremony: %w", err)
	}
	return c, data, nil
}

// readCredential reads a finish call's body, the browser's
// PublicKeyCredential JSON, which go-webauthn parses.
func readCredential(w http.ResponseWriter, r *http.Request) ([]byte, error) {
	if err := mediaType(r); err != nil {
		return nil, err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, MaxCredentialBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return nil, problem.New(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge)
		}
		return nil, &problem.Error{Status: http.StatusBadRequest, Code: api.CodeBadRequest, Err: err}
	}
	return body, nil
}

// mediaType accepts what problem.Decode accepts: JSON, or text/plain from
// a no-cors fetch (the origin check stops cross-site ones), or nothing.
func mediaType(r *http.Request) error {
	ct := r.Header.Get("Content-Type")
	if ct == "" {
		return nil
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil || (mt != "application/json" && mt != "text/plain") {
		return problem.New(http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
	}
	return nil
}

// decodeOptional decodes a small JSON body into v like problem.Decode,
// an empty body counting as {}.
func decodeOptional(w http.ResponseWriter, r *http.Request, v any) error {
	if err := mediaType(r); err != nil {
		return err
	}
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, problem.MaxBody))
	if err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			return problem.New(http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge)
		}
		return &problem.Error{Status: http.StatusBadRequest, Code: api.CodeBadRequest, Err: err}
	}
	if len(bytes.TrimSpace(body)) == 0 {
		return nil
	}
	r.Body = io.NopCloser(bytes.NewReader(body))
	return problem.Decode(w, r, problem.MaxBody, v)
}

// user is an account as go-webauthn sees it.
type user struct {
	p     portal.Config
	a     store.Account
	keys  []store.Passkey
	creds []webauthn.Credential
}

func newUser(p portal.Config, a store.Account, keys []store.Passkey) *user {
	u := &user{p: p, a: a, keys: keys}
	for _, k := range keys {
		u.creds = append(u.creds, credential(k))
	}
	return u
}

func (u *user) WebAuthnID() []byte { return u.a.WebAuthnID }

// WebAuthnName is the identifier the member signs in with, as the
// session shows it: what the authenticator lists the passkey under.
func (u *user) WebAuthnName() string {
	if id := session.Summary(u.p, u.a).Identifier; id != "" {
		return id
	}
	return u.p.Name
}

// WebAuthnDisplayName adds the portal, so that the passkeys of two
// accounts of the same member on two portals can be told apart.
func (u *user) WebAuthnDisplayName() string { return u.WebAuthnName() + " (" + u.p.Name + ")" }

func (u *user) WebAuthnCredentials() []webauthn.Credential { return u.creds }

// key returns the stored passkey with credential id.
func (u *user) key(id []byte) (store.Passkey, bool) {
	for _, k := range u.keys {
		if bytes.Equal(k.ID, id) {
			return k, true
		}
	}
	return store.Passkey{}, false
}

// exclusions are the account's passkeys, which an authenticator must not
// register again.
func (u *user) exclusions() []protocol.CredentialDescriptor {
	out := make([]protocol.CredentialDescriptor, 0, len(u.creds))
	for i := range u.creds {
		out = append(out, u.creds[i].Descriptor())
	}
	return out
}

// credential is the go-webauthn form of a stored passkey.
func credential(k store.Passkey) webauthn.Credential {
	var f protocol.AuthenticatorFlags
	for _, b := range []struct {
		on   bool
		flag protocol.AuthenticatorFlags
	}{
		{k.UserPresent, protocol.FlagUserPresent}, {k.UserVerified, protocol.FlagUserVerified},
		{k.BackupEligible, protocol.FlagBackupEligible}, {k.BackupState, protocol.FlagBackupState},
	} {
		if b.on {
			f |= b.flag
		}
	}
	transports := make([]protocol.AuthenticatorTransport, 0, len(k.Transports))
	for _, t := range k.Transports {
		transports = append(transports, protocol.AuthenticatorTransport(t))
	}
	return webauthn.Credential{
		ID: k.ID, PublicKey: k.PublicKey,
		AttestationType: k.AttestationType, AttestationFormat: k.AttestationFormat,
		Transport: transports,
		Flags:     webauthn.NewCredentialFlags(f),
		Authenticator: webauthn.Authenticator{
			AAGUID: k.AAGUID, SignCount: k.SignCount, Attachment: protocol.AuthenticatorAttachment(k.Attachment),
		},
	}
}

// stored is the stored form of a credential go-webauthn just verified.
func stored(c *webauthn.Credential, p portal.Config, a store.Account, name string, at time.Time) store.Passkey {
	transports := make([]string, 0, len(c.Transport))
	for _, t := range c.Transport {
		transports = append(transports, string(t))
	}
	return store.Passkey{
		ID: c.ID, AccountID: a.ID, Portal: p.ID, Name: name, PublicKey: c.PublicKey,
		AttestationType: c.AttestationType, AttestationFormat: c.AttestationFormat,
		Transports: transports, Attachment: string(c.Authenticator.Attachment), AAGUID: c.Authenticator.AAGUID,
		UserPresent: c.Flags.UserPresent, UserVerified: c.Flags.UserVerified,
		BackupEligible: c.Flags.BackupEligible, BackupState: c.Flags.BackupState,
		SignCount: c.Authenticator.SignCount, Created: at.UTC(),
	}
}

// summary is a passkey as the account page lists it.
func summary(k store.Passkey) api.Passkey {
	out := api.Passkey{ID: store.PasskeyKey(k.ID), Name: k.Name, CreatedAt: k.Created}
	if !k.LastUsed.IsZero() {
		t := k.LastUsed
		out.LastUsedAt = &t
	}
	return out
}
