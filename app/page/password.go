package page

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Seed 003, word for word.
var (
	changeTitle       = text{FR: "Modifier votre mot de passe", EN: "Change your password"}
	changeCodeTitle   = text{FR: "Code de confirmation", EN: "Confirmation code"}
	changeCodeText    = text{FR: "Indiquez ci-dessous le code qui vous a été envoyé par mail à l'adresse suivante ?", EN: "Enter below the code e-mailed to you at this address:"}
	changeResend      = text{FR: "Renvoyer le code par mail", EN: "E-mail the code again"}
	changeConfirmCode = text{FR: "Confirmer mon code", EN: "Confirm my code"}
	changeNewTitle    = text{FR: "Nouveau mot de passe", EN: "New password"}
	changeCurrent     = text{FR: "Mot de passe actuel *", EN: "Current password *"}
	changeNew         = text{FR: "Nouveau mot de passe *", EN: "New password *"}
	changeConfirm     = text{FR: "Confirmer le mot de passe *", EN: "Confirm the password *"}
	changeCancel      = text{FR: "Annuler", EN: "Cancel"}
	changeSubmit      = text{FR: "Confirmer mon nouveau mot de passe", EN: "Confirm my new password"}
	changeDone        = text{FR: "Votre nouveau mot de passe est bien enregistré ! Merci de vous reconnecter.", EN: "Your new password has been saved! Please sign in again."}
	changeBack        = text{FR: "Retourner à la page de connexion", EN: "Back to the sign-in page"}
	accountSettings   = text{FR: "Paramètres de compte", EN: "Account settings"}
	accountPassword   = text{FR: "Mon mot de passe", EN: "My password"}
)

// Sentences seed 003 does not give.
var (
	changeSending = text{FR: "Envoi du code de confirmation…", EN: "Sending the confirmation code…"}
	changeResent  = text{FR: "Un nouveau code vous a été envoyé par mail. Seul ce dernier code est valable.",
		EN: "A new code has been e-mailed to you. Only this latest code is valid."}
	changeCodeBad   = text{FR: "Saisissez les %d chiffres du code reçu par mail.", EN: "Enter the %d digits of the code you received by e-mail."}
	currentMissing  = text{FR: "Saisissez votre mot de passe actuel.", EN: "Enter your current password."}
	changeStepLabel = text{FR: "Étape %d sur 2 : %s", EN: "Step %d of 2: %s"}
	changeSteps     = text{FR: "Étapes", EN: "Steps"}
	codeLabelText   = text{FR: "Code à %d chiffres (obligatoire)", EN: "%d-digit code (required)"}
	oneTryLeft      = text{FR: " Il vous reste 1 essai.", EN: " You have 1 try left."}
	triesLeft       = text{FR: " Il vous reste %d essais.", EN: " You have %d tries left."}
)

// codeLabel is « Code à 4 chiffres (obligatoire) ».
func codeLabel(digits int) text { return textf(codeLabelText, digits) }

// Password is /{portal}/mes-informations/mot-de-passe, « Modifier votre
// mot de passe » (seed 003), for a signed-in member of any portal.
//
// Entering the screen e-mails a confirmation code (4 digits on assure, 6
// elsewhere). Step 1 collects it (its format only: the server checks it
// together with the passwords); step 2 asks the current password, the new
// one with the live checklist and the indicative strength, and its
// confirmation, and sends everything. A wrong or dead code brings the user
// back to step 1. Success ends every session of the account: the screen
// then asks to sign in again. Signed out, the screen leads to the sign-in
// page. The code and the passwords live in the screen's memory only.
type Password struct {
	app.Compo

	Portal portal.Config

	newPassword
	lang    string
	state   string
	masked  string
	session api.Session
	code    string // in memory only
	current string // in memory only
	codeErr text
	curErr  text
	status  text
	errCode string
	errText text
	busy    bool
	carry   *carry
}

// Password's states, in data-state.
const (
	changeLoading = "loading" // checking the session, sending the code
	changeCode    = "code"    // step 1
	changeNewPw   = "password"
	changeDoneSt  = "done"
	changeFailed  = "error" // the code could not be sent
)

// OnInit runs on both sides, before the first render.
func (c *Password) OnInit() {
	c.lang = startLang(c.lang)
	c.carry = takeCarry()
	c.state = changeLoading
}

// OnPreRender runs on the server only.
func (c *Password) OnPreRender(ctx app.Context) { c.setTitle(ctx) }

