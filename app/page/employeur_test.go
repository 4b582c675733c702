package page

import (
	"errors"
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// flat renders c as prerendering does, without go-app's line breaks, with
// HTML's escaped apostrophes back to the seed's.
func flat(t *testing.T, c app.Composer) string {
	t.Helper()
	html := strings.ReplaceAll(render(t, c), "\n", "")
	return strings.ReplaceAll(html, "&#39;", "'")
}

// startTag returns the first start tag named name with all of attrs.
func startTag(html, name string, attrs ...string) string {
	for _, m := range regexp.MustCompile(`<`+name+`\b[^>]*>`).FindAllString(html, -1) {
		ok := true
		for _, a := range attrs {
			ok = ok && strings.Contains(m, a)
		}
		if ok {
			return m
		}
	}
	return ""
}

func wantAll(t *testing.T, what, html string, wants ...string) {
	t.Helper()
	for _, w := range wants {
		if !strings.Contains(html, w) {
			t.Errorf("%s lacks %q", what, w)
		}
	}
	if t.Failed() {
		t.Logf("%s:\n%s", what, html)
	}
}

func TestEmployeurRoutes(t *testing.T) {
	Routes()
	for _, p := range []string{
		"/employeur/connexion",
		"/employeur/mot-de-passe-oublie",
		"/employeur/mot-de-passe/reinitialisation",
		"/employeur/mes-informations",
	} {
		if !Exists(p) {
			t.Errorf("%s is not a page", p)
		}
		if Exists(p+"/") || Exists(p+"x") {
			t.Errorf("%s matches too much", p)
		}
	}
	if !Exists("/employeur/mes-informations/mot-de-passe") {
		t.Error("no change-password screen")
	}
}

func TestSignInPrerender(t *testing.T) {
	html := flat(t, &SignIn{Portal: portal.Employeur()})
	wantAll(t, "connexion", html,
		">Questionnaires Risques Professionnels</h1>",
		"Ce questionnaire permet de fournir à votre caisse d'assurance maladie, l'ensemble des éléments nécessaires à l'étude de votre dossier dans un délai réduit.",
		"<strong>Simple</strong><span>Vous serez guidé tout au long du remplissage du questionnaire</span>",
		"<strong>Adaptatif</strong><span>Remplissez ce questionnaire à votre rythme, arrêtez et reprendre la saisie simplement</span>",
		"<strong>Economique</strong><span>Economisez le coût d'envoi postaux vers la caisse primaire</span>",
		"<strong>Efficace</strong><span>Joignez tous les documents que vous souhaitez porter à la connaissance des agents spécialisés</span>",
		"<strong>Pratique</strong><span>Questionnaires et télécharger les questionnaires déjà complétés</span>",
		"<strong>Interactif</strong><span>Consulter votre dossier en ligne et formuler vos observations</span>",
		">Connexion</legend>",
		`<label for="role-salarie">Salarié</label>`,
		`<label for="role-employeur">Employeur</label>`,
		`<label for="role-temoin">Témoin</label>`,
		">l'Assurance Maladie</span>", ">RISQUES PROFESSIONNELS</span>",
		`<label for="email">Email</label>`,
		`<label for="password">Mot de passe</label>`,
		">SE CONNECTER</button>",
		">Mot de passe oublié?</a>",
	)
	if in := startTag(html, "input", `id="email"`); !strings.Contains(in, `type="email"`) || !strings.Contains(in, `autocomplete="username webauthn"`) {
		t.Errorf("#email: %s", in)
	}
	if in := startTag(html, "input", `id="password"`); !strings.Contains(in, `type="password"`) || !strings.Contains(in, `autocomplete="current-password"`) {
		t.Errorf("#password: %s", in)
	}
	if a := startTag(html, "a", `id="forgot-link"`); !strings.Contains(a, `href="/employeur/mot-de-passe-oublie"`) {
		t.Errorf("#forgot-link: %s", a)
	}
	if r := startTag(html, "input", `id="role-employeur"`); !strings.Contains(r, "checked") {
		t.Errorf("the employeur role is not the default: %s", r)
	}
	if f := startTag(html, "form", `id="signin-form"`); !strings.Contains(f, `method="post"`) {
		t.Errorf("a sign-in form must never fall back to GET: %s", f)
	}
	if strings.Count(html, "<h1") != 1 || strings.Count(html, "<main") != 1 {
		t.Error("one <h1> and one <main> per page")
	}
}

func TestForgotPrerender(t *testing.T) {
	html := flat(t, &Forgot{Portal: portal.Employeur()})
	wantAll(t, "mot de passe oublié", html,
		">Mot de passe oublié</h1>",
		"Renseignez l'adresse mail associée à votre compte afin de réinitialiser votre mot de passe.",
		`<label for="email">Email</label>`,
		">RETOUR</a>", ">ENVOYER</button>",
		`data-state="form"`,
	)
	if in := startTag(html, "input", `id="email"`); !strings.Contains(in, `type="email"`) || !strings.Contains(in, `autocomplete="email"`) {
		t.Errorf("#email: %s", in)
	}
	if a := startTag(html, "a", `id="back"`); !strings.Contains(a, `href="/employeur/connexion"`) {
		t.Errorf("#back: %s", a)
	}
}

func TestForgotSent(t *testing.T) {
	f := &Forgot{Portal: portal.Employeur()}
	d := app.NewServerTester(f)
	defer d.Close()
	f.sent = true
	f.Update()
	d.Consume()
	html := strings.ReplaceAll(strings.ReplaceAll(app.HTMLString(f), "\n", ""), "&#39;", "'")
	wantAll(t, "consultez vos emails", html,
		">Consultez vos emails</h1>",
		"Si l'adresse indiquée est associée à un compte, vous allez recevoir un lien pour réinitialiser votre mot de passe. Cliquez dessus afin de pouvoir définir un nouveau mot de passe.",
		"Vous n'avez pas reçu d'email ? Vérifiez vos spams ou ",
		">envoyer à nouveau un lien de réinitialisation</button>",
		">RETOUR</a>",
		`data-state="sent"`,
	)
}

func TestForgotFailures(t *testing.T) {
	f := &Forgot{Portal: portal.Employeur()}
	f.OnInit()

	f.values[portal.FieldEmail] = "pas-une-adresse"
	if id := f.validate(); id != "email" || f.errs[portal.FieldEmail] != emailInvalid {
		t.Errorf("validate = %q, %v", id, f.errs)
	}

	delete(f.errs, portal.FieldEmail)
	f.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeInvalidFields, Fields: []string{"email"}, Detail: "Certains champs…"}})
	if !said(f.errs[portal.FieldEmail]) || said(f.errText) {
		t.Errorf("422 invalid_fields: errs %v, alert %q", f.errs, f.errText)
	}

	blocked := "Le nombre maximum de demandes de renouvellement de mot de passe a été atteint. Le service de renouvellement de mot de passe est bloqué jusqu'au 26/12/2022 - 14h33 (heure de Paris)."
	f.fail(nil, &client.Error{Problem: api.Problem{Status: 429, Code: api.CodeRateLimited, Detail: blocked}})
	if f.errText.FR != blocked || f.errCode != api.CodeRateLimited {
		t.Errorf("429: %q %q", f.errCode, f.errText)
	}

	f.fail(nil, client.ErrOffline)
	if f.errCode != "offline" || f.errText != offlineText {
		t.Errorf("offline: %q %q", f.errCode, f.errText)
	}
	if f.errCode, _, _ = failureOf(errors.New("boom")); f.errCode != api.CodeInternal {
		t.Errorf("other errors: %q", f.errCode)
	}
}

