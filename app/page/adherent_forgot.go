package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// AdherentForgot is /adherent/mot-de-passe-oublie, seed 004's « Mot de
// passe oublié », which is also « première connexion » (an account
// imported without a password goes the same way). The whole journey stays
// on this one page, as the seed insists: the member number opens a flow
// bound to this browser (an HttpOnly cookie), the page shows the masked
// address and « Recevoir mon code par Mail », the code is typed here, and
// the new password is chosen here.
//
// The token SubmitCode returns lives in the component's memory only: never
// in a URL, in storage or in the DOM. Leaving or reloading the page loses
// it, and with it the flow: the user starts again.
type AdherentForgot struct {
	app.Compo

	Portal portal.Config

	lang   string
	state  string
	number string // as typed
	member string // the number the flow was opened with, digits only
	flowID string
	masked string
	sent   int  // codes sent in this flow
	dead   bool // the code can no longer be used: ask another, or start again

	code  string // in memory only
	token string // in memory only
	newPassword

	numErr  text
	codeErr text
	status  text // role="status" news of the code step
	errCode string
	errText text
	busy    bool
	carry   *carry
	passkey *passkeySignIn
}

// AdherentForgot's states, in data-state.
const (
	adherentNumber   = "number"   // the member number
	adherentChannelS = "channel"  // the masked address, « Recevoir mon code par Mail »
	adherentCode     = "code"     // the activation code
	adherentPassword = "password" // the new password
	adherentDone     = "done"     // « Félicitations ! »
	adherentGone     = "gone"     // the flow cannot go on: start again
)

// OnInit runs on both sides, before the first render.
func (f *AdherentForgot) OnInit() {
	f.lang = startLang(f.lang)
	f.carry = takeCarry()
	f.passkey = &passkeySignIn{Portal: f.Portal.ID, Lead: passkeyForgotLead, lang: f.lang}
	f.state = adherentNumber
}

// OnPreRender runs on the server only.
func (f *AdherentForgot) OnPreRender(ctx app.Context) { f.setTitle(ctx) }

// OnMount runs in the browser only.
func (f *AdherentForgot) OnMount(ctx app.Context) { mounted(ctx, &f.lang, f.setTitle, &f.carry) }

// OnNav runs in the browser only.
func (f *AdherentForgot) OnNav(ctx app.Context) { f.setTitle(ctx) }

// OnDismount forgets every secret.
func (f *AdherentForgot) OnDismount() { f.forget() }

func (f *AdherentForgot) forget() {
	f.code, f.token, f.password, f.confirm = "", "", "", ""
}

// heading is the <h1> of the current state.
func (f *AdherentForgot) heading() text {
	switch f.state {
	case adherentPassword:
		return adherentNewTitle
	case adherentDone:
		return adherentDoneTitle
	}
	return adherentForgotTitle
}

func (f *AdherentForgot) setTitle(ctx app.Context) {
	setTitle(ctx, screenTitle(f.heading(), f.Portal.Name, f.lang))
}

// enter moves to a state and takes the focus to its heading (id), so a
// screen reader reads on from there.
func (f *AdherentForgot) enter(ctx app.Context, state, id string) {
	f.state = state
	if app.IsClient {
		f.setTitle(ctx)
		focus(ctx, id)
	}
}

func (f *AdherentForgot) digits() int {
	if f.Portal.CodeDigits > 0 {
		return f.Portal.CodeDigits
	}
	return 6
}

// Render runs on both sides.
func (f *AdherentForgot) Render() app.UI {
	var body []app.UI
	switch f.state {
	case adherentPassword:
		body = f.passwordStep()
	case adherentDone:
		body = f.doneStep()
	case adherentGone:
		body = f.goneStep()
	default:
		body = f.requestSteps()
	}
	return layout(f.lang,
		app.Section().ID("forgot").Class("screen adherent").
			DataSet("state", f.state).DataSet("portal", f.Portal.ID).
			Body(app.Div().Class("card").Body(body...)),
	)
}