// OnMount runs in the browser only.
func (c *Password) OnMount(ctx app.Context) { mounted(ctx, &c.lang, c.setTitle, &c.carry) }

// OnNav runs in the browser only: who is signed in, then the code.
func (c *Password) OnNav(ctx app.Context) {
	c.setTitle(ctx)
	c.start(ctx)
}

// OnDismount forgets every secret.
func (c *Password) OnDismount() { c.forget() }

func (c *Password) forget() {
	c.code, c.current, c.password, c.confirm = "", "", "", ""
}

func (c *Password) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(changeTitle, c.Portal.Name, c.lang))
}

func (c *Password) digits() int {
	if c.Portal.ChangeCodeDigits > 0 {
		return c.Portal.ChangeCodeDigits
	}
	return 6
}

// start checks the session, then e-mails the first code.
func (c *Password) start(ctx app.Context) {
	c.state, c.status = changeLoading, changeSending
	c.errCode, c.errText = "", text{}
	id, cl := c.Portal.ID, apiIn(c.lang)
	ctx.Async(func() {
		s, err := cl.Session(id)
		if err != nil {
			ctx.Dispatch(func(ctx app.Context) { c.failLoad(ctx, err) })
			return
		}
		sent, err := cl.ChangePasswordCode(id)
		ctx.Dispatch(func(ctx app.Context) {
			c.session = s
			if err != nil {
				c.failLoad(ctx, err)
				return
			}
			c.masked, c.status = sent.MaskedEmail, text{}
			c.state = changeCode
		})
	})
}

// signedOut leads to the portal's sign-in page.
func (c *Password) signedOut(ctx app.Context) {
	c.forget()
	ctx.Navigate(PortalPath(c.Portal.ID, "connexion"))
}

func (c *Password) failLoad(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	if p != nil && p.Status == 401 {
		c.signedOut(ctx)
		return
	}
	c.state, c.status = changeFailed, text{}
	c.errCode, c.errText = code, detail
}

// resend is « Renvoyer le code par mail »: a new code, the previous one
// dies.
func (c *Password) resend(ctx app.Context, e app.Event) {
	if c.busy {
		return
	}
	c.busy = true
	c.errCode, c.errText, c.status, c.codeErr = "", text{}, text{}, text{}
	id, cl := c.Portal.ID, apiIn(c.lang)
	ctx.Async(func() {
		sent, err := cl.ChangePasswordCode(id)
		ctx.Dispatch(func(ctx app.Context) {
			c.busy = false
			if err != nil {
				code, detail, p := failureOf(err)
				if p != nil && p.Status == 401 {
					c.signedOut(ctx)
					return
				}
				c.errCode, c.errText = code, detail
				return
			}
			c.masked, c.status = sent.MaskedEmail, changeResent
			if c.state == changeFailed {
				c.state = changeCode
			}
		})
	})
}

// Render runs on both sides.
func (c *Password) Render() app.UI {
	var body app.UI
	switch c.state {
	case changeDoneSt:
		body = c.doneScreen()
	case changeNewPw:
		body = c.passwordStep()
	default:
		body = c.codeStep()
	}
	return layout(c.lang,
		app.Section().ID("change-password").Class("screen").DataSet("state", c.state).DataSet("portal", c.Portal.ID).Body(
			app.Div().Class("card").Body(
				title(changeTitle.In(c.lang)),
				app.If(c.state != changeDoneSt, c.steps()),
				body,
			),
		),
	)
}

// steps is seed 003's « 1 2 »: step 1 the code, step 2 the new password.
func (c *Password) steps() app.UI {
	current := 1
	if c.state == changeNewPw {
		current = 2
	}
	names := []text{changeCodeTitle, changeNewTitle}
	return app.Ol().ID("steps").Class("steps").Aria("label", changeSteps.In(c.lang)).Body(
		app.Range(names).Slice(func(i int) app.UI {
			n := i + 1
			li := app.Li().ID("step-" + strconv.Itoa(n)).Class("step")
			if n == current {
				li = li.Class("step-current").Aria("current", "step")
			} else if n < current {
				li = li.Class("step-done")
			}
			return li.Body(
				app.Span().Class("step-number").Aria("hidden", "true").Text(strconv.Itoa(n)),
				app.Span().Class("visually-hidden").Text(fmt.Sprintf(changeStepLabel.In(c.lang), n, names[i].In(c.lang))),
			)
		}),
	)
}

