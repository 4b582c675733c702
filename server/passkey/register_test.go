// The passkey journey over real HTTP: the assembled server (sesametest), a
// software authenticator (virtualwebauthn) playing the browser, and the
// notification mails read from a real SMTP sink.
package passkey_test

import (
	"encoding/base64"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"sesame/server/passkey"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestRegisterThenList: a signed-in member registers two passkeys (one
// named, one not), the options are a discoverable credential's, the
// second excludes the first, both are listed, and each addition is
// e-mailed.
func TestRegisterThenList(t *testing.T) {
	s := start(t, sesametest.Options{})
	b := signedIn(t, s, employeur)
	d := newDevice(t, s)

	c := registerBegin(t, b, "employeur", api.PasskeyBegin{Name: "  Téléphone   de Léa "})
	if c.opts.RelyingPartyID != "sesame.test" || c.opts.RelyingPartyName != passkey.DisplayName {
		t.Errorf("relying party %q %q, want sesame.test (host of the public URL, no port) and %q", c.opts.RelyingPartyID, c.opts.RelyingPartyName, passkey.DisplayName)
	}
	if len(c.opts.UserID) != 32 || strings.Contains(c.opts.UserID, "lea") {
		t.Errorf("user handle of %d bytes, want 32 random ones", len(c.opts.UserID))
	}
	if got := field(t, c.raw, "authenticatorSelection", "residentKey"); got != "required" {
		t.Errorf("residentKey %v, want required", got)
	}
	if got := field(t, c.raw, "authenticatorSelection", "userVerification"); got != "preferred" {
		t.Errorf("userVerification %v, want preferred", got)
	}
	if len(c.opts.ExcludeCredentials) != 0 {
		t.Errorf("exclusions %v on an account without passkeys", c.opts.ExcludeCredentials)
	}
	first := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
	r := b.Post(portalPath("employeur", "/passkeys/register/finish"), d.attest(c, first)).Want(t, http.StatusCreated)
	var pk1 api.Passkey
	r.JSON(t, &pk1)
	d.auth.AddCredential(first)
	if pk1.Name != "Téléphone de Léa" || pk1.ID != base64.RawURLEncoding.EncodeToString(first.ID) || pk1.LastUsedAt != nil {
		t.Errorf("registered %+v", pk1)
	}
	approx(t, "created_at", pk1.CreatedAt, s.Clock.Now(), time.Minute)
	m := s.Sink.Wait(t, employeur.Email, mailWait, sesametest.Kind("passkey_added"))
	for _, want := range []string{"Une clé d'accès a été ajoutée", "« Téléphone de Léa »", "(heure de Paris)", "Si vous n'êtes pas à l'origine de cet ajout"} {
		if !strings.Contains(m.Subject+m.Text, want) {
			t.Errorf("the mail lacks %q:\n%s\n%s", want, m.Subject, m.Text)
		}
	}

	// The second: the first is excluded, the user handle is the same, the
	// name is the server's; the mail follows Accept-Language.
	en := sesametest.WithHeader("Accept-Language", "en")
	c2 := registerBegin(t, b, "employeur", struct{}{}, en)
	if len(c2.opts.ExcludeCredentials) != 1 || c2.opts.ExcludeCredentials[0] != pk1.ID {
		t.Errorf("exclusions %v, want [%s]", c2.opts.ExcludeCredentials, pk1.ID)
	}
	if c2.opts.UserID != c.opts.UserID {
		t.Error("the user handle changed between two registrations")
	}
	second := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
	b.Post(portalPath("employeur", "/passkeys/register/finish"), d.attest(c2, second), en).Want(t, http.StatusCreated)
	m = s.Sink.Wait(t, employeur.Email, mailWait, sesametest.Kind("passkey_added"))
	if !strings.Contains(m.Subject, "A passkey was added") || !strings.Contains(m.Text, "“Passkey 2”") {
		t.Errorf("English mail: %s\n%s", m.Subject, m.Text)
	}

	got := list(t, b, "employeur")
	if len(got) != 2 || got[0].ID != pk1.ID || got[1].Name != "Passkey 2" {
		t.Fatalf("listed %+v", got)
	}
	// The same credential cannot be registered twice.
	c3 := registerBegin(t, b, "employeur", struct{}{})
	b.Post(portalPath("employeur", "/passkeys/register/finish"), d.attest(c3, first)).Problem(t, http.StatusUnauthorized, api.CodePasskeyFailed)
	if n := len(list(t, b, "employeur")); n != 2 {
		t.Errorf("%d passkeys after a duplicate, want 2", n)
	}
}

// TestBadBodies: what is not a credential or options request gets a 4xx.
func TestBadBodies(t *testing.T) {
	s := start(t, sesametest.Options{})
	b := signedIn(t, s, employeur)
	begin := portalPath("employeur", "/passkeys/register/begin")
	b.Post(begin, api.PasskeyBegin{Name: strings.Repeat("é", passkey.MaxNameRunes+1)}).Problem(t, http.StatusUnprocessableEntity, api.CodeInvalidFields)
	b.Post(begin, `{"name":"a\u0007b"}`).Problem(t, http.StatusUnprocessableEntity, api.CodeInvalidFields)
	b.Post(begin, `{"nom":"x"}`).Problem(t, http.StatusBadRequest, api.CodeInvalidJSON)
	b.Post(portalPath("employeur", "/session/passkey/begin"), `{"x":1}`).Problem(t, http.StatusBadRequest, api.CodeInvalidJSON)
	b.Post(portalPath("employeur", "/session/passkey/begin"), "").Want(t, http.StatusOK)
	b.Post(begin, "{}", sesametest.WithHeader("Content-Type", "application/xml")).Problem(t, http.StatusUnsupportedMediaType, api.CodeUnsupportedMedia)
	registerBegin(t, b, "employeur", struct{}{})
	big := `{"id":"` + strings.Repeat("A", passkey.MaxCredentialBody) + `"}`
	b.Post(portalPath("employeur", "/passkeys/register/finish"), big).Problem(t, http.StatusRequestEntityTooLarge, api.CodeBodyTooLarge)
	b.Post(portalPath("employeur", "/passkeys/register/finish"), "{}").Problem(t, http.StatusGone, api.CodeCeremonyGone)
}
