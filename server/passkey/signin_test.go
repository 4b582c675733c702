package passkey_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"sesame/server/passkey"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestDiscoverableSignIn: a browser with no session signs in with the
// passkey alone, gets the password sign-in's answer and a working
// session; the session id is new (rotation), and the passkey's last use
// is recorded.
func TestDiscoverableSignIn(t *testing.T) {
	s := start(t, sesametest.Options{})
	d := newDevice(t, s)
	cred, pk := d.register(t, signedIn(t, s, employeur), "employeur", "Clé USB")

	b := s.Client(t)
	b.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	r := d.signIn(t, b, "employeur", cred).Want(t, http.StatusOK)
	var got, want api.Session
	r.JSON(t, &got)
	pw := s.Client(t).Post(sessionPath("employeur"), api.SignIn{Identifier: employeur.Email, Password: *employeur.Password}).Want(t, http.StatusOK)
	pw.JSON(t, &want)
	if got != want {
		t.Errorf("passkey sign-in answers %+v, password sign-in %+v", got, want)
	}
	name := s.Srv.Sessions.Cookie()
	first := r.Cookie(name)
	if first == nil || first.Value == "" {
		t.Fatalf("no session cookie in %v", r.Header["Set-Cookie"])
	}
	b.Get(sessionPath("employeur")).Want(t, http.StatusOK)
	if r.Cookie(passkey.CookieName("signin", false)) == nil {
		t.Error("the finish answer does not clear the ceremony cookie")
	}

	// Again in the same browser: a new session id, the old one is dead.
	r = d.signIn(t, b, "employeur", cred).Want(t, http.StatusOK)
	if c := r.Cookie(name); c == nil || c.Value == first.Value {
		t.Error("the session id was not rotated")
	}
	if st := s.WhoAmI(t, "employeur", name+"="+first.Value); st != http.StatusUnauthorized {
		t.Errorf("the previous session answers %d, want 401", st)
	}
	b.Get(sessionPath("employeur")).Want(t, http.StatusOK)

	keys := list(t, b, "employeur")
	if len(keys) != 1 || keys[0].ID != pk.ID || keys[0].LastUsedAt == nil {
		t.Fatalf("listed %+v, want the passkey with its last use", keys)
	}
	approx(t, "last_used_at", *keys[0].LastUsedAt, s.Clock.Now(), time.Minute)
}

// TestSignInRefused: whatever is wrong with an assertion, one answer,
// 401 passkey_failed, and no session.
func TestSignInRefused(t *testing.T) {
	s := start(t, sesametest.Options{})
	lea, thomas := newDevice(t, s), newDevice(t, s)
	leaB := signedIn(t, s, employeur)
	cred, _ := lea.register(t, leaB, "employeur", "Téléphone")
	counted, _ := lea.register(t, leaB, "employeur", "Clé qui compte")
	doomed, doomedPK := lea.register(t, leaB, "employeur", "Ancienne clé")
	thomasCred, _ := thomas.register(t, signedIn(t, s, assure), "assure", "Ordinateur")

	for _, tc := range []struct {
		name string
		// assertion returns the body to finish the ceremony b began.
		assertion func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string
		portal    string
	}{
		{"wrong origin", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			evil := *lea
			evil.rp.Origin = "http://sesame.test.evil.example:8000"
			return evil.assert(cred, opts)
		}, "employeur"},
		{"wrong relying party id", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			evil := *lea
			evil.rp.ID = "evil.example"
			return evil.assert(cred, opts)
		}, "employeur"},
		{"replayed assertion", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			// An assertion that already signed in, for an older challenge.
			old := s.Client(t)
			body := lea.assert(cred, signInBegin(t, old, "employeur"))
			old.Post(portalPath("employeur", "/session/passkey/finish"), body).Want(t, http.StatusOK)
			return body
		}, "employeur"},
		{"signature counter went back", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			counted.Counter = 7
			lea.signIn(t, s.Client(t), "employeur", counted).Want(t, http.StatusOK)
			counted.Counter = 5 // a clone that lags behind
			return lea.assert(counted, opts)
		}, "employeur"},
		{"signature counter stood still", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			counted.Counter = 9
			lea.signIn(t, s.Client(t), "employeur", counted).Want(t, http.StatusOK)
			return lea.assert(counted, opts)
		}, "employeur"},
		{"deleted passkey", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			deletePasskey(t, leaB, "employeur", doomedPK.ID, *employeur.Password).Want(t, http.StatusNoContent)
			return lea.assert(doomed, opts)
		}, "employeur"},
		{"unknown passkey", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			return lea.assert(virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2), opts)
		}, "employeur"},
		{"another account's user handle", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			mixed := *lea
			mixed.auth.Options.UserHandle = thomas.auth.Options.UserHandle
			return mixed.assert(cred, opts)
		}, "employeur"},
		{"signed by another key", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			forged := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
			forged.ID = cred.ID
			return lea.assert(forged, opts)
		}, "employeur"},
		{"no user presence", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			absent := *lea
			absent.auth.Options.UserNotPresent = true
			return absent.assert(cred, opts)
		}, "employeur"},
		{"passkey of an assure account on employeur", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			return thomas.assert(thomasCred, opts)
		}, "employeur"},
		{"passkey of an employeur account on adherent", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			return lea.assert(cred, opts)
		}, "adherent"},
		{"not a credential", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			return `{"id":"AAAA","type":"public-key"}`
		}, "employeur"},
		{"an attestation instead", func(t *testing.T, b *sesametest.Client, opts *virtualwebauthn.AssertionOptions) string {
			return virtualwebauthn.CreateAttestationResponse(lea.rp, lea.auth, cred, virtualwebauthn.AttestationOptions{
				Challenge: opts.Challenge, RelyingPartyID: "sesame.test", UserID: string(lea.auth.Options.UserHandle),
			})
		}, "employeur"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := s.Client(t)
			opts := signInBegin(t, b, tc.portal)
			body := tc.assertion(t, b, opts)
			r := b.Post(portalPath(tc.portal, "/session/passkey/finish"), body)
			r.Problem(t, http.StatusUnauthorized, api.CodePasskeyFailed)
			if r.Cookie(s.Srv.Sessions.Cookie()) != nil {
				t.Error("a refused sign-in set a session cookie")
			}
			b.Get(sessionPath(tc.portal)).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		})
	}
	// The passkeys that were refused above still work where they belong.
	lea.signIn(t, s.Client(t), "employeur", cred).Want(t, http.StatusOK)
	thomas.signIn(t, s.Client(t), "assure", thomasCred).Want(t, http.StatusOK)
}
