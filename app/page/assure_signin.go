package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/portal"
)

// Seed 001, steps 0 and 1, word for word.
var (
	assureWelcome     = text{FR: "Ici, vous accédez à votre compte ameli", EN: "Here you reach your ameli account"}
	assureWelcomeLead = text{FR: "Vous suivez vos remboursements, téléchargez vos attestations, effectuez vos démarches en ligne...",
		EN: "Follow your refunds, download your certificates, do your formalities online..."}
	assureHaveAccount = text{FR: "Vous avez déjà un compte ameli (ou un code donné par votre Caisse)",
		EN: "You already have an ameli account (or a code given by your health insurance office)"}
	assureConnect     = text{FR: "Connectez-vous", EN: "Sign in"}
	assureSignInTitle = text{FR: "J'accède à mon compte ameli", EN: "I access my ameli account"}
	assureNIRLabel    = text{FR: "Mon numéro de sécurité sociale", EN: "My social security number"}
	assurePassLabel   = text{FR: "Mon mot de passe (ou code provisoire)", EN: "My password (or temporary code)"}
	assureAllRequired = text{FR: "Tous les champs sont obligatoires.", EN: "All fields are required."}
	assureSignInBtn   = text{FR: "ME CONNECTER", EN: "SIGN IN"}
	assureForgotLink  = text{FR: "Mot de passe oublié ?", EN: "Forgotten password?"}
)

// AssureSignIn is /assure/connexion: the welcome of the compte ameli and
// « J'accède à mon compte ameli ». The identifier is the NIR, checked as it
// is typed. After a few failures the server asks the captcha: the form then
// shows it, and every later try sends it.
type AssureSignIn struct {
	app.Compo

	Portal portal.Config

	lang     string
	nir      string
	password string // in memory only, until the answer
	nirErr   text
	pwErr    text
	errCode  string
	errText  text
	busy     bool
	carry    *carry
	passkey  *passkeySignIn
	// The captcha is shown once the server asked for it.
	signInCaptcha
}

// OnInit runs on both sides, before the first render.
func (s *AssureSignIn) OnInit() {
	s.lang = startLang(s.lang)
	s.carry = takeCarry()
	s.passkey = &passkeySignIn{Portal: s.Portal.ID, Autofill: true, lang: s.lang}
	s.captcha = &widget.Captcha{Lang: s.lang, OnChange: s.captchaChanged}
}

// OnPreRender runs on the server only.
func (s *AssureSignIn) OnPreRender(ctx app.Context) { s.setTitle(ctx) }

// OnMount runs in the browser only.
func (s *AssureSignIn) OnMount(ctx app.Context) { mounted(ctx, &s.lang, s.setTitle, &s.carry) }

// OnNav runs in the browser only.
func (s *AssureSignIn) OnNav(ctx app.Context) { s.setTitle(ctx) }

func (s *AssureSignIn) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(signInScreen, s.Portal.Name, s.lang))
}

// Render runs on both sides.
func (s *AssureSignIn) Render() app.UI {
	l := s.lang
	return layout(l,
		app.Section().ID("signin").Class("screen assure").DataSet("portal", s.Portal.ID).Body(
			app.Div().Class("welcome").Body(
				title(assureWelcome.In(l)),
				app.P().Class("lead").Text(assureWelcomeLead.In(l)),
			),
			app.Div().Class("card assure-entry").Body(
				app.H2().ID("entry-title").Text(assureHaveAccount.In(l)),
				app.Button().ID("connect").Type("button").Class("btn btn-primary").
					Aria("controls", "signin-form").
					OnClick(s.connect).Text(assureConnect.In(l)),
			),
			app.Div().Class("card signin-card").Body(
				app.Form().ID("signin-form").Method("post").NoValidate(true).
					Aria("labelledby", "signin-brand").
					OnSubmit(s.submit).
					Body(
						app.H2().ID("signin-brand").TabIndex(-1).Text(assureSignInTitle.In(l)),
						&widget.Alert{ID: "form-error", Text: s.errText.In(l), Code: s.errCode},
						&widget.Field{
							ID: "nir", Label: assureNIRLabel.In(l), Autocomplete: signInAutocomplete, InputMode: "numeric",
							Error: s.nirErr.In(l), Required: true, Live: true,
							OnInput: func(_ app.Context, v string) { s.nir, s.nirErr = v, checkNIR(v, false) },
							OnBlur:  func(_ app.Context, v string) { s.nir, s.nirErr = v, checkNIR(v, true) },
						},
						nirHelp(l),
						&widget.PasswordField{
							ID: "password", Label: assurePassLabel.In(l), Autocomplete: "current-password",
							Error: s.pwErr.In(l), Required: true, Lang: l,
							OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, text{} },
						},
						app.P().Class("forgot forgot-start").Body(
							app.A().ID("forgot-link").Href(PortalPath(s.Portal.ID, "mot-de-passe-oublie")).Text(assureForgotLink.In(l)),
						),
						app.If(s.showCaptcha, s.captcha),
						app.P().ID("required-note").Class("required-note").Text(assureAllRequired.In(l)),
						app.Div().Class("actions").Body(
							&widget.Button{ID: "submit", Text: assureSignInBtn.In(l), Primary: true, Submit: true, Busy: s.busy},
						),
					),
				s.passkey,
			),
		),
	)
}

