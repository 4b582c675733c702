package page

import (
	"fmt"
	"strconv"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/message"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Seed 003, word for word.
const (
	changeTitle       = "Modifier votre mot de passe"
	changeCodeTitle   = "Code de confirmation"
	changeCodeText    = "Indiquez ci-dessous le code qui vous a été envoyé par mail à l'adresse suivante ?"
	changeResend      = "Renvoyer le code par mail"
	changeConfirmCode = "Confirmer mon code"
	changeNewTitle    = "Nouveau mot de passe"
	changeCurrent     = "Mot de passe actuel *"
	changeNew         = "Nouveau mot de passe *"
	changeConfirm     = "Confirmer le mot de passe *"
	changeCancel      = "Annuler"
	changeSubmit      = "Confirmer mon nouveau mot de passe"
	changeDone        = "Votre nouveau mot de passe est bien enregistré ! Merci de vous reconnecter."
	changeBack        = "Retourner à la page de connexion"
	accountSettings   = "Paramètres de compte"
	accountPassword   = "Mon mot de passe"
)

// Sentences seed 003 does not give.
const (
	changeSending   = "Envoi du code de confirmation…"
	changeResent    = "Un nouveau code vous a été envoyé par mail. Seul ce dernier code est valable."
	changeCodeBad   = "Saisissez les %d chiffres du code reçu par mail."
	currentMissing  = "Saisissez votre mot de passe actuel."
	changeStepLabel = "Étape %d sur 2 : %s"
)

// codeLabel is « Code à 4 chiffres (obligatoire) ».
func codeLabel(digits int) string {
	return "Code à " + strconv.Itoa(digits) + " chiffres (obligatoire)"
}

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

	state    string
	masked   string
	session  api.Session
	code     string // in memory only
	current  string // in memory only
	password string // in memory only
	confirm  string // in memory only
	server   []policy.RuleResult
	codeErr  string
	curErr   string
	pwErr    string
	cfErr    string
	status   string
	errCode  string
	errText  string
	busy     bool
	carry    *carry
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
	c.carry = takeCarry()
	c.state = changeLoading
}

// OnPreRender runs on the server only.
func (c *Password) OnPreRender(ctx app.Context) { c.setTitle(ctx) }

