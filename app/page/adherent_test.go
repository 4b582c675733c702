package page

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/portal"
)

func TestAdherentRoutes(t *testing.T) {
	Routes()
	for _, p := range []string{
		"/adherent/connexion",
		"/adherent/mot-de-passe-oublie",
		"/adherent/mes-informations",
		"/adherent/mes-informations/mot-de-passe",
	} {
		if !Exists(p) {
			t.Errorf("%s is not a page", p)
		}
		if Exists(p+"/") || Exists(p+"x") {
			t.Errorf("%s matches too much", p)
		}
	}
	// The code channel has no link to open.
	if Exists("/adherent/mot-de-passe/reinitialisation") {
		t.Error("adherent has no reset link page")
	}
}

func TestAdherentSignInPrerender(t *testing.T) {
	html := flat(t, &AdherentSignIn{Portal: portal.Adherent()})
	wantAll(t, "connexion adhérent", html,
		`<span class="adherent-mutual">Mutuelle des agents publics</span>`,
		`<span class="adherent-space">Espace Adhérent - Connexion</span>`,
		">Utilisez nos conseils pour un comportement adapté et sécurisé lors de vos opérations sur internet.</p>",
		`<label for="member-number">Identifiant (Nº adhérent)</label>`,
		`<label for="password">Merci de saisir votre code d'accès</label>`,
		"<legend>Anti-Robot</legend>",
		`id="captcha-answer"`,
		">Connexion</button>",
		">Mot de passe oublié, ou première connexion</a>",
	)
	if in := startTag(html, "input", `id="member-number"`); !strings.Contains(in, `autocomplete="username webauthn"`) || !strings.Contains(in, `inputmode="numeric"`) {
		t.Errorf("#member-number: %s", in)
	}
	if in := startTag(html, "input", `id="password"`); !strings.Contains(in, `autocomplete="current-password"`) || !strings.Contains(in, `type="password"`) {
		t.Errorf("#password: %s", in)
	}
	if a := startTag(html, "a", `id="forgot-link"`); !strings.Contains(a, `href="/adherent/mot-de-passe-oublie"`) {
		t.Errorf("#forgot-link: %s", a)
	}
	if f := startTag(html, "form", `id="signin-form"`); !strings.Contains(f, `method="post"`) || !strings.Contains(f, `aria-labelledby="page-title"`) {
		t.Errorf("#signin-form: %s", f)
	}
	if strings.Count(html, "<h1") != 1 || strings.Count(html, "<main") != 1 {
		t.Error("one <h1> and one <main> per page")
	}
}

func TestAdherentSignInCaptcha(t *testing.T) {
	s := &AdherentSignIn{Portal: portal.Adherent()}
	s.OnInit()
	if !s.showCaptcha {
		t.Fatal("the adherent sign-in shows its Anti-Robot from the start")
	}
	// A server without captchas: the challenge fails to load while online.
	s.captchaChanged("", "")
	if s.showCaptcha {
		t.Error("a challenge that cannot load is hidden")
	}
	// The server asks one after all: shown again.
	s.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCaptchaRequired, Detail: "Merci de recopier…"}}, false)
	if !s.showCaptcha || s.errCode != api.CodeCaptchaRequired {
		t.Errorf("captcha_required: shown %v, code %q", s.showCaptcha, s.errCode)
	}
	s.captchaChanged("ch1", "")
	if !s.showCaptcha || s.captchaID != "ch1" {
		t.Error("a loaded challenge stays")
	}
	s.fail(nil, &client.Error{Problem: api.Problem{Status: 401, Code: api.CodeBadCredentials, Detail: "Identifiant ou mot de passe incorrect."}}, true)
	if s.errText.FR != "Identifiant ou mot de passe incorrect." || !s.showCaptcha {
		t.Errorf("bad credentials: %q", s.errText.FR)
	}
}

func TestCheckMemberNumber(t *testing.T) {
	for in, want := range map[string]text{
		"":                adherentNumberMissing,
		"12345":           adherentNumberInvalid,
		"12345678901":     adherentNumberInvalid,
		"12A456":          adherentNumberInvalid,
		" 123 456 ":       {},
		"0012345678":      {},
		"123456789012345": adherentNumberInvalid,
	} {
		if _, got := checkMemberNumber(in); got != want {
			t.Errorf("checkMemberNumber(%q) = %q, want %q", in, got, want)
		}
	}
	if n, _ := checkMemberNumber(" 123 456 "); n != "123456" {
		t.Errorf("the number is sent as digits: %q", n)
	}
}

