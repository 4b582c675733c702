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
const (
	assureWelcome     = "Ici, vous accédez à votre compte ameli"
	assureWelcomeLead = "Vous suivez vos remboursements, téléchargez vos attestations, effectuez vos démarches en ligne..."
	assureHaveAccount = "Vous avez déjà un compte ameli (ou un code donné par votre Caisse)"
	assureConnect     = "Connectez-vous"
	assureSignInTitle = "J'accède à mon compte ameli"
	assureNIRLabel    = "Mon numéro de sécurité sociale"
	assurePassLabel   = "Mon mot de passe (ou code provisoire)"
	assureAllRequired = "Tous les champs sont obligatoires."
	assureSignInBtn   = "ME CONNECTER"
	assureForgotLink  = "Mot de passe oublié ?"
)

// AssureSignIn is /assure/connexion: the welcome of the compte ameli and
// « J'accède à mon compte ameli ». The identifier is the NIR, checked as it
// is typed. After a few failures the server asks the captcha: the form then
// shows it, and every later try sends it.
type AssureSignIn struct {
	app.Compo

	Portal portal.Config

	nir      string
	password string // in memory only, until the answer
	nirErr   string
	pwErr    string
	errCode  string
	errText  string
	busy     bool
	carry    *carry
	passkey  *passkeySignIn

	// captcha is shown once the server asked for it.
	captcha       *widget.Captcha
	showCaptcha   bool
	captchaID     string
	captchaAnswer string
}

// OnInit runs on both sides, before the first render.
func (s *AssureSignIn) OnInit() {
	s.carry = takeCarry()
	s.passkey = &passkeySignIn{Portal: s.Portal.ID, Autofill: true}
	s.captcha = &widget.Captcha{Client: apiClient, OnChange: func(id, answer string) {
		s.captchaID, s.captchaAnswer = id, answer
	}}
}

// OnPreRender runs on the server only.
func (s *AssureSignIn) OnPreRender(ctx app.Context) { s.setTitle(ctx) }

// OnMount runs in the browser only.
func (s *AssureSignIn) OnMount(ctx app.Context) { mounted(ctx, s.carry); s.carry = nil }

// OnNav runs in the browser only.
func (s *AssureSignIn) OnNav(ctx app.Context) { s.setTitle(ctx) }

func (s *AssureSignIn) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(signInScreen, s.Portal.Name))
}

// Render runs on both sides.
func (s *AssureSignIn) Render() app.UI {
	return layout(
		app.Section().ID("signin").Class("screen assure").DataSet("portal", s.Portal.ID).Body(
			app.Div().Class("welcome").Body(
				title(assureWelcome),
				app.P().Class("lead").Text(assureWelcomeLead),
			),
			app.Div().Class("card assure-entry").Body(
				app.H2().ID("entry-title").Text(assureHaveAccount),
				app.Button().ID("connect").Type("button").Class("btn btn-primary").
					Aria("controls", "signin-form").
					OnClick(s.connect).Text(assureConnect),
			),
			app.Div().Class("card signin-card").Body(
				app.Form().ID("signin-form").Method("post").NoValidate(true).
					Aria("labelledby", "signin-brand").
					OnSubmit(s.submit).
					Body(
						app.H2().ID("signin-brand").TabIndex(-1).Text(assureSignInTitle),
						&widget.Alert{ID: "form-error", Text: s.errText, Code: s.errCode},
						&widget.Field{
							ID: "nir", Label: assureNIRLabel, Autocomplete: signInAutocomplete, InputMode: "numeric",
							Error: s.nirErr, Required: true, Live: true,
							OnInput: func(_ app.Context, v string) { s.nir, s.nirErr = v, checkNIR(v, false) },
							OnBlur:  func(_ app.Context, v string) { s.nir, s.nirErr = v, checkNIR(v, true) },
						},
						nirHelp(),
						&widget.PasswordField{
							ID: "password", Label: assurePassLabel, Autocomplete: "current-password",
							Error: s.pwErr, Required: true,
							OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, "" },
						},
						app.P().Class("forgot forgot-start").Body(
							app.A().ID("forgot-link").Href(PortalPath(s.Portal.ID, "mot-de-passe-oublie")).Text(assureForgotLink),
						),
						app.If(s.showCaptcha, s.captcha),
						app.P().ID("required-note").Class("required-note").Text(assureAllRequired),
						app.Div().Class("actions").Body(
							&widget.Button{ID: "submit", Text: assureSignInBtn, Primary: true, Submit: true, Busy: s.busy},
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
	s.errCode, s.errText = "", ""
	s.nirErr = checkNIR(s.nir, true)
	s.pwErr = ""
	if s.password == "" {
		s.pwErr = passwordMissing
	}
	switch {
	case s.nirErr != "":
		focus(ctx, "nir")
		return
	case s.pwErr != "":
		focus(ctx, "password")
		return
	case s.showCaptcha && s.captcha.Missing():
		s.captcha.SetError(ctx, widget.CaptchaMissing)
		focus(ctx, s.captcha.AnswerID())
		return
	}
	nir, _ := identity.ParseNIR(s.nir)
	req := api.SignIn{Identifier: nir.String(), Password: s.password}
	if s.showCaptcha {
		req.CaptchaID, req.CaptchaAnswer = s.captchaID, strings.TrimSpace(s.captchaAnswer)
	}
	s.busy = true
	id := s.Portal.ID
	ctx.Async(func() {
		_, err := apiClient.SignIn(id, req)
		ctx.Dispatch(func(ctx app.Context) {
			s.busy = false
			if err == nil {
				s.password = ""
				ctx.Navigate(PortalPath(id, "mes-informations"))
				return
			}
			s.fail(ctx, err)
		})
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
			s.captcha.SetError(ctx, detail)
		}
		focus(ctx, s.captcha.AnswerID())
	case api.CodeBadCredentials:
		s.errCode, s.errText = code, detail
		focus(ctx, "password")
	default:
		s.errCode, s.errText = code, detail
	}
}