// requestSteps are the seed's steps 2 to 4, one under the other: the
// number, then the address and its button, then the code.
func (f *AdherentForgot) requestSteps() []app.UI {
	l := f.lang
	ui := []app.UI{
		title(adherentForgotTitle.In(l)),
		// The passkey comes first, while the member has not started; its
		// slot stays, so the elements after it are updated, not rebuilt.
		app.Div().Class("passkey-slot").Body(app.If(f.state == adherentNumber, f.passkey)),
		app.P().ID("forgot-lead").Class("lead adherent-lead").Text(adherentForgotLead.In(l)),
		app.P().ID("forgot-intro").Text(adherentForgotIntro.In(l)),
	}
	if f.state == adherentNumber {
		return append(ui, f.numberForm())
	}
	ui = append(ui, f.numberSummary(), f.channelStep())
	if f.state == adherentCode {
		ui = append(ui, f.codeStep())
	}
	return ui
}

func (f *AdherentForgot) numberForm() app.UI {
	l := f.lang
	return app.Form().ID("number-form").Class("adherent-step").Method("post").NoValidate(true).
		Aria("labelledby", "number-title").
		OnSubmit(f.submitNumber).
		Body(
			app.H2().ID("number-title").TabIndex(-1).Text(adherentNumberTitle.In(l)),
			&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
			memberField(l, adherentNumberLabel, f.numErr, f.number, func(_ app.Context, v string) {
				f.number, f.numErr = v, text{}
			}),
			app.Div().Class("actions").Body(
				app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(adherentBackToSignIn.In(l)),
				&widget.Button{ID: "submit", Text: adherentValidate.In(l), Primary: true, Submit: true, Busy: f.busy},
			),
		)
}

// numberSummary replaces the number form once the flow is open.
func (f *AdherentForgot) numberSummary() app.UI {
	return app.Div().ID("number-summary").Class("adherent-summary").Body(
		app.P().Body(
			app.Text(adherentNumberLabel.In(f.lang)+labelSep.In(f.lang)),
			app.Strong().ID("member-number-value").Text(f.member),
		),
		app.Button().ID("change-number").Type("button").Class("link-button").
			OnClick(f.restart).Text(adherentChangeNumber.In(f.lang)),
	)
}

// channelStep is the masked address and, until a code is sent, « Recevoir
// mon code par Mail » with its notes (the postal letter among them).
func (f *AdherentForgot) channelStep() app.UI {
	sending, l := f.state == adherentChannelS, f.lang
	return app.Div().ID("channel").Class("adherent-step").Body(
		app.H2().ID("channel-title").TabIndex(-1).Text(adherentChannel.In(l)),
		app.P().ID("masked-email").Class("masked-email").Body(
			app.Text(adherentEmail.In(l)),
			app.Strong().Text(f.masked),
		),
		app.If(sending,
			&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
			app.Form().ID("send-form").Method("post").OnSubmit(f.sendCode).Body(
				app.Div().Class("actions").Body(
					&widget.Button{ID: "send-code", Text: adherentSendCode.In(l), Primary: true, Submit: true, Busy: f.busy},
				),
			),
			app.P().ID("keep-open").Class("note").Text(adherentKeepOpen.In(l)),
			app.P().ID("spam-note").Class("note").Text(adherentSpam.In(l)),
			app.If(f.Portal.PostalFallback, app.P().ID("postal-note").Class("note").Text(adherentPostal.In(l))),
		),
	)
}

