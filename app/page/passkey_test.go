package page

import (
	"errors"
	"strings"
	"testing"
	"time"

	"sesame/app/client"
	"sesame/app/passkey"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// The passkey block is not prerendered: the server cannot know whether the
// browser has WebAuthn. The sign-in screens' identifier fields carry the
// webauthn autofill token.
func TestPasskeySignInNotPrerendered(t *testing.T) {
	for _, s := range []struct {
		name, html, field string
	}{
		{"employeur sign-in", flat(t, &SignIn{Portal: portal.Employeur()}), "email"},
		{"assure sign-in", flat(t, &AssureSignIn{Portal: portal.Assure()}), "nir"},
		{"adherent sign-in", flat(t, &AdherentSignIn{Portal: portal.Adherent()}), "member-number"},
		{"employeur forgot", flat(t, &Forgot{Portal: portal.Employeur()}), ""},
		{"assure forgot", flat(t, &AssureForgot{Portal: portal.Assure()}), ""},
		{"adherent forgot", flat(t, &AdherentForgot{Portal: portal.Adherent()}), ""},
	} {
		if startTag(s.html, "div", `id="passkey-signin"`) == "" {
			t.Errorf("%s has no slot for the passkey block", s.name)
		}
		if strings.Contains(s.html, passkeySignInText.FR) || strings.Contains(s.html, "passkey-button") {
			t.Errorf("%s prerenders the passkey button", s.name)
		}
		if s.field != "" {
			if in := startTag(s.html, "input", `id="`+s.field+`"`); !strings.Contains(in, `autocomplete="username webauthn"`) {
				t.Errorf("%s: #%s = %s, want autocomplete=\"username webauthn\"", s.name, s.field, in)
			}
		}
	}
}

// In a browser with WebAuthn, the block shows the button, with the lead
// sentence first on the forgotten-password screens, after « ou » on the
// sign-in screens.
func TestPasskeySignInRender(t *testing.T) {
	html := flat(t, &passkeySignIn{Portal: "employeur", Lead: passkeyForgotLead, supported: true})
	wantAll(t, "forgot passkey block", html,
		`class="passkey-signin passkey-first"`,
		">Vous avez une clé d'accès ? Connectez-vous sans mot de passe.</p>",
		">Se connecter avec une clé d'accès</button>",
	)
	wantTags(t, html,
		[]string{"p", `id="passkey-lead"`},
		[]string{"div", `id="passkey-error"`, `role="alert"`},
		[]string{"button", `id="passkey-button"`, `type="submit"`},
	)
	if strings.Contains(html, `passkey-or`) {
		t.Errorf("the forgot block says « ou »: %s", html)
	}
	html = flat(t, &passkeySignIn{Portal: "employeur", Autofill: true, supported: true})
	wantAll(t, "sign-in passkey block", html, `<p class="passkey-or">ou</p>`, `id="passkey-button"`)
}

func TestPasskeyFailure(t *testing.T) {
	problem := &client.Error{Problem: api.Problem{Status: 401, Code: api.CodePasskeyFailed, Detail: "La connexion avec la clé d'accès n'a pas abouti."}}
	for _, c := range []struct {
		err        error
		code, text string
	}{
		{passkey.ErrCancelled, "cancelled", passkeyNotUsed.FR},
		{passkey.ErrUnsupported, "unsupported", passkeyUnsupported.FR},
		{problem, api.CodePasskeyFailed, "La connexion avec la clé d'accès n'a pas abouti."},
		{client.ErrOffline, "offline", offlineText.FR},
		{passkey.ErrOptions, api.CodePasskeyFailed, "La connexion avec la clé d'accès n'a pas abouti."},
		{errors.New("passkey: SecurityError: …"), api.CodePasskeyFailed, "La connexion avec la clé d'accès n'a pas abouti."},
	} {
		code, text := passkeyFailure(c.err)
		if code != c.code || text.FR != c.text {
			t.Errorf("%v → %q %q, want %q %q", c.err, code, text.FR, c.code, c.text)
		}
	}
}

func TestAccountPasskeysRender(t *testing.T) {
	used := time.Date(2025, 7, 4, 22, 5, 0, 0, time.UTC)
	s := &accountPasskeys{Portal: "employeur", Identifier: "claire.martin@entreprise.test", loaded: true, supported: true, list: []api.Passkey{
		{ID: "qrvM", Name: "Téléphone de Claire", CreatedAt: time.Date(2025, 11, 22, 13, 33, 0, 0, time.UTC), LastUsedAt: &used},
		{ID: "AAECAwQFBgcICQ", CreatedAt: time.Date(2025, 11, 22, 13, 34, 0, 0, time.UTC)},
	}}
	html := flat(t, s)
	wantAll(t, "passkeys", html,
		">Clés d'accès</h2>",
		">Téléphone de Claire</p>",
		">Créée le 22/11/2025 à 14h33</p>",
		">Dernière utilisation le 05/07/2025 à 00h05</p>",
		">AAECAwQF…</p>", ">Jamais utilisée</p>",
		">Supprimer</button>",
		`<label for="passkey-name">Nom de la clé d'accès (facultatif)</label>`,
		">Créer une clé d'accès</button>",
	)
	wantTags(t, html,
		[]string{"section", `id="passkeys"`, `aria-labelledby="passkeys-title"`, `data-count="2"`, `data-state="ready"`},
		[]string{"h2", `id="passkeys-title"`, `tabindex="-1"`},
		[]string{"div", `id="passkeys-status"`, `role="status"`},
		[]string{"p", `id="passkey-name-0"`},
		[]string{"button", `id="passkey-delete-1"`, `aria-describedby="passkey-name-1"`},
		[]string{"button", `id="passkey-create"`, `type="submit"`},
	)

	// The password that confirms a deletion, in the passkey's row.
	s.confirm = "qrvM"
	html = flat(t, s)
	wantAll(t, "passkeys confirming", html,
		"Pour supprimer la clé d'accès «\u00a0Téléphone de Claire\u00a0», saisissez votre mot de passe.",
		`<label for="passkey-password">Mot de passe</label>`,
		">Annuler</button>", ">Confirmer la suppression</button>",
	)
	wantTags(t, html,
		[]string{"form", `id="passkey-confirm-form"`, `aria-labelledby="passkey-confirm-text"`},
		[]string{"input", `id="passkey-username"`, `autocomplete="username"`, `value="claire.martin@entreprise.test"`},
	)
	if in := startTag(html, "input", `id="passkey-password"`); !strings.Contains(in, `autocomplete="current-password"`) || strings.Contains(in, "value=") {
		t.Errorf("#passkey-password = %s", in)
	}
	if n := strings.Count(html, ">Supprimer</button>"); n != 1 {
		t.Errorf("%d « Supprimer » while one row asks the password, want 1", n)
	}

	// No passkey yet; a browser without WebAuthn.
	html = flat(t, &accountPasskeys{Portal: "employeur", loaded: true})
	wantAll(t, "no passkeys", html, passkeysEmpty.FR, passkeysNoBrowser.FR)
	wantTags(t, html, []string{"section", `data-count="0"`})
	if strings.Contains(html, "passkey-create") {
		t.Errorf("a browser without WebAuthn is offered to create a passkey")
	}
}

func TestDropPasskey(t *testing.T) {
	s := &accountPasskeys{list: []api.Passkey{{ID: "a"}, {ID: "b"}, {ID: "c"}}}
	keep := s.list
	s.drop("b")
	if len(s.list) != 2 || s.list[0].ID != "a" || s.list[1].ID != "c" {
		t.Errorf("list = %+v", s.list)
	}
	if keep[1].ID != "b" {
		t.Errorf("drop changed the old slice: %+v", keep)
	}
	s.drop("z")
	if len(s.list) != 2 {
		t.Errorf("dropping an unknown id changed the list: %+v", s.list)
	}
}

// wantTags checks that html has, for each entry, a start tag (the first
// element) with every attribute (the others), in any order.
func wantTags(t *testing.T, html string, tags ...[]string) {
	t.Helper()
	for _, tag := range tags {
		if startTag(html, tag[0], tag[1:]...) == "" {
			t.Errorf("no <%s> with %v in:\n%s", tag[0], tag[1:], html)
		}
	}
}
