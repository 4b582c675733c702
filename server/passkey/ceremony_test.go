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

// TestCeremonyCookie: the ceremony is bound to the browser by an HttpOnly,
// SameSite=Strict cookie, `__Host-` prefixed and Secure when the public
// URL is https, as the session cookie.
func TestCeremonyCookie(t *testing.T) {
	for _, tc := range []struct {
		publicURL, name string
		secure          bool
	}{
		{"http://localhost:8000", "sesame_passkey_signin", false},
		{"https://sesame.example.fr", "__Host-sesame_passkey_signin", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_PUBLIC_URL": tc.publicURL}})
			r := s.Call(t, http.MethodPost, portalPath("assure", "/session/passkey/begin"), "{}").Want(t, http.StatusOK)
			c := r.Cookie(tc.name)
			if c == nil {
				t.Fatalf("no cookie %s in %v", tc.name, r.Header["Set-Cookie"])
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteStrictMode || c.Path != "/" || c.Domain != "" || c.Secure != tc.secure {
				t.Errorf("cookie attributes: %s", r.Header.Get("Set-Cookie"))
			}
			if c.MaxAge != int(passkey.CeremonyTTL.Seconds()) {
				t.Errorf("Max-Age %d, want %s", c.MaxAge, passkey.CeremonyTTL)
			}
			var opts struct {
				PublicKey struct {
					RPID             string `json:"rpId"`
					AllowCredentials []any  `json:"allowCredentials"`
					Timeout          int    `json:"timeout"`
				} `json:"publicKey"`
			}
			r.JSON(t, &opts)
			if opts.PublicKey.RPID == "" || strings.Contains(opts.PublicKey.RPID, ":") || opts.PublicKey.AllowCredentials != nil {
				t.Errorf("request options %s: want the bare host as rpId and no allowCredentials", r.Body)
			}
			if r.Header.Get("Cache-Control") != "no-store" {
				t.Errorf("Cache-Control %q", r.Header.Get("Cache-Control"))
			}
		})
	}
}

// TestCeremonySingleUse: a ceremony is consumed by the finish call that
// names it, failed or not, and only the browser that began it can finish
// it. The server forgets it: replanting the cookie does not bring it back.
func TestCeremonySingleUse(t *testing.T) {
	s := start(t, sesametest.Options{})
	d := newDevice(t, s)
	owner := signedIn(t, s, employeur)
	cred, _ := d.register(t, owner, "employeur", "")
	finish := portalPath("employeur", "/session/passkey/finish")
	signin := passkey.CookieName("signin", false)

	t.Run("no ceremony", func(t *testing.T) {
		other := s.Client(t)
		opts := signInBegin(t, other, "employeur")
		s.Client(t).Post(finish, d.assert(cred, opts)).Problem(t, http.StatusGone, api.CodeCeremonyGone)
		// The ceremony of the browser that began it is untouched.
		other.Post(finish, d.assert(cred, opts)).Want(t, http.StatusOK)
	})
	t.Run("used by a success", func(t *testing.T) {
		b := s.Client(t)
		opts := signInBegin(t, b, "employeur")
		ck := b.Cookie(signin)
		body := d.assert(cred, opts)
		b.Post(finish, body).Want(t, http.StatusOK)
		if b.Cookie(signin) != nil {
			t.Error("the ceremony cookie outlived its finish")
		}
		b.SetCookie(ck)
		b.Post(finish, body).Problem(t, http.StatusGone, api.CodeCeremonyGone)
	})
	t.Run("used by a failure", func(t *testing.T) {
		b := s.Client(t)
		opts := signInBegin(t, b, "employeur")
		ck := b.Cookie(signin)
		evil := *d
		evil.rp.Origin = "http://evil.example"
		b.Post(finish, evil.assert(cred, opts)).Problem(t, http.StatusUnauthorized, api.CodePasskeyFailed)
		b.SetCookie(ck)
		b.Post(finish, d.assert(cred, opts)).Problem(t, http.StatusGone, api.CodeCeremonyGone)
		// The refusal is logged, without the challenge or the cookie.
		logs := s.Logs.String()
		if !strings.Contains(logs, "Error validating origin") {
			t.Errorf("the refusal's reason is not logged:\n%s", logs)
		}
		for _, secret := range []string{ck.Value, base64.RawURLEncoding.EncodeToString(opts.Challenge)} {
			if strings.Contains(logs, secret) {
				t.Errorf("the logs hold %q", secret)
			}
		}
	})
	t.Run("a second begin ends the first", func(t *testing.T) {
		b := s.Client(t)
		first := signInBegin(t, b, "employeur")
		ck := b.Cookie(signin)
		second := signInBegin(t, b, "employeur")
		latest := b.Cookie(signin)
		b.SetCookie(ck)
		b.Post(finish, d.assert(cred, first)).Problem(t, http.StatusGone, api.CodeCeremonyGone)
		b.SetCookie(latest)
		b.Post(finish, d.assert(cred, second)).Want(t, http.StatusOK)
	})
	t.Run("another portal's ceremony", func(t *testing.T) {
		b := s.Client(t)
		opts := signInBegin(t, b, "assure")
		b.Post(finish, d.assert(cred, opts)).Problem(t, http.StatusGone, api.CodeCeremonyGone)
	})
	t.Run("a registration is not a sign-in", func(t *testing.T) {
		c := registerBegin(t, owner, "employeur", struct{}{})
		reg := owner.Cookie(passkey.CookieName("register", false))
		b := s.Client(t)
		b.SetCookie(&http.Cookie{Name: signin, Value: reg.Value})
		opts := &virtualwebauthn.AssertionOptions{Challenge: c.opts.Challenge, RelyingPartyID: c.opts.RelyingPartyID}
		b.Post(finish, d.assert(cred, opts)).Problem(t, http.StatusGone, api.CodeCeremonyGone)
	})
	t.Run("registration", func(t *testing.T) {
		c := registerBegin(t, owner, "employeur", struct{}{})
		ck := owner.Cookie(passkey.CookieName("register", false))
		body := d.attest(c, virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2))
		owner.Post(portalPath("employeur", "/passkeys/register/finish"), body).Want(t, http.StatusCreated)
		owner.SetCookie(ck)
		owner.Post(portalPath("employeur", "/passkeys/register/finish"), body).Problem(t, http.StatusGone, api.CodeCeremonyGone)
		owner.Post(portalPath("employeur", "/passkeys/register/finish"), body).Problem(t, http.StatusGone, api.CodeCeremonyGone)
	})
	t.Run("registration for another account", func(t *testing.T) {
		c := registerBegin(t, owner, "employeur", struct{}{})
		ck := owner.Cookie(passkey.CookieName("register", false))
		// Another member of the portal, signed in, with the first one's ceremony.
		s.ImportAccounts(t, api.Account{Portal: "employeur", Email: "autre@example.fr", EmailVerified: true, Password: ptr("Autre12!mdp")})
		other := signedIn(t, s, api.Account{Portal: "employeur", Email: "autre@example.fr", Password: ptr("Autre12!mdp")})
		other.SetCookie(ck)
		body := newDevice(t, s).attest(c, virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2))
		other.Post(portalPath("employeur", "/passkeys/register/finish"), body).Problem(t, http.StatusGone, api.CodeCeremonyGone)
		if n := len(list(t, other, "employeur")); n != 0 {
			t.Errorf("the other member has %d passkeys", n)
		}
	})
}

