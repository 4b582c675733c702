package passkey

import (
	"context"
	"crypto/rand"
	"errors"
	"net/http"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/go-webauthn/webauthn/protocol"
	"github.com/go-webauthn/webauthn/webauthn"

	"sesame/server/outbox"
	"sesame/server/problem"
	"sesame/server/store"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// MaxNameRunes caps a passkey's name.
const MaxNameRunes = 64

// registerBegin is POST /passkeys/register/begin: the creation options of
// a new passkey of the signed-in account, named by the optional body.
func (h *Handler) registerBegin(w http.ResponseWriter, r *http.Request) error {
	p, err := h.ceremonies(r)
	if err != nil {
		return err
	}
	_, a, err := h.Sessions.Current(r, p)
	if err != nil {
		return err
	}
	var req api.PasskeyBegin
	if err := decodeOptional(w, r, &req); err != nil {
		return err
	}
	name, ok := cleanName(req.Name)
	if !ok {
		return &problem.Error{Status: http.StatusUnprocessableEntity, Code: api.CodeInvalidFields, Fields: []string{"name"}}
	}
	if err := h.allowBegin(r, p); err != nil {
		return err
	}
	ctx := r.Context()
	if a, err = h.userHandle(ctx, a); err != nil {
		return err
	}
	keys, err := h.Store.Passkeys(ctx, a.ID)
	if err != nil {
		return err
	}
	if name == "" {
		name = defaultName(problem.Lang(r), len(keys)+1)
	}
	u := newUser(p, a, keys)
	creation, data, err := h.RP.BeginRegistration(u, webauthn.WithExclusions(u.exclusions()))
	if err != nil {
		return err
	}
	if err := h.begin(w, r, store.Ceremony{Kind: kindRegister, Portal: p.ID, AccountID: a.ID, Name: name}, data); err != nil {
		return err
	}
	problem.JSON(w, http.StatusOK, creation)
	return nil
}

// userHandle gives the account its random WebAuthn user handle if it has
// none yet.
func (h *Handler) userHandle(ctx context.Context, a store.Account) (store.Account, error) {
	if len(a.WebAuthnID) > 0 {
		return a, nil
	}
	handle := make([]byte, 32)
	if _, err := rand.Read(handle); err != nil {
		return a, err
	}
	return h.Store.SetWebAuthnID(ctx, a.ID, handle)
}

// registerFinish is POST /passkeys/register/finish: the browser's
// attestation, verified against the ceremony this browser began for this
// account, becomes a passkey of the account (201).
func (h *Handler) registerFinish(w http.ResponseWriter, r *http.Request) error {
	p, err := h.ceremonies(r)
	if err != nil {
		return err
	}
	_, a, err := h.Sessions.Current(r, p)
	if err != nil {
		return err
	}
	c, data, err := h.take(w, r, kindRegister, p)
	if err != nil {
		return err
	}
	if c.AccountID != a.ID {
		// Begun for another account (signed out and in meanwhile).
		return errCeremonyGone
	}
	body, err := readCredential(w, r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	parsed, err := protocol.ParseCredentialCreationResponseBytes(body)
	if err != nil {
		return h.failed(ctx, p, "register: parse", err)
	}
	keys, err := h.Store.Passkeys(ctx, a.ID)
	if err != nil {
		return err
	}
	cred, err := h.RP.CreateCredential(newUser(p, a, keys), data, parsed)
	if err != nil {
		return h.failed(ctx, p, "register: verify", err)
	}
	now := h.now()
	k := stored(cred, p, a, c.Name, now)
	err = h.Store.AddPasskey(ctx, k, noticeMail(p, a, "passkey_added", k.Name, now, problem.Lang(r)))
	switch {
	case errors.Is(err, store.ErrExists):
		return h.failed(ctx, p, "register: store", err)
	case errors.Is(err, store.ErrNotFound):
		return problem.New(http.StatusUnauthorized, api.CodeUnauthenticated)
	case err != nil:
		return err
	}
	h.log().InfoContext(ctx, "passkey added", "portal", p.ID)
	problem.JSON(w, http.StatusCreated, summary(k))
	return nil
}

// noticeMail is the notification of a passkey added or removed (kind
// "passkey_added" or "passkey_removed"), if the account has an address.
func noticeMail(p portal.Config, a store.Account, kind, name string, at time.Time, lang string) *outbox.Job {
	if a.Email == "" {
		return nil
	}
	return &outbox.Job{Kind: kind, Lang: lang, To: a.Email, Data: map[string]string{
		"portal": p.ID, "name": name, "at": at.UTC().Format(time.RFC3339),
	}}
}

// cleanName trims a name given to a passkey and folds its spaces; ok is
// false for one too long or holding control characters.
func cleanName(s string) (string, bool) {
	if !utf8.ValidString(s) {
		return "", false
	}
	for _, r := range s {
		if unicode.IsControl(r) && !unicode.IsSpace(r) || r == '\u2028' || r == '\u2029' {
			return "", false
		}
	}
	s = strings.Join(strings.Fields(s), " ")
	return s, utf8.RuneCountInString(s) <= MaxNameRunes
}

// defaultName names a passkey the member did not name.
func defaultName(lang string, n int) string {
	if lang == "en" {
		return "Passkey " + strconv.Itoa(n)
	}
	return "Clé d'accès " + strconv.Itoa(n)
}
