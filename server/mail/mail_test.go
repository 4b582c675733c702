package mail

import (
	"html"
	"net/url"
	"strings"
	"testing"

	"sesame/server/outbox"
	"sesame/shared/portal"
)

var _ outbox.Renderer = (*Renderer)(nil)

const (
	base  = "http://localhost:8000"
	token = "Zm9vYmFyLWJhei1xdXV4LTEyMzQ1Njc4OQ"
)

var portalIDs = []string{"assure", "employeur", "adherent"}

func newRenderer(t *testing.T, portals ...portal.Config) *Renderer {
	t.Helper()
	if len(portals) == 0 {
		portals = portal.Presets()
	}
	r, err := New(base, portals, paris(t))
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// job returns a complete job of the given kind.
func job(kind, portalID, lang string) outbox.Job {
	j := outbox.Job{
		ID: "01TEST", Kind: kind, Lang: lang, To: "marie.dupont@example.fr",
		Data:    map[string]string{"portal": portalID},
		Created: utc("2022-12-26T13:33:05Z"),
	}
	switch kind {
	case KindResetLink:
		j.Secret = token
	case KindResetCode:
		j.Secret = "482915"
	case KindChangeCode:
		j.Secret = "4829"
		j.Data["ttl_minutes"] = "10"
	case KindPasswordChanged:
		j.Data["changed_at"] = "2022-12-26T13:33:05Z"
		j.Data["how"] = "change"
		j.Data["passkeys"] = "iPhone de Marie\nYubiKey"
	case KindPasskeyAdded, KindPasskeyRemoved:
		j.Data["name"] = "YubiKey"
		j.Data["at"] = "2022-12-26T13:33:05Z"
	}
	return j
}

// plain returns the text of the HTML part, tags kept, entities decoded.
func plain(m outbox.Mail) string { return html.UnescapeString(m.HTML) }

func TestRenderEveryKindPortalLang(t *testing.T) {
	r := newRenderer(t)
	for _, kind := range Kinds() {
		for _, p := range portalIDs {
			for _, lang := range []string{"fr", "en", ""} {
				t.Run(kind+"/"+p+"/"+lang, func(t *testing.T) {
					j := job(kind, p, lang)
					m, err := r.Render(j)
					if err != nil {
						t.Fatal(err)
					}
					want := "fr"
					if lang == "en" {
						want = "en"
					}
					switch {
					case m.To != j.To:
						t.Errorf("To = %q", m.To)
					case m.Subject == "" || strings.ContainsAny(m.Subject, "\r\n"):
						t.Errorf("Subject = %q", m.Subject)
					case m.Text == "" || m.HTML == "":
						t.Error("empty part")
					case !strings.Contains(m.HTML, `<html lang="`+want+`">`):
						t.Errorf("HTML lacks lang %q", want)
					case m.Headers["Auto-Submitted"] != "auto-generated" || m.Headers["X-Sesame-Kind"] != kind:
						t.Errorf("Headers = %v", m.Headers)
					case strings.Contains(m.HTML, "<img") || strings.Contains(m.HTML, "<script"):
						t.Error("HTML has an image or a script")
					}
					if j.Secret != "" && (!strings.Contains(m.Text, j.Secret) || !strings.Contains(m.HTML, j.Secret)) {
						t.Error("secret missing from a part")
					}
					if want == "fr" && !strings.Contains(m.Text, "Si vous n'êtes pas à l'origine de ") {
						t.Error("no 'pas à l'origine' sentence")
					}
					if want == "en" && !strings.Contains(m.Text, "If you did not ") {
						t.Error("no 'If you did not' sentence")
					}
				})
			}
		}
	}
}

func TestResetLinkURL(t *testing.T) {
	for _, tc := range []struct{ base, want string }{
		{"http://localhost:8000", "http://localhost:8000"},
		{"http://localhost:8000/", "http://localhost:8000"},
		{"https://sesame.example.fr/recup/", "https://sesame.example.fr/recup"},
	} {
		r, err := New(tc.base, portal.Presets(), paris(t))
		if err != nil {
			t.Fatal(err)
		}
		for _, p := range portalIDs {
			for _, lang := range []string{"fr", "en"} {
				m, err := r.Render(job(KindResetLink, p, lang))
				if err != nil {
					t.Fatal(err)
				}
				link := tc.want + "/" + p + "/mot-de-passe/reinitialisation#" + token
				if !strings.Contains("\n"+m.Text, "\n"+link+"\n") {
					t.Errorf("%s %s: link %q not on its own line in\n%s", p, lang, link, m.Text)
				}
				if strings.Count(m.HTML, `<a href="`+link+`"`) != 2 || !strings.Contains(m.HTML, ">"+link+"</a>") {
					t.Errorf("%s %s: HTML lacks button or visible link", p, lang)
				}
				u, err := url.Parse(link)
				if err != nil || u.RawQuery != "" || u.Fragment != token {
					t.Errorf("%s: %q: query %q fragment %q", p, link, u.RawQuery, u.Fragment)
				}
				for _, part := range []string{m.Text, m.HTML} {
					if strings.Contains(part, "?"+token) || strings.Contains(part, "="+token) ||
						strings.Count(part, token) != strings.Count(part, "#"+token) {
						t.Errorf("%s: token outside the fragment", p)
					}
				}
			}
		}
	}
}

func TestSeedWording(t *testing.T) {
	r := newRenderer(t)
	for _, tc := range []struct {
		kind, portal, lang string
		subject            string
		want               []string
	}{
		{KindResetLink, "employeur", "fr", "Réinitialiser le mot de passe de votre compte Questionnaire Risque Professionnel", []string{
			"Madame, Monsieur,",
			"Vous avez oublié votre mot de passe pour le site Questionnaire Risque Professionnel ?",
			"Pour le réinitialiser, cliquez sur le bouton ci-dessous :",
			"(ce lien expirera au bout d'une heure)",
			"En cas de difficultés, vous pouvez nous contacter en appelant le 36.46. (service gratuit + prix d'un appel)",
			"Cordialement,\nVotre Correspondant de l'Assurance Maladie - Risques Professionnels",
		}},
		{KindResetLink, "assure", "fr", "Votre compte ameli – renouveler mon mot de passe", []string{
			"Bonjour,",
			"Vous avez demandé le renouvellement du mot de passe de votre compte ameli. Pour le renouveler, veuillez cliquer sur le bouton ci-dessous :",
			"Renouveler mon mot de passe",
			"Pour des raisons de sécurité, vous devez réaliser cette opération dans un délai de 30 minutes. Au-delà de ce délai, vous devrez recommencer votre demande de renouvellement de mot de passe.",
			"Si vous n'êtes pas à l'origine de cette demande, ne cliquez pas sur ce lien et contactez votre caisse d'assurance maladie qui vous donnera les consignes à suivre. Sachez néanmoins que votre compte ameli reste sécurisé.",
			`Ce message est généré par un automate. Ne pas utiliser la fonctionnalité "répondre à".`,
			"Merci de votre confiance.\nVotre caisse d'assurance maladie",
		}},
		{KindResetLink, "assure", "en", "Your ameli account – renew my password", []string{"within 30 minutes", "Renew my password"}},
		{KindResetLink, "employeur", "en", "Reset the password of your Questionnaire Risque Professionnel account", []string{"(this link will expire after one hour)"}},
		{KindResetLink, "adherent", "fr", "Réinitialisation du mot de passe de votre Espace Adhérent", []string{"Ce lien est valable 15 minutes"}},
		{KindResetCode, "adherent", "fr", "Votre code d'activation", []string{
			"482915",
			"Merci de saisir votre code d'activation sur la page où vous avez fait votre demande. Ce code est valable 15 minutes.",
			"Si vous n'êtes pas à l'origine de cette demande, ignorez ce message : votre mot de passe reste inchangé.",
			"Mutuelle des agents publics",
		}},
		{KindResetCode, "adherent", "en", "Your activation code", []string{"This code is valid for 15 minutes.", "your password remains unchanged"}},
		{KindChangeCode, "assure", "fr", "Code de confirmation pour modifier votre mot de passe", []string{
			"4829", "Il est valable 10 minutes.", "Si vous n'êtes pas à l'origine de cette demande", "36 46",
		}},
		{KindChangeCode, "assure", "en", "Confirmation code to change your password", []string{"It is valid for 10 minutes."}},
		{KindPasswordChanged, "assure", "fr", "Votre mot de passe a été modifié", []string{
			"Le mot de passe de votre compte ameli a été modifié le 26/12/2022 à 14h33 (heure de Paris).",
			"Vos clés d'accès restent actives :", "iPhone de Marie", "YubiKey",
			"contactez votre caisse d'assurance maladie au 36 46", "depuis votre espace personnel",
		}},
		{KindPasswordChanged, "assure", "en", "Your password has been changed", []string{
			"The password of your ameli account was changed on 26/12/2022 at 14:33 (Paris time).", "Your passkeys remain active:",
		}},
		{KindPasswordChanged, "adherent", "fr", "Votre mot de passe a été modifié", []string{"contactez votre mutuelle"}},
		{KindPasswordChanged, "employeur", "fr", "Votre mot de passe a été modifié", []string{"appelez le 36.46"}},
		{KindPasskeyAdded, "assure", "fr", "Une clé d'accès a été ajoutée à votre compte", []string{
			"La clé d'accès « YubiKey » a été ajoutée à votre compte ameli le 26/12/2022 à 14h33 (heure de Paris).",
		}},
		{KindPasskeyRemoved, "adherent", "en", "A passkey was removed from your account", []string{
			"The passkey “YubiKey” was removed from your Espace Adhérent on 26/12/2022 at 14:33 (Paris time).",
		}},
	} {
		m, err := r.Render(job(tc.kind, tc.portal, tc.lang))
		if err != nil {
			t.Fatal(err)
		}
		if m.Subject != tc.subject {
			t.Errorf("%s/%s/%s: subject %q, want %q", tc.kind, tc.portal, tc.lang, m.Subject, tc.subject)
		}
		for _, w := range tc.want {
			if !strings.Contains(m.Text, w) {
				t.Errorf("%s/%s/%s: text lacks %q", tc.kind, tc.portal, tc.lang, w)
			}
			if !strings.Contains(plain(m), strings.ReplaceAll(w, "\n", "<br>")) {
				t.Errorf("%s/%s/%s: HTML lacks %q", tc.kind, tc.portal, tc.lang, w)
			}
		}
	}
}
