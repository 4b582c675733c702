package page

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// A valid NIR of someone born in March 1984, and its birth date.
const (
	testNIR      = "1 84 03 75 123 456 90"
	testBirth    = "15/03/1984"
	testNIRNoKey = "1 84 03 75 123 456 91"
)

func TestAssureRoutes(t *testing.T) {
	Routes()
	for _, p := range []string{
		"/assure/connexion",
		"/assure/mot-de-passe-oublie",
		"/assure/mot-de-passe/reinitialisation",
		"/assure/mes-informations",
		"/assure/mes-informations/mot-de-passe",
		"/employeur/mes-informations/mot-de-passe",
		"/adherent/mes-informations/mot-de-passe",
	} {
		if !Exists(p) {
			t.Errorf("%s is not a page", p)
		}
		if Exists(p+"/") || Exists(p+"x") {
			t.Errorf("%s matches too much", p)
		}
	}
}

// rerender applies a change to a mounted component and returns its HTML.
func rerender(t *testing.T, c app.Composer, change func()) string {
	t.Helper()
	d := app.NewServerTester(c)
	defer d.Close()
	change()
	c.Update()
	d.Consume()
	html := strings.ReplaceAll(app.HTMLString(c), "\n", "")
	return strings.ReplaceAll(html, "&#39;", "'")
}

func wantAttrs(t *testing.T, html, name, id string, attrs ...string) {
	t.Helper()
	tag := startTag(html, name, `id="`+id+`"`)
	if tag == "" {
		t.Errorf("no <%s id=%q>", name, id)
		return
	}
	for _, a := range attrs {
		if !strings.Contains(tag, a) {
			t.Errorf("#%s lacks %s: %s", id, a, tag)
		}
	}
}

func TestAssureSignInPrerender(t *testing.T) {
	html := flat(t, &AssureSignIn{Portal: portal.Assure()})
	wantAll(t, "connexion assure", html,
		">Ici, vous accédez à votre compte ameli</h1>",
		">Vous avez déjà un compte ameli (ou un code donné par votre Caisse)</h2>",
		">Connectez-vous</button>",
		">J'accède à mon compte ameli</h2>",
		`<label for="nir">Mon numéro de sécurité sociale</label>`,
		">Où trouver mon numéro de sécurité sociale ?</summary>",
		"carte Vitale", "attestation de droits",
		`<label for="password">Mon mot de passe (ou code provisoire)</label>`,
		">Mot de passe oublié ?</a>",
		">Tous les champs sont obligatoires.</p>",
		">ME CONNECTER</button>",
	)
	wantAttrs(t, html, "a", "forgot-link", `href="/assure/mot-de-passe-oublie"`)
	wantAttrs(t, html, "input", "nir", `autocomplete="username webauthn"`, `inputmode="numeric"`, `aria-describedby="nir-error"`)
	wantAttrs(t, html, "input", "password", `autocomplete="current-password"`, `type="password"`)
	wantAttrs(t, html, "p", "nir-error", `role="alert"`)
	if strings.Contains(html, `id="captcha"`) {
		t.Error("the captcha shows before the server asks for it")
	}
}

func TestAssureSignInCaptchaRequired(t *testing.T) {
	s := &AssureSignIn{Portal: portal.Assure()}
	html := rerender(t, s, func() {
		s.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCaptchaRequired, Detail: "Merci de recopier les caractères de l'image ou de l'extrait sonore."}})
	})
	if !s.showCaptcha {
		t.Fatal("captcha_required does not show the captcha")
	}
	wantAll(t, "sign-in with captcha", html,
		`id="captcha"`, `data-code="captcha_required"`,
		">Recopiez les caractères de l'image ou de l'extrait sonore</p>",
		`<label for="captcha-answer">Caractères lus ou entendus</label>`,
	)
	wantAttrs(t, html, "input", "captcha-answer", `inputmode="numeric"`, `autocomplete="off"`)

	html = rerender(t, s, func() {
		s.fail(nil, &client.Error{Problem: api.Problem{Status: 401, Code: api.CodeBadCredentials, Detail: "Identifiant ou mot de passe incorrect."}})
	})
	wantAll(t, "401", html, `data-code="bad_credentials"`, "Identifiant ou mot de passe incorrect.")
}