func TestAdherentForgotPrerender(t *testing.T) {
	html := flat(t, &AdherentForgot{Portal: portal.Adherent()})
	wantAll(t, "mot de passe oublié", html,
		">Mot de passe oublié</h1>",
		">Vous connaissez votre identifiant, mais vous avez perdu votre mot de passe ou c'est votre première connexion</p>",
		">Vous pouvez le réinitialiser tout de suite si vous nous avez communiqué un numéro de téléphone ou une adresse e-mail. Sinon, vous pouvez choisir de recevoir un nouveau mot de passe par courrier sous huit jours.</p>",
		">Merci d'indiquer votre numéro d'adhérent</h2>",
		`<label for="member-number">N° Adhérent</label>`,
		">Valider</button>",
		`data-state="number"`,
	)
	if in := startTag(html, "input", `id="member-number"`); !strings.Contains(in, `autocomplete="username"`) || !strings.Contains(in, `inputmode="numeric"`) {
		t.Errorf("#member-number: %s", in)
	}
	if f := startTag(html, "form", `id="number-form"`); !strings.Contains(f, `method="post"`) {
		t.Errorf("#number-form: %s", f)
	}
	if strings.Count(html, "<h1") != 1 {
		t.Error("one <h1>")
	}
}

// adherentHTML renders f in its current state.
func adherentHTML(f *AdherentForgot, d app.ServerDispatcher) string {
	f.Update()
	d.Consume()
	return strings.ReplaceAll(strings.ReplaceAll(app.HTMLString(f), "\n", ""), "&#39;", "'")
}

// The whole journey on one page, state by state, as the server answers.
func TestAdherentForgotJourney(t *testing.T) {
	f := &AdherentForgot{Portal: portal.Adherent()}
	d := app.NewServerTester(f)
	defer d.Close()

	f.accepted(nil, "123456", api.RecoveryAccepted{Status: "accepted", FlowID: "flow1", MaskedEmail: "x***@g***.com"})
	html := adherentHTML(f, d)
	wantAll(t, "adresse masquée", html,
		`data-state="channel"`,
		"Email : <strong>x***@g***.com</strong>",
		">Recevoir mon code par Mail</button>",
		"veillez toutefois à laisser cette page internet ouverte",
		">Si vous ne recevez pas cet e-mail, veuillez vérifier votre dossier de courrier indésirable ou spam.</p>",
		"recevoir un nouveau mot de passe par courrier sous huit jours, contactez votre mutuelle.",
		`<strong id="member-number-value">123456</strong>`,
	)
	if strings.Contains(html, `id="code"`) {
		t.Error("no code field before a code is sent")
	}

	f.codeSent(nil)
	html = adherentHTML(f, d)
	wantAll(t, "code", html,
		`data-state="code"`,
		">Vous pouvez choisir de recevoir votre code d'activation par MAIL.</h2>",
		">Merci de saisir votre code d'activation</h2>",
		`<label for="code">Code d'activation</label>`,
		">Veuillez noter que pour finaliser votre demande, il est nécessaire d'enregistrer le code d'activation reçu, sur la même page internet où vous avez soumis votre demande.</p>",
		">Recevoir un nouveau code par Mail</button>",
		"Il est valable 15 minutes.",
	)
	if in := startTag(html, "input", `id="code"`); !strings.Contains(in, `autocomplete="one-time-code"`) || !strings.Contains(in, `inputmode="numeric"`) {
		t.Errorf("#code: %s", in)
	}
	wantAll(t, "code", html, ">Si vous ne recevez pas cet e-mail, veuillez vérifier votre dossier de courrier indésirable ou spam.</p>")
	if strings.Contains(html, `id="send-code"`) || strings.Contains(html, `id="postal-note"`) {
		t.Error("once a code left, the send button (and its notes) give way to the code step")
	}

	left := 4
	f.failCode(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCodeInvalid, Detail: "Le code saisi est incorrect.", AttemptsLeft: &left}})
	html = adherentHTML(f, d)
	wantAll(t, "code faux", html, "Le code saisi est incorrect. Il vous reste 4 essais.", `aria-describedby="code-hint code-error"`)
	if in := startTag(html, "input", `id="code"`); strings.Contains(in, `aria-invalid="false"`) || !strings.Contains(in, "aria-invalid") {
		t.Errorf("a wrong code marks the field invalid: %s", in)
	}

	f.failCode(nil, &client.Error{Problem: api.Problem{Status: 410, Code: api.CodeCodeDead, Detail: "Ce code n'est plus valable. Merci de demander un nouveau code."}})
	html = adherentHTML(f, d)
	wantAll(t, "code mort", html, `data-code="code_dead"`, "Ce code n'est plus valable.", `id="restart"`, `data-state="code"`)
	if strings.Contains(html, "Il vous reste") {
		t.Error("a dead code no longer counts tries")
	}

	f.codeSent(nil) // a new code revives the step
	if f.dead || f.status != adherentCodeResent {
		t.Errorf("after a resend: dead %v, status %q", f.dead, f.status)
	}

	const secret = "Tok3n-never-in-the-DOM-0123456789"
	f.codeAccepted(nil, api.CodeAccepted{Token: secret})
	html = adherentHTML(f, d)
	wantAll(t, "nouveau mot de passe", html,
		`data-state="password"`,
		">Merci de saisir votre nouveau mot de passe</h1>",
		">Saisissez votre nouveau mot de passe*, confirmez le puis VALIDER.</p>",
		">*Pour garantir une sécurité optimale, assurez-vous d'avoir un mot de passe robuste incluant des chiffres, des caractères spéciaux et des majuscules (évitez les caractères suivants : apostrophe ('), pourcentage (%), antislash (\\), et underscore (_).</p>",
		">Une réinitialisation régulière est recommandée par mesure de précaution, avec un changement souhaité tous les 6 mois.</p>",
		`data-rule="length"`, `data-rule="digit"`, `data-rule="special"`, `data-rule="upper"`, `data-rule="forbidden"`, `data-rule="confirm"`,
		">VALIDER</button>",
	)
	if strings.Contains(html, secret) || strings.Contains(html, "flow1") {
		t.Error("the token or the flow id reached the DOM")
	}
	if in := startTag(html, "input", `id="password-username"`); !strings.Contains(in, `autocomplete="username"`) || !strings.Contains(in, `value="123456"`) || !strings.Contains(in, "hidden") {
		t.Errorf("password managers are not told whose password this is: %s", in)
	}
	if strings.Contains(html, `data-rule="differs"`) {
		t.Error("differs cannot be checked without the current password")
	}
	for _, id := range []string{"password", "confirm"} {
		if in := startTag(html, "input", `id="`+id+`"`); !strings.Contains(in, `autocomplete="new-password"`) {
			t.Errorf("#%s: %s", id, in)
		}
	}

	f.password, f.confirm = "Soleil#Mars2025", "Soleil#Mars2025"
	for _, r := range f.Checklist() {
		if !r.OK {
			t.Errorf("rule %s fails for a good password", r.ID)
		}
	}
	f.password = "Soleil_Mars2025"
	for _, r := range f.Checklist() {
		if r.ID == "forbidden" && r.OK {
			t.Error("the underscore is forbidden")
		}
	}
	f.password = "Sol123456#Abc"
	for _, r := range f.Checklist() {
		if r.ID == "context" && r.OK {
			t.Error("the member number may not be in the password")
		}
	}

	f.forget()
	f.enter(nil, adherentDone, titleID)
	html = adherentHTML(f, d)
	wantAll(t, "félicitations", html,
		">Félicitations !</h1>",
		"Vous pouvez désormais vous connecter à votre espace adhérent directement en indiquant votre numéro d'adhérent et votre nouveau mot de passe.",
		">Merci et à bientôt !</p>",
	)
	if a := startTag(html, "a", `id="signin-link"`); !strings.Contains(a, `href="/adherent/connexion"`) {
		t.Errorf("#signin-link: %s", a)
	}
	if f.token != "" {
		t.Error("the token outlives the journey")
	}
}

