package passkey_test

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestSignedOut: every passkey endpoint but sign-in wants a session.
func TestSignedOut(t *testing.T) {
	s := start(t, sesametest.Options{})
	b := s.Client(t)
	for _, c := range []struct{ method, path string }{
		{http.MethodPost, "/passkeys/register/begin"},
		{http.MethodPost, "/passkeys/register/finish"},
		{http.MethodGet, "/passkeys"},
		{http.MethodDelete, "/passkeys/AAAA"},
	} {
		var body any
		if c.method != http.MethodGet {
			body = "{}"
		}
		b.Do(c.method, portalPath("employeur", c.path), body).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	}
	b.Post(portalPath("nulle-part", "/session/passkey/begin"), "{}").Problem(t, http.StatusNotFound, api.CodeUnknownPortal)
	// A session of one portal is no session on another.
	other := signedIn(t, s, employeur)
	other.Get(portalPath("assure", "/passkeys")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
}

// TestDeleteWithPassword: deleting needs the account's password; a wrong
// one is a sign-in failure of the account (its delay applies here), a
// right one deletes, and a notification leaves.
func TestDeleteWithPassword(t *testing.T) {
	s := start(t, sesametest.Options{Frozen: true})
	d := newDevice(t, s)
	b := signedIn(t, s, employeur)
	cred, pk := d.register(t, b, "employeur", "YubiKey")
	s.Sink.Wait(t, employeur.Email, mailWait, sesametest.Kind("passkey_added"))

	deletePasskey(t, b, "employeur", pk.ID, "").Problem(t, http.StatusForbidden, api.CodeReauthRequired)
	deletePasskey(t, b, "employeur", "AAAA", *employeur.Password).Problem(t, http.StatusNotFound, api.CodePasskeyUnknown)
	deletePasskey(t, b, "employeur", "pas%20base64!", *employeur.Password).Problem(t, http.StatusNotFound, api.CodePasskeyUnknown)
	deletePasskey(t, b, "employeur", pk.ID, "{not json").Problem(t, http.StatusForbidden, api.CodeReauthRequired)
	b.Do(http.MethodDelete, portalPath("employeur", "/passkeys/"+pk.ID), "{not json").Problem(t, http.StatusBadRequest, api.CodeInvalidJSON)

	// Three wrong passwords (one above) are free, the fourth costs a delay:
	// the next try is refused until it passes, then the right one works.
	for range 3 {
		p := deletePasskey(t, b, "employeur", pk.ID, "Mauvais12!mdp").Problem(t, http.StatusForbidden, api.CodeReauthRequired)
		if len(p.Fields) != 1 || p.Fields[0] != "password" {
			t.Errorf("fields %v, want [password]", p.Fields)
		}
	}
	deletePasskey(t, b, "employeur", pk.ID, *employeur.Password).Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	// The sign-in of the account is throttled by the same failures.
	s.Client(t).Post(sessionPath("employeur"), api.SignIn{Identifier: employeur.Email, Password: *employeur.Password}).Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	s.Clock.Advance(2 * time.Second)
	deletePasskey(t, b, "employeur", pk.ID, *employeur.Password).Want(t, http.StatusNoContent)

	m := s.Sink.Wait(t, employeur.Email, mailWait, sesametest.Kind("passkey_removed"))
	for _, want := range []string{"Une clé d'accès a été supprimée", "« YubiKey »", "(heure de Paris)", "Si vous n'êtes pas à l'origine de cette suppression"} {
		if !strings.Contains(m.Subject+m.Text, want) {
			t.Errorf("the mail lacks %q:\n%s\n%s", want, m.Subject, m.Text)
		}
	}
	if n := len(list(t, b, "employeur")); n != 0 {
		t.Errorf("%d passkeys left", n)
	}
	deletePasskey(t, b, "employeur", pk.ID, *employeur.Password).Problem(t, http.StatusNotFound, api.CodePasskeyUnknown)
	d.signIn(t, s.Client(t), "employeur", cred).Problem(t, http.StatusUnauthorized, api.CodePasskeyFailed)
	b.Get(sessionPath("employeur")).Want(t, http.StatusOK)
}

// TestDeleteAfterPasskeySignIn: a session opened with one passkey a moment
// ago deletes another without the password; not the passkey that opened
// it, not later, and deleting a passkey ends the other sessions it opened.
func TestDeleteAfterPasskeySignIn(t *testing.T) {
	s := start(t, sesametest.Options{Frozen: true})
	d := newDevice(t, s)
	owner := signedIn(t, s, employeur)
	a, pkA := d.register(t, owner, "employeur", "A")
	_, pkB := d.register(t, owner, "employeur", "B")
	_, pkC := d.register(t, owner, "employeur", "C")

	b := s.Client(t)
	d.signIn(t, b, "employeur", a).Want(t, http.StatusOK)
	deletePasskey(t, b, "employeur", pkB.ID, "").Want(t, http.StatusNoContent)
	deletePasskey(t, b, "employeur", pkA.ID, "").Problem(t, http.StatusForbidden, api.CodeReauthRequired)
	s.Clock.Advance(api.PasskeyReauthWindow)
	deletePasskey(t, b, "employeur", pkC.ID, "").Problem(t, http.StatusForbidden, api.CodeReauthRequired)
	// A password session is no proof either.
	deletePasskey(t, owner, "employeur", pkC.ID, "").Problem(t, http.StatusForbidden, api.CodeReauthRequired)

	// Deleting A ends the other sessions A opened, not the one deleting it.
	elsewhere := s.Client(t)
	d.signIn(t, elsewhere, "employeur", a).Want(t, http.StatusOK)
	deletePasskey(t, b, "employeur", pkA.ID, *employeur.Password).Want(t, http.StatusNoContent)
	elsewhere.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	b.Get(sessionPath("employeur")).Want(t, http.StatusOK)
	owner.Get(sessionPath("employeur")).Want(t, http.StatusOK)
	keys := list(t, b, "employeur")
	if len(keys) != 1 || keys[0].ID != pkC.ID {
		t.Errorf("left %+v, want only C", keys)
	}
}

// TestResetListsPasskeys: a password reset leaves passkeys in place, and
// its notification says so and names them.
func TestResetListsPasskeys(t *testing.T) {
	s := start(t, sesametest.Options{})
	d := newDevice(t, s)
	owner := signedIn(t, s, employeur)
	cred, _ := d.register(t, owner, "employeur", "iPhone de Léa")
	d.register(t, owner, "employeur", "YubiKey")

	b := s.Client(t)
	b.Post(portalPath("employeur", "/recovery"), api.RecoveryRequest{Email: employeur.Email}).Want(t, http.StatusAccepted)
	tok := s.Sink.Wait(t, employeur.Email, mailWait, sesametest.Kind("reset_link")).Token(t, s.PublicURL+"/employeur")
	const fresh = "Tilleul58#vert"
	b.Post(portalPath("employeur", "/recovery/link/password"), api.NewPassword{Token: tok, Password: fresh, Confirm: fresh}).Want(t, http.StatusOK)
	m := s.Sink.Wait(t, employeur.Email, mailWait, sesametest.Kind("password_changed"))
	for _, want := range []string{"Vos clés d'accès restent actives", "iPhone de Léa", "YubiKey", "Vous pouvez les supprimer depuis « Mes informations »"} {
		if !strings.Contains(m.Text, want) || !strings.Contains(m.HTML, strings.ReplaceAll(want, "'", "&#39;")) {
			t.Errorf("the reset notification lacks %q:\n%s", want, m.Text)
		}
	}
	// The reset ended every session, and the passkeys still sign in.
	owner.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	d.signIn(t, s.Client(t), "employeur", cred).Want(t, http.StatusOK)
}