func TestCheckNIR(t *testing.T) {
	for _, c := range []struct {
		in    string
		final bool
		want  text
	}{
		{"", false, text{}},
		{"", true, nirMissing},
		{"1 84 03", false, text{}},
		{"1 84 03", true, nirShort},
		{"1 84 0X", false, nirCharacters},
		{testNIR, false, text{}},
		{testNIR, true, text{}},
		{testNIRNoKey, false, nirKey},
		{testNIR + "1", false, nirLong},
		{"9 84 03 75 123 456 90", false, nirFormat},
	} {
		if got := checkNIR(c.in, c.final); got != c.want {
			t.Errorf("checkNIR(%q, %v) = %q, want %q", c.in, c.final, got, c.want)
		}
	}
}

func TestCheckBirth(t *testing.T) {
	for _, c := range []struct {
		in    string
		final bool
		want  text
	}{
		{"", true, birthMissing},
		{"15/03", false, text{}},
		{"15/03", true, birthFormat},
		{"15031984", true, text{}},
		{testBirth, true, text{}},
		{"31/02/1984", false, birthInvalid},
		{"01/01/1850", false, birthRange},
	} {
		if got := checkBirth(c.in, c.final); got != c.want {
			t.Errorf("checkBirth(%q, %v) = %q, want %q", c.in, c.final, got, c.want)
		}
	}
	if got := checkBirthMatchesNIR(testNIR, testBirth); said(got) {
		t.Errorf("matching NIR and birth date: %q", got)
	}
	if got := checkBirthMatchesNIR(testNIR, "15/04/1984"); got != birthMismatch {
		t.Errorf("another month: %q", got)
	}
}

func TestAssureForgotPrerender(t *testing.T) {
	html := flat(t, &AssureForgot{Portal: portal.Assure()})
	wantAll(t, "mot de passe oublié assure", html,
		">Mot de passe oublié</h1>",
		">Remplissez les champs suivants pour modifier votre mot de passe :</p>",
		">Vous allez recevoir un mail à l'adresse que vous avez indiquée dans votre compte ameli. Il vous permettra de renouveler votre mot de passe en quelques clics.</p>",
		">* Champs obligatoires</p>",
		`<label for="nir">Numéro de sécurité sociale *</label>`,
		`<label for="birthdate">Date de naissance (jj/mm/aaaa) *</label>`,
		`<label for="email">Adresse mail associée à votre compte ameli *</label>`,
		">Recopiez les caractères de l'image ou de l'extrait sonore</p>",
		`<label for="captcha-answer">Caractères lus ou entendus *</label>`,
		">Retourner à la page de connexion</a>",
		">Recevoir le mail</button>",
		`data-state="form"`,
	)
	wantAttrs(t, html, "a", "back", `href="/assure/connexion"`)
	wantAttrs(t, html, "input", "nir", `inputmode="numeric"`)
	wantAttrs(t, html, "input", "birthdate", `autocomplete="bday"`)
	wantAttrs(t, html, "input", "email", `autocomplete="email"`, `type="email"`)
	wantAttrs(t, html, "input", "captcha-answer", `inputmode="numeric"`, `autocomplete="off"`)
}

func TestAssureForgotValidate(t *testing.T) {
	f := &AssureForgot{Portal: portal.Assure()}
	f.OnInit()
	if id := f.validate(); id != "nir" || f.nirErr != nirMissing || f.birthErr != birthMissing || f.emailErr != emailMissing {
		t.Errorf("empty form: %q %q %q %q", id, f.nirErr, f.birthErr, f.emailErr)
	}
	f.nir, f.birth, f.email = testNIR, "15/04/1984", "thomas@exemple.test"
	if id := f.validate(); id != "birthdate" || f.birthErr != birthMismatch {
		t.Errorf("NIR of March, born in April: %q %q", id, f.birthErr)
	}
	f.birth = testBirth
	if id := f.validate(); id != "captcha-answer" {
		t.Errorf("no captcha answer: %q", id)
	}
}