func (c *Password) codeStep() app.UI {
	loading, l := c.state == changeLoading, c.lang
	return app.Div().ID("step-code").Body(
		app.H2().ID("step-title").TabIndex(-1).Text(changeCodeTitle.In(l)),
		&widget.Alert{ID: "code-status", Level: widget.AlertInfo, Text: c.status.In(l)},
		app.Form().ID("code-form").Method("post").NoValidate(true).
			Aria("labelledby", "step-title").
			OnSubmit(c.submitCode).
			Body(
				&widget.Alert{ID: "form-error", Text: c.errText.In(l), Code: c.errCode},
				app.P().ID("code-text").Body(
					app.Text(changeCodeText.In(l)),
					app.If(c.masked != "", app.Br(), app.Strong().ID("masked-email").Text(c.masked)),
				),
				c.codeField(),
				app.P().Class("resend").Body(
					app.Button().ID("resend-code").Type("button").Class("link-button").
						OnClick(c.resend).Text(changeResend.In(l)),
				),
				app.Div().Class("actions").Body(
					app.A().ID("cancel").Class("btn").Href(PortalPath(c.Portal.ID, "mes-informations")).Text(changeCancel.In(l)),
					&widget.Button{ID: "confirm-code", Text: changeConfirmCode.In(l), Primary: true, Submit: true, Busy: c.busy || loading},
				),
			),
	)
}

// codeField is the code input. Step 2 replaces it: back at step 1, the
// field is a new, empty one.
func (c *Password) codeField() app.UI {
	return &widget.Field{
		ID: "code", Label: codeLabel(c.digits()).In(c.lang), Autocomplete: "one-time-code", InputMode: "numeric",
		Error: c.codeErr.In(c.lang), Required: true,
		OnInput: func(_ app.Context, v string) { c.code, c.codeErr = v, text{} },
	}
}

// cleanCode is the code without the spaces a user may type.
func cleanCode(v string) string { return strings.Join(strings.Fields(v), "") }

func (c *Password) submitCode(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.state != changeCode {
		return
	}
	c.errCode, c.errText, c.status = "", text{}, text{}
	code := cleanCode(c.code)
	if len(code) != c.digits() || strings.Trim(code, "0123456789") != "" {
		c.codeErr = textf(changeCodeBad, c.digits())
		focus(ctx, "code")
		return
	}
	c.code, c.codeErr = code, text{}
	c.state = changeNewPw
	focus(ctx, "step-title")
}

// Checklist is the checklist of step 2: the server's after a refusal,
// until something changes, else the local check, « différent de votre mot
// de passe actuel » included once the current password is typed.
func (c *Password) Checklist() policy.Result {
	res := c.Portal.Policy.Check(c.input(), c.lang)
	if c.server != nil {
		res.Rules = c.server
	}
	return res
}

func (c *Password) input() policy.Input {
	ctx := policy.Context{Identifier: c.session.Identifier}
	switch c.Portal.Identifier {
	case portal.IdentifierNIR:
		ctx.NIR = c.session.Identifier
	case portal.IdentifierMemberNumber:
		ctx.MemberNumber = c.session.Identifier
	case portal.IdentifierEmail:
		ctx.Email = c.session.Identifier
	}
	return policy.Input{
		Password: c.password, Confirm: c.confirm,
		Current: c.current, HasCurrent: c.current != "",
		Context: c.Portal.PolicyContext(ctx),
	}
}

func (c *Password) passwordStep() app.UI {
	res, l := c.Checklist(), c.lang
	return app.Div().ID("step-password").Body(
		app.H2().ID("step-title").TabIndex(-1).Text(changeNewTitle.In(l)),
		notice("password-advice", passwordAdvice.In(l)),
		app.Form().ID("password-form").Method("post").NoValidate(true).
			Aria("labelledby", "step-title").
			OnSubmit(c.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: c.errText.In(l), Code: c.errCode},
				app.P().ID("rules-intro").Class("rules-intro").Text(rulesIntro.In(l)),
				&widget.Checklist{ID: "checklist", Rules: res.Rules, Lang: l},
				app.P().ID("required-note").Class("required-note").Text(requiredNote.In(l)),
				&widget.PasswordField{
					ID: "current", Label: changeCurrent.In(l), Autocomplete: "current-password",
					Error: c.curErr.In(l), Required: true, Lang: l,
					OnInput: func(_ app.Context, v string) { c.current, c.curErr, c.server = v, text{}, nil },
				},
				&widget.PasswordField{
					ID: "password", Label: changeNew.In(l), Autocomplete: "new-password",
					Error: c.pwErr.In(l), DescribedBy: "checklist strength", Required: true, Lang: l,
					OnInput: c.typePassword,
				},
				&widget.Strength{ID: "strength", Value: res.Strength, Lang: l},
				&widget.PasswordField{
					ID: "confirm", Label: changeConfirm.In(l), Autocomplete: "new-password",
					Error: c.cfErr.In(l), Required: true, Lang: l,
					OnInput: c.typeConfirm,
				},
				app.Div().Class("actions").Body(
					app.A().ID("cancel").Class("btn").Href(PortalPath(c.Portal.ID, "mes-informations")).Text(changeCancel.In(l)),
					&widget.Button{ID: "submit", Text: changeSubmit.In(l), Primary: true, Submit: true, Busy: c.busy},
				),
			),
	)
}