func TestAdherentForgotFlowEnds(t *testing.T) {
	f := &AdherentForgot{Portal: portal.Adherent()}
	d := app.NewServerTester(f)
	defer d.Close()
	f.number = "123 456" // as typed
	f.accepted(nil, "123456", api.RecoveryAccepted{FlowID: "flow1", MaskedEmail: "x***@g***.com"})
	f.codeSent(nil)

	f.failCode(nil, &client.Error{Problem: api.Problem{Status: 403, Code: api.CodeFlowForeign, Detail: "Le code doit être saisi sur la page où vous avez fait votre demande."}})
	html := adherentHTML(f, d)
	wantAll(t, "autre page", html, `data-state="gone"`, `data-code="flow_foreign_browser"`,
		"Le code doit être saisi sur la page où vous avez fait votre demande.", `id="foreign-help"`, `id="restart"`)

	f.restart(nil, app.Event{})
	html = adherentHTML(f, d)
	wantAll(t, "recommencer", html, `data-state="number"`, `value="123 456"`)
	if f.flowID != "" || f.member != "" {
		t.Error("starting again forgets the flow")
	}

	f.accepted(nil, "123456", api.RecoveryAccepted{FlowID: "flow2", MaskedEmail: "x***@g***.com"})
	f.failFlow(nil, &client.Error{Problem: api.Problem{Status: 410, Code: api.CodeFlowInvalid, Detail: "Cette demande n'existe pas ou a expiré. Merci de recommencer."}})
	html = adherentHTML(f, d)
	wantAll(t, "flux expiré", html, `data-state="gone"`, `data-code="flow_invalid"`, "Merci de recommencer.")
	if strings.Contains(html, `id="foreign-help"`) {
		t.Error("the other-page help is for 403 only")
	}

	f.restart(nil, app.Event{})
	f.failFlow(nil, client.ErrOffline)
	if f.state != adherentNumber || f.errCode != "offline" {
		t.Errorf("offline: state %q, code %q", f.state, f.errCode)
	}
}