// OnMount runs in the browser only.
func (c *Password) OnMount(ctx app.Context) { mounted(ctx, c.carry); c.carry = nil }

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
	setTitle(ctx, screenTitle(changeTitle, c.Portal.Name))
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
	c.errCode, c.errText = "", ""
	id := c.Portal.ID
	ctx.Async(func() {
		s, err := apiClient.Session(id)
		if err != nil {
			ctx.Dispatch(func(ctx app.Context) { c.failLoad(ctx, err) })
			return
		}
		sent, err := apiClient.ChangePasswordCode(id)
		ctx.Dispatch(func(ctx app.Context) {
			c.session = s
			if err != nil {
				c.failLoad(ctx, err)
				return
			}
			c.masked, c.status = sent.MaskedEmail, ""
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
	c.state, c.status = changeFailed, ""
	c.errCode, c.errText = code, detail
}

// resend is « Renvoyer le code par mail »: a new code, the previous one
// dies.
func (c *Password) resend(ctx app.Context, e app.Event) {
	if c.busy {
		return
	}
	c.busy = true
	c.errCode, c.errText, c.status, c.codeErr = "", "", "", ""
	id := c.Portal.ID
	ctx.Async(func() {
		sent, err := apiClient.ChangePasswordCode(id)
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
	return layout(
		app.Section().ID("change-password").Class("screen").DataSet("state", c.state).DataSet("portal", c.Portal.ID).Body(
			app.Div().Class("card").Body(
				title(changeTitle),
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
	names := []string{changeCodeTitle, changeNewTitle}
	return app.Ol().ID("steps").Class("steps").Aria("label", "Étapes").Body(
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
				app.Span().Class("visually-hidden").Text(fmt.Sprintf(changeStepLabel, n, names[i])),
			)
		}),
	)
}

func (c *Password) codeStep() app.UI {
	loading := c.state == changeLoading
	return app.Div().ID("step-code").Body(
		app.H2().ID("step-title").TabIndex(-1).Text(changeCodeTitle),
		&widget.Alert{ID: "code-status", Level: widget.AlertInfo, Text: c.status},
		app.Form().ID("code-form").Method("post").NoValidate(true).
			Aria("labelledby", "step-title").
			OnSubmit(c.submitCode).
			Body(
				&widget.Alert{ID: "form-error", Text: c.errText, Code: c.errCode},
				app.P().ID("code-text").Body(
					app.Text(changeCodeText),
					app.If(c.masked != "", app.Br(), app.Strong().ID("masked-email").Text(c.masked)),
				),
				c.codeField(),
				app.P().Class("resend").Body(
					app.Button().ID("resend-code").Type("button").Class("link-button").
						OnClick(c.resend).Text(changeResend),
				),
				app.Div().Class("actions").Body(
					app.A().ID("cancel").Class("btn").Href(PortalPath(c.Portal.ID, "mes-informations")).Text(changeCancel),
					&widget.Button{ID: "confirm-code", Text: changeConfirmCode, Primary: true, Submit: true, Busy: c.busy || loading},
				),
			),
	)
}

// codeField is the code input. Step 2 replaces it: back at step 1, the
// field is a new, empty one.
func (c *Password) codeField() app.UI {
	return &widget.Field{
		ID: "code", Label: codeLabel(c.digits()), Autocomplete: "one-time-code", InputMode: "numeric",
		Error: c.codeErr, Required: true,
		OnInput: func(_ app.Context, v string) { c.code, c.codeErr = v, "" },
	}
}

// cleanCode is the code without the spaces a user may type.
func cleanCode(v string) string { return strings.Join(strings.Fields(v), "") }

func (c *Password) submitCode(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.state != changeCode {
		return
	}
	c.errCode, c.errText, c.status = "", "", ""
	code := cleanCode(c.code)
	if len(code) != c.digits() || strings.Trim(code, "0123456789") != "" {
		c.codeErr = fmt.Sprintf(changeCodeBad, c.digits())
		focus(ctx, "code")
		return
	}
	c.code, c.codeErr = code, ""
	c.state = changeNewPw
	focus(ctx, "step-title")
}

// Checklist is the checklist of step 2: the server's after a refusal,
// until something changes, else the local check, « différent de votre mot
// de passe actuel » included once the current password is typed.
func (c *Password) Checklist() policy.Result {
	res := c.Portal.Policy.Check(c.input(), lang)
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
	res := c.Checklist()
	return app.Div().ID("step-password").Body(
		app.H2().ID("step-title").TabIndex(-1).Text(changeNewTitle),
		notice("password-advice", passwordAdvice),
		app.Form().ID("password-form").Method("post").NoValidate(true).
			Aria("labelledby", "step-title").
			OnSubmit(c.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: c.errText, Code: c.errCode},
				app.P().ID("rules-intro").Class("rules-intro").Text(rulesIntro),
				&widget.Checklist{ID: "checklist", Rules: res.Rules, Lang: lang},
				app.P().ID("required-note").Class("required-note").Text(requiredNote),
				&widget.PasswordField{
					ID: "current", Label: changeCurrent, Autocomplete: "current-password",
					Error: c.curErr, Required: true,
					OnInput: func(_ app.Context, v string) { c.current, c.curErr, c.server = v, "", nil },
				},
				&widget.PasswordField{
					ID: "password", Label: changeNew, Autocomplete: "new-password",
					Error: c.pwErr, DescribedBy: "checklist strength", Required: true,
					OnInput: func(_ app.Context, v string) { c.password, c.pwErr, c.server = v, "", nil },
				},
				&widget.Strength{ID: "strength", Value: res.Strength},
				&widget.PasswordField{
					ID: "confirm", Label: changeConfirm, Autocomplete: "new-password",
					Error: c.cfErr, Required: true,
					OnInput: func(_ app.Context, v string) { c.confirm, c.cfErr, c.server = v, "", nil },
				},
				app.Div().Class("actions").Body(
					app.A().ID("cancel").Class("btn").Href(PortalPath(c.Portal.ID, "mes-informations")).Text(changeCancel),
					&widget.Button{ID: "submit", Text: changeSubmit, Primary: true, Submit: true, Busy: c.busy},
				),
			),
	)
}

func (c *Password) doneScreen() app.UI {
	return app.Div().ID("step-done").Body(
		app.Div().ID("done-text").Class("alert alert-success").Role("status").Body(
			app.P().Text(changeDone),
		),
		app.Div().Class("actions").Body(
			app.A().ID("signin-link").Class("btn btn-primary").Href(PortalPath(c.Portal.ID, "connexion")).Text(changeBack),
		),
	)
}

func (c *Password) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if c.busy || c.state != changeNewPw {
		return
	}
	c.errCode, c.errText, c.curErr, c.pwErr, c.cfErr = "", "", "", "", ""
	res := c.Portal.Policy.Check(c.input(), lang)
	switch {
	case c.current == "":
		c.curErr = currentMissing
		focus(ctx, "current")
		return
	case c.password == "":
		c.pwErr = passwordMissing
		focus(ctx, "password")
		return
	case !res.OK && !onlyConfirmFails(res.Rules):
		c.errCode, c.errText = api.CodePasswordPolicy, message.Problem(api.CodePasswordPolicy, lang)
		focus(ctx, "password")
		return
	case c.confirm == "":
		c.cfErr = confirmMissing
		focus(ctx, "confirm")
		return
	case c.confirm != c.password:
		c.cfErr = confirmMismatch
		focus(ctx, "confirm")
		return
	}
	c.busy = true
	id := c.Portal.ID
	req := api.ChangePassword{Code: c.code, Current: c.current, Password: c.password, Confirm: c.confirm}
	ctx.Async(func() {
		_, err := apiClient.ChangePassword(id, req)
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
func attemptsText(left int) string {
	switch {
	case left <= 0:
		return ""
	case left == 1:
		return " Il vous reste 1 essai."
	}
	return " Il vous reste " + strconv.Itoa(left) + " essais."
}

// backToCode returns to step 1 with a message about the code.
func (c *Password) backToCode(ctx app.Context, msg string) {
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
		c.backToCode(ctx, detail+attemptsText(left))
	case code == api.CodeCodeDead:
		c.backToCode(ctx, detail)
	case code == api.CodeInvalidFields && p != nil && len(p.Fields) > 0 && p.Fields[0] == "code":
		c.backToCode(ctx, fmt.Sprintf(changeCodeBad, c.digits()))
	case code == api.CodeCurrentPassword:
		if left == 0 {
			// That try was the code's last one.
			c.backToCode(ctx, detail+" "+message.Problem(api.CodeCodeDead, lang))
			return
		}
		c.curErr = detail + attemptsText(left)
		focus(ctx, "current")
	case p != nil && len(p.Rules) > 0:
		c.server = p.Rules
		c.errCode, c.errText = code, detail
		focus(ctx, "password")
	default:
		c.errCode, c.errText = code, detail
	}
}

// notice is the seed's « ! » advice box.
func notice(id, text string) app.UI {
	return app.Div().ID(id).Class("notice").Body(
		app.Span().Class("notice-mark").Aria("hidden", "true").Text("!"),
		app.P().Text(text),
	)
}