func (c *Password) doneScreen() app.UI {
	return app.Div().ID("step-done").Body(
		app.Div().ID("done-text").Class("alert alert-success").Role("status").Body(
			app.P().Text(changeDone.In(c.lang)),
		),
		app.Div().Class("actions").Body(
			app.A().ID("signin-link").Class("btn btn-primary").Href(PortalPath(c.Portal.ID, "connexion")).Text(changeBack.In(c.lang)),
		),
	)
}

func (c *Password) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.state != changeNewPw {
		return
	}
	c.errCode, c.errText, c.curErr, c.pwErr, c.cfErr = "", text{}, text{}, text{}, text{}
	if c.current == "" {
		c.curErr = currentMissing
		focus(ctx, "current")
		return
	}
	res := c.Portal.Policy.Check(c.input(), c.lang)
	if field, code := c.checkPassword(ctx, res.OK, res.Rules); field != "" {
		if code != "" {
			c.errCode, c.errText = code, problemText(code)
		}
		return
	}
	c.busy = true
	id, cl := c.Portal.ID, apiIn(c.lang)
	req := api.ChangePassword{Code: c.code, Current: c.current, Password: c.password, Confirm: c.confirm}
	ctx.Async(func() {
		_, err := cl.ChangePassword(id, req)
		ctx.Dispatch(func(ctx app.Context) {
			c.busy = false
			if err == nil {
				c.forget()
				c.state = changeDoneSt
				focus(ctx, titleID)
				return
			}
			c.fail(ctx, err)
		})
	})
}

// attemptsText says how many tries the code has left.
func attemptsText(left int) text {
	switch {
	case left <= 0:
		return text{}
	case left == 1:
		return oneTryLeft
	}
	return textf(triesLeft, left)
}

// join is sentences one after the other.
func join(parts ...text) text {
	var t text
	for _, p := range parts {
		t.FR += p.FR
		t.EN += p.EN
	}
	return t
}

// backToCode returns to step 1 with a message about the code.
func (c *Password) backToCode(ctx app.Context, msg text) {
	c.code = ""
	c.state, c.codeErr = changeCode, msg
	focus(ctx, "code")
}

// fail shows why the change was refused.
func (c *Password) fail(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	left := -1
	if p != nil && p.AttemptsLeft != nil {
		left = *p.AttemptsLeft
	}
	switch {
	case p != nil && p.Status == 401:
		c.signedOut(ctx)
	case code == api.CodeCodeInvalid:
		c.backToCode(ctx, join(detail, attemptsText(left)))
	case code == api.CodeCodeDead:
		c.backToCode(ctx, detail)
	case code == api.CodeInvalidFields && p != nil && len(p.Fields) > 0 && p.Fields[0] == "code":
		c.backToCode(ctx, textf(changeCodeBad, c.digits()))
	case code == api.CodeCurrentPassword:
		if left == 0 {
			// That try was the code's last one.
			c.backToCode(ctx, join(detail, verbatim(" "), problemText(api.CodeCodeDead)))
			return
		}
		c.curErr = join(detail, attemptsText(left))
		focus(ctx, "current")
	default:
		c.errCode, c.errText = code, detail
		c.refused(ctx, p)
	}
}

// notice is the seed's « ! » advice box.
func notice(id, text string) app.UI {
	return app.Div().ID(id).Class("notice").Body(
		app.Span().Class("notice-mark").Aria("hidden", "true").Text("!"),
		app.P().Text(text),
	)
}