// codeStep is « Merci de saisir votre code d'activation ».
func (f *AdherentForgot) codeStep() app.UI {
	l := f.lang
	return app.Form().ID("code-form").Class("adherent-step").Method("post").NoValidate(true).
		Aria("labelledby", "code-title").
		OnSubmit(f.submitCode).
		Body(
			app.H2().ID("code-title").TabIndex(-1).Text(adherentCodeTitle.In(l)),
			&widget.Alert{ID: "code-status", Level: widget.AlertInfo, Text: f.status.In(l)},
			&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
			&widget.Field{
				ID: "code", Label: adherentCodeLabel.In(l), Hint: textf(adherentCodeHint, f.digits()).In(l),
				Autocomplete: "one-time-code", InputMode: "numeric",
				Error: f.codeErr.In(l), Required: true,
				OnInput: func(_ app.Context, v string) { f.code, f.codeErr = v, text{} },
			},
			app.If(!f.dead,
				app.Div().Class("actions").Body(
					&widget.Button{ID: "submit-code", Text: adherentValidate.In(l), Primary: true, Submit: true, Busy: f.busy},
				),
			).Else(
				// The code is dead: a new one, or a new request.
				app.Div().Class("actions").Body(
					app.Button().ID("restart").Type("button").Class("btn").OnClick(f.restart).Text(adherentRestart.In(l)),
					f.resendButton("btn btn-primary"),
				),
			),
			app.P().ID("same-page-note").Class("note").Text(adherentSamePage.In(l)),
			app.P().ID("spam-note").Class("note").Text(adherentSpam.In(l)),
			app.If(!f.dead,
				app.P().Class("resend").Body(
					app.Text(adherentResendPre.In(l)),
					f.resendButton("link-button"),
				),
			),
		)
}

// resendButton is « Recevoir un nouveau code par Mail ».
func (f *AdherentForgot) resendButton(class string) app.UI {
	b := app.Button().ID("resend-code").Type("button").Class(class).OnClick(f.resend).Text(adherentResend.In(f.lang))
	if f.busy {
		b = b.Aria("disabled", "true").Aria("busy", "true")
	}
	return b
}

// Checklist is the live checklist of the new password: the server's after
// a refusal, until the password changes, else the local check. « Être
// différent de votre mot de passe actuel » needs the current password,
// which this journey does not ask (a first connection has none): the
// server checks it, and its refusal shows it.
func (f *AdherentForgot) Checklist() []policy.RuleResult {
	if f.server != nil {
		return f.server
	}
	return withoutDiffers(f.Portal.Policy.Check(f.input(), f.lang).Rules)
}

func (f *AdherentForgot) input() policy.Input {
	return policy.Input{
		Password: f.password,
		Confirm:  f.confirm,
		Context:  f.Portal.PolicyContext(policy.Context{Identifier: f.member, MemberNumber: f.member}),
	}
}

// passwordStep is the seed's step 5.
func (f *AdherentForgot) passwordStep() []app.UI {
	l := f.lang
	return []app.UI{
		title(adherentNewTitle.In(l)),
		app.P().ID("password-intro").Text(adherentNewIntro.In(l)),
		app.P().ID("password-advice").Class("note").Text(adherentNewAdvice.In(l)),
		app.If(f.Portal.PasswordReminderMonths > 0,
			app.P().ID("password-reminder").Class("note").Text(adherentReminder(f.Portal.PasswordReminderMonths).In(l)),
		),
		app.Form().ID("password-form").Method("post").NoValidate(true).
			Aria("labelledby", titleID).
			OnSubmit(f.submitPassword).
			Body(
				&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
				// For password managers: whose password this is.
				app.Input().ID("password-username").Type("text").Hidden(true).
					Attr("autocomplete", "username").ReadOnly(true).Value(f.member),
				&widget.PasswordField{
					ID: "password", Label: adherentNewLabel.In(l), Autocomplete: "new-password",
					Error: f.pwErr.In(l), DescribedBy: "checklist password-advice", Required: true, Lang: l,
					OnInput: f.typePassword,
				},
				&widget.Checklist{ID: "checklist", Rules: f.Checklist(), Lang: l},
				&widget.PasswordField{
					ID: "confirm", Label: adherentConfirmLabel.In(l), Autocomplete: "new-password",
					Error: f.cfErr.In(l), Required: true, Lang: l,
					OnInput: f.typeConfirm,
				},
				app.Div().Class("actions").Body(
					&widget.Button{ID: "submit-password", Text: adherentNewSubmit.In(l), Primary: true, Submit: true, Busy: f.busy},
				),
			),
	}
}