// connect is « Connectez-vous »: the form is right below; take the user
// there.
func (s *AssureSignIn) connect(ctx app.Context, e app.Event) {
	if el := app.Window().GetElementByID("signin-form"); el.Truthy() {
		el.Call("scrollIntoView")
	}
	focus(ctx, "nir")
}

func (s *AssureSignIn) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.busy {
		return
	}
	s.errCode, s.errText = "", text{}
	s.nirErr = checkNIR(s.nir, true)
	s.pwErr = text{}
	if s.password == "" {
		s.pwErr = passwordMissing
	}
	switch {
	case said(s.nirErr):
		focus(ctx, "nir")
		return
	case said(s.pwErr):
		focus(ctx, "password")
		return
	case s.showCaptcha && s.captcha.Missing():
		s.captcha.SetMissing(ctx)
		focus(ctx, s.captcha.AnswerID())
		return
	}
	nir, _ := identity.ParseNIR(s.nir)
	req := api.SignIn{Identifier: nir.String(), Password: s.password}
	s.fill(&req)
	s.busy = true
	signIn(ctx, s.lang, s.Portal.ID, req, func(ctx app.Context, err error) {
		s.busy = false
		if err == nil {
			s.password = ""
			return
		}
		s.fail(ctx, err)
	})
}

// fail shows why signing in failed. A captcha is single use: any failure
// after one was sent draws a new one.
func (s *AssureSignIn) fail(ctx app.Context, err error) {
	code, detail, _ := failureOf(err)
	if s.showCaptcha && !s.captcha.Off() {
		s.captcha.Refresh(ctx)
	}
	switch code {
	case api.CodeCaptchaRequired, api.CodeCaptchaInvalid:
		first := !s.showCaptcha
		s.showCaptcha = true
		s.errCode, s.errText = code, detail
		if !first {
			s.captcha.SetError(ctx, detail.In(s.lang))
		}
		focus(ctx, s.captcha.AnswerID())
	case api.CodeBadCredentials:
		s.errCode, s.errText = code, detail
		focus(ctx, "password")
	default:
		s.errCode, s.errText = code, detail
	}
}

// signInCaptcha is the anti-robot challenge of a sign-in screen (assure,
// adherent): the widget (created in OnInit), whether the form shows it,
// and the challenge and answer it last told (captchaChanged).
type signInCaptcha struct {
	captcha       *widget.Captcha
	showCaptcha   bool
	captchaID     string
	captchaAnswer string
}

// captchaChanged follows the widget.
func (c *signInCaptcha) captchaChanged(id, answer string) {
	c.captchaID, c.captchaAnswer = id, answer
}

// fill adds the challenge and its answer to req when the form shows them,
// and reports whether it did.
func (c *signInCaptcha) fill(req *api.SignIn) bool {
	if c.showCaptcha {
		req.CaptchaID, req.CaptchaAnswer = c.captchaID, strings.TrimSpace(c.captchaAnswer)
	}
	return c.showCaptcha
}