// TestCeremonyExpiry: a ceremony lives CeremonyTTL on the server's clock,
// whatever Badger's own TTL says.
func TestCeremonyExpiry(t *testing.T) {
	s := start(t, sesametest.Options{Frozen: true})
	d := newDevice(t, s)
	owner := signedIn(t, s, employeur)
	cred, _ := d.register(t, owner, "employeur", "")
	for _, tc := range []struct {
		wait time.Duration
		ok   bool
	}{
		{passkey.CeremonyTTL - time.Second, true},
		{passkey.CeremonyTTL, false},
		{passkey.CeremonyTTL + time.Minute, false},
	} {
		t.Run("sign-in after "+tc.wait.String(), func(t *testing.T) {
			b := s.Client(t)
			opts := signInBegin(t, b, "employeur")
			s.Clock.Advance(tc.wait)
			r := b.Post(portalPath("employeur", "/session/passkey/finish"), d.assert(cred, opts))
			if tc.ok {
				r.Want(t, http.StatusOK)
			} else {
				r.Problem(t, http.StatusGone, api.CodeCeremonyGone)
			}
		})
		t.Run("registration after "+tc.wait.String(), func(t *testing.T) {
			b := signedIn(t, s, employeur)
			c := registerBegin(t, b, "employeur", struct{}{})
			s.Clock.Advance(tc.wait)
			r := b.Post(portalPath("employeur", "/passkeys/register/finish"), d.attest(c, virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)))
			if tc.ok {
				r.Want(t, http.StatusCreated)
			} else {
				r.Problem(t, http.StatusGone, api.CodeCeremonyGone)
			}
		})
	}
}

// TestBeginLimit: ceremony starts are capped per client, registration and
// sign-in together.
func TestBeginLimit(t *testing.T) {
	s := start(t, sesametest.Options{Env: map[string]string{"SESAME_LIMIT_PASSKEY_BEGINS_PER_IP": "3-H"}})
	b := signedIn(t, s, employeur)
	registerBegin(t, b, "employeur", struct{}{})
	signInBegin(t, b, "employeur")
	signInBegin(t, s.Client(t), "assure")
	p := b.Post(portalPath("employeur", "/session/passkey/begin"), "{}").Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	if p.RetryAt == nil {
		t.Error("no retry_at")
	}
	b.Post(portalPath("employeur", "/passkeys/register/begin"), "{}").Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
}

// TestIPPublicURL: an IP address cannot be a relying party ID; passkey
// ceremonies answer 503, the rest of the server (passkey list included)
// works.
func TestIPPublicURL(t *testing.T) {
	s := start(t, sesametest.Options{Env: map[string]string{"SESAME_PUBLIC_URL": "http://127.0.0.1:8000"}})
	b := signedIn(t, s, employeur)
	b.Post(portalPath("employeur", "/session/passkey/begin"), "{}").Problem(t, http.StatusServiceUnavailable, api.CodeUnavailable)
	b.Post(portalPath("employeur", "/passkeys/register/begin"), "{}").Problem(t, http.StatusServiceUnavailable, api.CodeUnavailable)
	if keys := list(t, b, "employeur"); len(keys) != 0 {
		t.Errorf("listed %+v", keys)
	}
}