func TestResetPrerender(t *testing.T) {
	html := flat(t, &Reset{Portal: portal.Employeur()})
	wantAll(t, "réinitialisation", html,
		">Créer un nouveau mot de passe</h1>",
		`<label for="password">Mot de passe</label>`,
		`<label for="confirm">Vérification mot de passe</label>`,
		`<span class="label">Au moins 8 caractères</span>`,
		`<span class="label">Au moins 2 nombres</span>`,
		`<span class="label">Au moins 1 caractère spécial (@$!%*#?&amp;)</span>`,
		">RETOUR</a>", ">RÉINITIALISER LE MOT DE PASSE</button>",
		`data-state="checking"`,
	)
	for _, id := range []string{"password", "confirm"} {
		if in := startTag(html, "input", `id="`+id+`"`); !strings.Contains(in, `autocomplete="new-password"`) || !strings.Contains(in, `type="password"`) {
			t.Errorf("#%s: %s", id, in)
		}
	}
	// Nothing typed: every rule ✗, as the seed shows.
	if n := strings.Count(html, `data-ok="false"`); n != len(policy.Employeur().Rules)-1 {
		t.Errorf("%d rules ✗ before typing, want all but differs", n)
	}
	if strings.Contains(html, `data-rule="differs"`) {
		t.Error("differs cannot be checked without the current password")
	}
}

