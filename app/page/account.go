package page

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// The account screen's sentences.
var (
	accountScreen  = text{FR: "Mes informations", EN: "My details"}
	accountEmail   = text{FR: "Adresse mail", EN: "E-mail address"}
	accountSignOut = text{FR: "Se déconnecter", EN: "Sign out"}
)

// Account is /{portal}/mes-informations: who is signed in, the account's
// settings (password, passkeys), and signing out. Signed out, it leads back
// to the sign-in screen.
type Account struct {
	app.Compo

	Portal portal.Config

	lang     string
	session  *api.Session
	errCode  string
	errText  text
	busy     bool
	carry    *carry
	passkeys *accountPasskeys
}

// OnInit runs on both sides, before the first render.
func (a *Account) OnInit() {
	a.lang = startLang(a.lang)
	a.carry = takeCarry()
	a.passkeys = &accountPasskeys{Portal: a.Portal.ID, lang: a.lang}
}

// OnPreRender runs on the server only.
func (a *Account) OnPreRender(ctx app.Context) { a.setTitle(ctx) }

// OnMount runs in the browser only.
func (a *Account) OnMount(ctx app.Context) { mounted(ctx, &a.lang, a.setTitle, &a.carry) }

// OnNav runs in the browser only.
func (a *Account) OnNav(ctx app.Context) {
	a.setTitle(ctx)
	a.load(ctx)
}

func (a *Account) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(accountScreen, a.Portal.Name, a.lang))
}

func (a *Account) load(ctx app.Context) {
	id, cl := a.Portal.ID, apiIn(a.lang)
	a.errCode, a.errText = "", text{}
	ctx.Async(func() {
		s, err := cl.Session(id)
		ctx.Dispatch(func(ctx app.Context) {
			if err == nil {
				a.session = &s
				a.passkeys.Identifier = s.Identifier
				return
			}
			code, detail, p := failureOf(err)
			if p != nil && p.Status == 401 {
				ctx.Navigate(PortalPath(id, "connexion"))
				return
			}
			a.errCode, a.errText = code, detail
		})
	})
}

// Render runs on both sides.
func (a *Account) Render() app.UI {
	state := "loading"
	if a.session != nil {
		state = "signed-in"
	}
	return layout(a.lang,
		app.Section().ID("account").Class("screen").DataSet("state", state).Body(
			app.Div().Class("card").Body(
				title(accountScreen.In(a.lang)),
				&widget.Alert{ID: "form-error", Text: a.errText.In(a.lang), Code: a.errCode},
				a.details(),
				a.settings(),
				// The slot stays when the section goes (signed out), so the
				// sign-out form is not rebuilt: its navigation would be lost.
				app.Div().Class("passkeys-slot").Body(app.If(a.session != nil, a.passkeys)),
				app.Form().ID("signout-form").Method("post").Class("actions").OnSubmit(a.signOut).Body(
					&widget.Button{ID: "signout", Text: accountSignOut.In(a.lang), Submit: true, Busy: a.busy},
				),
			),
		),
	)
}

func (a *Account) details() app.UI {
	if a.session == nil {
		if said(a.errText) {
			return nil
		}
		return app.P().ID("account-loading").Role("status").Text(loadingAccount.In(a.lang))
	}
	return app.Dl().Class("details").Body(
		app.Dt().Text(identifierSpec(a.Portal).Label.In(a.lang)),
		app.Dd().ID("identifier").Text(a.session.Identifier),
		// An e-mail identifier is the address itself.
		app.If(a.Portal.Identifier != portal.IdentifierEmail && a.session.EmailMasked != "",
			app.Dt().Text(accountEmail.In(a.lang)),
			app.Dd().ID("email-masked").Text(a.session.EmailMasked),
		),
	)
}

// settings is seed 003's « Paramètres de compte — Mon mot de passe ».
func (a *Account) settings() app.UI {
	return app.Dl().ID("account-settings").Class("details settings").Body(
		app.Dt().Text(accountSettings.In(a.lang)),
		app.Dd().Body(
			app.A().ID("password-link").Href(PortalPath(a.Portal.ID, "mes-informations/mot-de-passe")).Text(accountPassword.In(a.lang)),
		),
	)
}

func (a *Account) signOut(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if a.busy {
		return
	}
	a.busy = true
	id, cl := a.Portal.ID, apiIn(a.lang)
	ctx.Async(func() {
		err := cl.SignOut(id)
		ctx.Dispatch(func(ctx app.Context) {
			a.busy = false
			if err != nil {
				if p := failureOfStatus(err); p != 401 {
					a.errCode, a.errText, _ = failureOf(err)
					return
				}
			}
			a.session = nil
			ctx.Navigate(PortalPath(id, "connexion"))
		})
	})
}

// failureOfStatus is the HTTP status of a failed call, 0 when none came.
func failureOfStatus(err error) int {
	if _, _, p := failureOf(err); p != nil {
		return p.Status
	}
	return 0
}
