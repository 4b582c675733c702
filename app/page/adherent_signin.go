package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// AdherentSignIn is /adherent/connexion, seed 004's « Espace Adhérent -
// Connexion »: the member number, the « code d'accès », the « Anti-Robot »
// challenge and « Mot de passe oublié, ou première connexion ». Success
// leads to /adherent/mes-informations.
//
// The portal asks the challenge at every sign-in (SignInCaptcha), so the
// form shows it from the start. A server whose captchas are off answers
// POST /captcha with 404: the widget then fails to load while the browser
// is online, and the form hides it; should the server still answer
// captcha_required, the form shows it again (a new challenge loads as it
// mounts). A challenge serves once: every refused try draws a new one.
type AdherentSignIn struct {
	app.Compo

	Portal portal.Config

	lang     string
	number   string
	password string // in memory only, until the answer
	numErr   text
	pwErr    text
	errCode  string
	errText  text
	busy     bool
	carry    *carry
	passkey  *passkeySignIn
	signInCaptcha
}

// OnInit runs on both sides, before the first render.
func (s *AdherentSignIn) OnInit() {
	s.lang = startLang(s.lang)
	s.carry = takeCarry()
	s.passkey = &passkeySignIn{Portal: s.Portal.ID, Autofill: true, lang: s.lang}
	s.showCaptcha = s.Portal.SignInCaptcha
	s.captcha = &widget.Captcha{ID: "captcha", Lang: s.lang, OnChange: s.captchaChanged}
}

// captchaChanged follows the widget. A challenge that failed to load
// (id and answer empty) while the browser is online means the server has
// no captcha to give: the form goes on without it.
func (s *AdherentSignIn) captchaChanged(id, answer string) {
	s.signInCaptcha.captchaChanged(id, answer)
	if id == "" && answer == "" && navigatorOnline() {
		s.showCaptcha = false
	}
}

// OnPreRender runs on the server only.
func (s *AdherentSignIn) OnPreRender(ctx app.Context) { s.setTitle(ctx) }

// OnMount runs in the browser only.
func (s *AdherentSignIn) OnMount(ctx app.Context) { mounted(ctx, &s.lang, s.setTitle, &s.carry) }

// OnNav runs in the browser only.
func (s *AdherentSignIn) OnNav(ctx app.Context) { s.setTitle(ctx) }

// OnDismount forgets the password.
func (s *AdherentSignIn) OnDismount() { s.password = "" }

func (s *AdherentSignIn) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(signInScreen, s.Portal.Name, s.lang))
}

// Render runs on both sides.
func (s *AdherentSignIn) Render() app.UI {
	l := s.lang
	return layout(l,
		app.Section().ID("signin").Class("screen adherent").DataSet("portal", s.Portal.ID).Body(
			app.Div().Class("card signin-card").Body(
				app.H1().ID(titleID).TabIndex(-1).Class("adherent-title").Body(
					asFrench(app.Span().Class("adherent-mutual"), l).Text(adherentMutual),
					app.Text(" "),
					app.Span().Class("adherent-space").Text(adherentSignInTitle.In(l)),
				),
				app.P().ID("signin-lead").Class("lead").Text(adherentSignInLead.In(l)),
				app.Form().ID("signin-form").Method("post").NoValidate(true).
					Aria("labelledby", titleID).
					OnSubmit(s.submit).
					Body(
						&widget.Alert{ID: "form-error", Text: s.errText.In(l), Code: s.errCode},
						signInField(memberField(l, adherentIDLabel, s.numErr, "", func(_ app.Context, v string) {
							s.number, s.numErr = v, text{}
						})),
						&widget.PasswordField{
							ID: "password", Label: adherentPassLabel.In(l), Autocomplete: "current-password",
							Error: s.pwErr.In(l), Required: true, Lang: l,
							OnInput: func(_ app.Context, v string) { s.password, s.pwErr = v, text{} },
						},
						// The slot stays when the challenge goes, so that
						// the elements after it are not rebuilt (a focused
						// link would lose the focus).
						app.Div().Class("anti-robot-slot").Body(
							app.If(s.showCaptcha,
								app.FieldSet().ID("anti-robot").Class("anti-robot").Body(
									app.Legend().Text(adherentAntiRobot.In(l)),
									s.captcha,
								),
							),
						),
						app.Div().Class("actions").Body(
							&widget.Button{ID: "submit", Text: adherentSignInBtn.In(l), Primary: true, Submit: true, Busy: s.busy},
						),
						app.P().Class("forgot").Body(
							app.A().ID("forgot-link").Href(PortalPath(s.Portal.ID, "mot-de-passe-oublie")).Text(adherentForgotLink.In(l)),
						),
					),
				s.passkey,
			),
		),
	)
}

func (s *AdherentSignIn) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if s.busy {
		return
	}
	s.errCode, s.errText = "", text{}
	number, numErr := checkMemberNumber(s.number)
	s.numErr, s.pwErr = numErr, text{}
	if s.password == "" {
		s.pwErr = adherentPassMissing
	}
	switch {
	case said(s.numErr):
		focus(ctx, "member-number")
		return
	case said(s.pwErr):
		focus(ctx, "password")
		return
	case s.showCaptcha && strings.TrimSpace(s.captchaAnswer) == "":
		s.captcha.SetMissing(ctx)
		focus(ctx, s.captcha.AnswerID())
		return
	}
	req := api.SignIn{Identifier: number, Password: s.password}
	withCaptcha := s.fill(&req)
	s.busy = true
	signIn(ctx, s.lang, s.Portal.ID, req, func(ctx app.Context, err error) {
		s.busy = false
		if err == nil {
			s.password = ""
			return
		}
		s.fail(ctx, err, withCaptcha)
	})
}

// fail shows why signing in failed. withCaptcha: the form showed the
// challenge when it was sent, and that challenge is now spent.
func (s *AdherentSignIn) fail(ctx app.Context, err error, withCaptcha bool) {
	code, detail, _ := failureOf(err)
	s.errCode, s.errText = code, detail
	if withCaptcha && s.showCaptcha {
		s.captcha.Refresh(ctx)
	}
	switch code {
	case api.CodeCaptchaRequired, api.CodeCaptchaInvalid:
		if !s.showCaptcha {
			// Shown again, it mounts and loads a challenge.
			s.showCaptcha = true
		} else {
			// Said once, under the answer.
			s.errCode, s.errText = "", text{}
			s.captcha.SetError(ctx, detail.In(s.lang))
		}
		focus(ctx, s.captcha.AnswerID())
	case api.CodeBadCredentials:
		focus(ctx, "password")
	}
}