func TestResetChecklistFollowsTyping(t *testing.T) {
	r := &Reset{Portal: portal.Employeur()}
	ok := func(id string) bool {
		for _, rr := range r.Checklist() {
			if rr.ID == id {
				return rr.OK
			}
		}
		t.Fatalf("no rule %s", id)
		return false
	}
	r.password = "Bureau"
	if ok("length") || ok("digits") || ok("special") {
		t.Error("Bureau passes a rule it should not")
	}
	r.password = "Bureau12"
	if !ok("length") || !ok("digits") || ok("special") {
		t.Error("Bureau12")
	}
	r.password, r.confirm = "Bureau12#x", "Bureau12#x"
	if !ok("special") || !ok("confirm") {
		t.Error("Bureau12#x")
	}
	// A refusal shows the server's rules until the password changes.
	r.server = []policy.RuleResult{{ID: "differs", OK: false, Label: "Être différent de votre mot de passe actuel"}}
	if ok("differs") {
		t.Error("server rules not shown")
	}
}

func TestResetScreens(t *testing.T) {
	r := &Reset{Portal: portal.Employeur()}
	d := app.NewServerTester(r)
	defer d.Close()

	r.gone(api.CodeLinkExpired, problemText(api.CodeLinkExpired))
	r.Update()
	d.Consume()
	html := strings.ReplaceAll(app.HTMLString(r), "\n", "")
	wantAll(t, "lien expiré", html,
		"Ce lien a expiré.", `data-code="link_expired"`, `role="alert"`, ">Recommencer</a>", `data-state="gone"`)
	if a := startTag(html, "a", `id="restart"`); !strings.Contains(a, `href="/employeur/mot-de-passe-oublie"`) {
		t.Errorf("#restart: %s", a)
	}

	r.state = resetDone
	r.Update()
	d.Consume()
	html = strings.ReplaceAll(app.HTMLString(r), "\n", "")
	wantAll(t, "réinitialisé", html,
		">Réinitialisation du mot de passe</h1>", "Votre mot de passe a bien été modifié.",
		">RETOUR</a>", ">CONNEXION</a>", `data-state="done"`)
	if a := startTag(html, "a", `id="signin-link"`); !strings.Contains(a, `href="/employeur/connexion"`) {
		t.Errorf("#signin-link: %s", a)
	}
}

func TestLooksLikeToken(t *testing.T) {
	for h, want := range map[string]bool{
		"":                               false,
		"#":                              false,
		"#contenu":                       false,
		"#" + strings.Repeat("aZ0_-", 8): true,
		"#" + strings.Repeat("a", 15):    false,
		"#abc def ghi jkl mno":           false,
		"#" + strings.Repeat("a", 600):   false,
	} {
		if got := looksLikeToken(h); got != want {
			t.Errorf("looksLikeToken(%q) = %v", h, got)
		}
	}
}

func TestAccountPrerender(t *testing.T) {
	a := &Account{Portal: portal.Employeur()}
	html := flat(t, a)
	wantAll(t, "mes informations", html, ">Mes informations</h1>", ">Se déconnecter</button>", loadingAccount.FR)
	if startTag(html, "a", `id="password-link"`, `href="/employeur/mes-informations/mot-de-passe"`) == "" {
		t.Error("no « Mon mot de passe » link to the change-password screen")
	}

	d := app.NewServerTester(a)
	defer d.Close()
	a.session = &api.Session{Portal: "employeur", Identifier: "rh@example.fr", EmailMasked: "r***@e***.fr"}
	a.Update()
	d.Consume()
	html = strings.ReplaceAll(app.HTMLString(a), "\n", "")
	wantAll(t, "signed in", html, ">rh@example.fr</dd>", `data-state="signed-in"`)
}