// doneStep is the seed's last screen.
func (f *AdherentForgot) doneStep() []app.UI {
	return []app.UI{
		title(adherentDoneTitle.In(f.lang)),
		app.Div().ID("done-text").Class("alert alert-success").Role("status").Body(
			app.P().Text(adherentDoneText.In(f.lang)),
		),
		app.P().ID("done-bye").Class("adherent-bye").Text(adherentDoneBye.In(f.lang)),
		app.Div().Class("actions").Body(
			app.A().ID("signin-link").Class("btn btn-primary").Href(PortalPath(f.Portal.ID, "connexion")).Text(adherentSignInLink.In(f.lang)),
		),
	}
}

// goneStep says the flow cannot go on (expired, unknown, or opened by
// another page) and offers to start again here.
func (f *AdherentForgot) goneStep() []app.UI {
	return []app.UI{
		title(adherentForgotTitle.In(f.lang)),
		&widget.Alert{ID: "flow-problem", Text: f.errText.In(f.lang), Code: f.errCode},
		app.If(f.errCode == api.CodeFlowForeign, app.P().ID("foreign-help").Text(adherentForeignHelp.In(f.lang))),
		app.Div().Class("actions").Body(
			app.Button().ID("restart").Type("button").Class("btn btn-primary").OnClick(f.restart).Text(adherentRestart.In(f.lang)),
		),
	}
}

// restart goes back to the member number (kept as typed) and forgets the
// flow.
func (f *AdherentForgot) restart(ctx app.Context, e app.Event) {
	if f.busy {
		return
	}
	f.reset()
	f.enter(ctx, adherentNumber, "member-number")
}

func (f *AdherentForgot) reset() {
	f.forget()
	f.flowID, f.masked, f.member, f.sent, f.dead = "", "", "", 0, false
	f.server = nil
	f.numErr, f.codeErr, f.pwErr, f.cfErr = text{}, text{}, text{}, text{}
	f.status, f.errCode, f.errText = text{}, "", text{}
}

// gone ends the flow with the server's reason.
func (f *AdherentForgot) gone(ctx app.Context, code string, detail text) {
	f.forget()
	f.flowID, f.dead = "", false
	f.errCode, f.errText = code, detail
	f.enter(ctx, adherentGone, titleID)
}

func (f *AdherentForgot) submitNumber(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy || f.state != adherentNumber {
		return
	}
	f.errCode, f.errText = "", text{}
	number, problem := checkMemberNumber(f.number)
	if f.numErr = problem; said(problem) {
		focus(ctx, "member-number")
		return
	}
	f.busy = true
	id, cl := f.Portal.ID, apiIn(f.lang)
	ctx.Async(func() {
		res, err := cl.StartRecovery(id, api.RecoveryRequest{MemberNumber: number})
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if err != nil {
				code, detail, p := failureOf(err)
				if p != nil && p.Code == api.CodeInvalidFields {
					f.numErr = adherentNumberInvalid
					focus(ctx, "member-number")
					return
				}
				f.errCode, f.errText = code, detail
				return
			}
			f.accepted(ctx, number, res)
		})
	})
}

// accepted opens the flow: the masked address and its button.
func (f *AdherentForgot) accepted(ctx app.Context, number string, res api.RecoveryAccepted) {
	f.reset()
	f.member, f.flowID, f.masked = number, res.FlowID, res.MaskedEmail
	f.enter(ctx, adherentChannelS, "channel-title")
}

// sendCode is « Recevoir mon code par Mail ».
func (f *AdherentForgot) sendCode(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy || f.state != adherentChannelS {
		return
	}
	f.send(ctx)
}

// resend asks a new code; the previous one dies.
func (f *AdherentForgot) resend(ctx app.Context, e app.Event) {
	if f.busy || f.state != adherentCode {
		return
	}
	f.send(ctx)
}

func (f *AdherentForgot) send(ctx app.Context) {
	f.errCode, f.errText, f.status = "", text{}, text{}
	f.busy = true
	id, flow, cl := f.Portal.ID, f.flowID, apiIn(f.lang)
	ctx.Async(func() {
		_, err := cl.SendCode(id, flow)
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if flow != f.flowID {
				return // the user started again meanwhile
			}
			if err != nil {
				f.failFlow(ctx, err)
				return
			}
			f.codeSent(ctx)
		})
	})
}