func TestAssureForgotAnswers(t *testing.T) {
	f := &AssureForgot{Portal: portal.Assure()}
	html := rerender(t, f, func() { f.masked = "t***@e***.test"; f.state = assureSent })
	wantAll(t, "sent", html,
		`data-state="sent"`,
		`Le mail a bien été envoyé à <strong id="masked-email">t***@e***.test</strong>`,
		"Vous pouvez dès à présent vous connecter sur votre adresse mail pour continuer la procédure.",
		"Vous n'avez plus accès à votre adresse mail ?", "Merci de contacter votre caisse au 3646.",
		">Vous n'avez pas reçu le mail ?</summary>",
		"courriels indésirables", "Outlook", "Orange", "antivirus", "le plus récent",
		"« Votre compte ameli – renouveler mon mot de passe »",
		">Retourner à la page de connexion</a>",
	)
	wantAttrs(t, html, "a", "back", `href="/assure/connexion"`)

	f = &AssureForgot{Portal: portal.Assure()}
	html = rerender(t, f, func() {
		f.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeNoValidatedEmail}})
	})
	wantAll(t, "no validated e-mail", html, `data-state="no-email"`, `id="no-email"`,
		"L'envoi d'un mail pour renouveler votre mot de passe n'est pas possible.",
		"Merci de contacter votre caisse au 36 46.")

	blocked := "Le nombre maximum de demandes de renouvellement de mot de passe a été atteint. Le service de renouvellement de mot de passe est bloqué jusqu'au 26/12/2022 - 14h33 (heure de Paris)."
	f = &AssureForgot{Portal: portal.Assure()}
	html = rerender(t, f, func() {
		f.fail(nil, &client.Error{Problem: api.Problem{Status: 429, Code: api.CodeRateLimited, Detail: blocked}})
	})
	wantAll(t, "blocked", html, `data-state="blocked"`, `id="blocked"`,
		"<p>Le nombre maximum de demandes de renouvellement de mot de passe a été atteint.</p>",
		`<p id="blocked-until">Le service de renouvellement de mot de passe est bloqué jusqu'au 26/12/2022 - 14h33 (heure de Paris).</p>`)

	f = &AssureForgot{Portal: portal.Assure()}
	html = rerender(t, f, func() {
		f.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeInvalidFields, Fields: []string{"nir", "email"}}})
	})
	wantAll(t, "invalid fields", html, nirRefused.FR, emailInvalid.FR, `data-state="form"`)

	f = &AssureForgot{Portal: portal.Assure()}
	html = rerender(t, f, func() {
		f.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCaptchaInvalid, Detail: "Les caractères saisis ne correspondent pas."}})
	})
	wantAll(t, "captcha invalid", html, ">Les caractères saisis ne correspondent pas.</p>")
	wantAttrs(t, html, "p", "captcha-answer-error", `class="error"`)
}

func TestAssureResetPrerender(t *testing.T) {
	html := flat(t, &Reset{Portal: portal.Assure()})
	wantAll(t, "renouvellement", html,
		">Renouvellement de mot de passe</h1>",
		passwordAdvice.FR,
		">Votre mot de passe doit :</p>",
		"Comporter entre 8 et 50 caractères",
		"Contenir des caractères latins (de a jusqu'à z sans accent) minuscules et majuscules",
		"Ne contenir que des caractères autorisés",
		"Ne pas contenir votre n° de sécurité sociale, votre date de naissance ou une partie de celle-ci",
		">* Champs obligatoires</p>",
		`<label for="password">Nouveau mot de passe *</label>`,
		`<label for="confirm">Confirmer le mot de passe *</label>`,
		">Retourner à la page de connexion</a>",
		">Valider le nouveau mot de passe</button>",
	)
	wantAttrs(t, html, "a", "back", `href="/assure/connexion"`)
	r := &Reset{Portal: portal.Assure()}
	html = rerender(t, r, func() { r.state = resetDone })
	wantAll(t, "renouvellement enregistré", html, assureWording.DoneText.FR, ">Retourner à la page de connexion</a>")
	wantAttrs(t, html, "a", "signin-link", `href="/assure/connexion"`)
	if strings.Contains(html, `id="back"`) {
		t.Error("the assure done screen leads to the sign-in page only")
	}
}

func TestAssureAccountLink(t *testing.T) {
	html := flat(t, &Account{Portal: portal.Assure()})
	wantAll(t, "mes informations", html, "<dt>Paramètres de compte</dt>",
		">Mon mot de passe</a>")
	wantAttrs(t, html, "a", "password-link", `href="/assure/mes-informations/mot-de-passe"`)
}