// codeSent shows the code step (or says a new code left).
func (f *AdherentForgot) codeSent(ctx app.Context) {
	f.sent++
	f.dead, f.codeErr = false, text{}
	if f.sent == 1 {
		f.status = textf(adherentCodeSent, int(f.Portal.CodeTTL.D().Minutes()))
		f.enter(ctx, adherentCode, "code-title")
		return
	}
	f.code = ""
	clearInput("code")
	f.status = adherentCodeResent
	focus(ctx, "code")
}

func (f *AdherentForgot) submitCode(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy || f.state != adherentCode {
		return
	}
	f.errCode, f.errText = "", text{}
	code := cleanCode(f.code)
	if len(code) != f.digits() || strings.Trim(code, "0123456789") != "" {
		f.codeErr = textf(changeCodeBad, f.digits())
		focus(ctx, "code")
		return
	}
	f.busy = true
	id, flow, cl := f.Portal.ID, f.flowID, apiIn(f.lang)
	ctx.Async(func() {
		res, err := cl.SubmitCode(id, flow, code)
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if flow != f.flowID {
				return
			}
			if err != nil {
				f.failCode(ctx, err)
				return
			}
			f.codeAccepted(ctx, res)
		})
	})
}

// codeAccepted keeps the token in memory and asks the new password.
func (f *AdherentForgot) codeAccepted(ctx app.Context, res api.CodeAccepted) {
	f.token, f.code = res.Token, ""
	f.status, f.codeErr, f.errCode, f.errText = text{}, text{}, "", text{}
	f.enter(ctx, adherentPassword, titleID)
}

// failCode shows why a code was refused: a wrong one says how many tries
// are left; a dead one asks for another.
func (f *AdherentForgot) failCode(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	switch {
	case code == api.CodeCodeInvalid:
		left := -1
		if p.AttemptsLeft != nil {
			left = *p.AttemptsLeft
		}
		f.code = ""
		clearInput("code")
		f.codeErr = join(detail, attemptsText(left))
		focus(ctx, "code")
	case code == api.CodeCodeDead:
		f.code, f.dead, f.codeErr = "", true, text{}
		clearInput("code")
		f.status = text{}
		f.errCode, f.errText = code, detail
		focus(ctx, "resend-code")
	case code == api.CodeInvalidFields:
		f.codeErr = textf(changeCodeBad, f.digits())
		focus(ctx, "code")
	default:
		f.failFlow(ctx, err)
	}
}

// failFlow handles what any call of the flow may answer: a flow that no
// longer exists (410) or that another page opened (403) ends it; anything
// else (429, offline) is said where the user is.
func (f *AdherentForgot) failFlow(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	if p != nil && (p.Status == 410 || p.Status == 403) {
		f.gone(ctx, code, detail)
		return
	}
	f.errCode, f.errText = code, detail
}

func (f *AdherentForgot) submitPassword(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy || f.state != adherentPassword {
		return
	}
	f.errCode, f.errText = "", text{}
	ok := f.Portal.Policy.Check(f.input(), f.lang).OK
	if field, code := f.checkPassword(ctx, ok, f.Checklist()); field != "" {
		if code != "" {
			f.errCode, f.errText = code, problemText(code)
		}
		return
	}
	f.busy = true
	id, tok, pw, cf, cl := f.Portal.ID, f.token, f.password, f.confirm, apiIn(f.lang)
	ctx.Async(func() {
		_, err := cl.SetPassword(id, tok, pw, cf)
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if err != nil {
				f.failPassword(ctx, err)
				return
			}
			f.forget()
			f.server = nil
			f.enter(ctx, adherentDone, titleID)
		})
	})
}

func (f *AdherentForgot) failPassword(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	if p != nil && p.Status == 410 {
		f.gone(ctx, code, detail)
		return
	}
	f.errCode, f.errText = code, detail
	f.refused(ctx, p)
}
