package page

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Reset is /{portal}/mot-de-passe/reinitialisation#<token>, what a mail's
// link opens: the new password with the live checklist, then the success
// screen.
//
// The token arrives in the URL fragment, which no request line, log or
// Referer carries. The screen reads it once in the browser, removes it from
// the address bar at once (history.replaceState: the history entry no
// longer holds it) and keeps it in memory only, never in storage or in
// go-app's state. It travels in request bodies only (CheckLink,
// SetPassword). Reloading the page therefore loses it: the screen then says
// the link is not valid and offers to start again.
type Reset struct {
	app.Compo

	Portal portal.Config

	newPassword
	lang  string
	state string
	token string // in memory only
	// policy is the portal's policy as the server serves it, once known;
	// until then (and offline) the compiled preset's.
	policy  *policy.Policy
	errCode string
	errText text
	busy    bool
	carry   *carry
	// unlisten stops listening to hashchange.
	unlisten func()
}

// Reset's states, in data-state.
const (
	resetChecking = "checking" // the link is being checked (and prerendered)
	resetRetry    = "retry"    // the check got no answer (offline, 429)
	resetForm     = "form"     // the link works: new password
	resetGone     = "gone"     // the link cannot be used (410)
	resetDone     = "done"     // the password changed
)

// OnInit runs on both sides, before the first render.
func (r *Reset) OnInit() {
	r.lang = startLang(r.lang)
	r.carry = takeCarry()
	r.state = resetChecking
}

// OnPreRender runs on the server only.
func (r *Reset) OnPreRender(ctx app.Context) { r.setTitle(ctx) }

// OnMount runs in the browser only. Besides go-app's navigation, it listens
// to hashchange: a link opened again in the same tab, once its fragment has
// been removed, is a same-document navigation that go-app ignores.
func (r *Reset) OnMount(ctx app.Context) {
	mounted(ctx, &r.lang, r.setTitle, &r.carry)
	r.unlisten = app.Window().AddEventListener("hashchange", func(app.Context, app.Event) {
		ctx.Dispatch(r.OnNav)
	})
}

// OnDismount runs in the browser only.
func (r *Reset) OnDismount() {
	if r.unlisten != nil {
		r.unlisten()
		r.unlisten = nil
	}
}

// OnNav runs in the browser only: at the first load and whenever the page is
// opened again with another fragment.
func (r *Reset) OnNav(ctx app.Context) {
	if tok := takeFragment(); tok != "" {
		r.token, r.server = tok, nil
		r.state = resetChecking
		r.check(ctx)
		r.loadPolicy(ctx)
	} else if r.token == "" {
		r.gone(api.CodeLinkInvalid, problemText(api.CodeLinkInvalid))
	}
	r.setTitle(ctx)
}

// looksLikeToken reports whether a location.hash ("#…") can hold a link
// token: 16 to 512 base64url characters.
func looksLikeToken(hash string) bool {
	if len(hash) < 17 || len(hash) > 513 || hash[0] != '#' {
		return false
	}
	for _, c := range hash[1:] {
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// takeFragment returns the URL's fragment and removes it from the address
// bar and the current history entry.
func takeFragment() string {
	if !app.IsClient {
		return ""
	}
	loc := app.Window().Get("location")
	hash := loc.Get("hash").String()
	if !looksLikeToken(hash) {
		return "" // an in-page anchor, or nothing
	}
	app.Window().Get("history").Call("replaceState", nil, "",
		loc.Get("pathname").String()+loc.Get("search").String())
	return hash[1:]
}

func (r *Reset) setTitle(ctx app.Context) {
	w := wordingFor(r.Portal)
	t := w.ResetTitle
	if r.state == resetDone || r.state == resetGone {
		t = w.DoneTitle
	}
	setTitle(ctx, screenTitle(t, r.Portal.Name, r.lang))
}

func (r *Reset) gone(code string, detail text) {
	r.state = resetGone
	r.token, r.password, r.confirm = "", "", ""
	r.errCode, r.errText = code, detail
}

// check asks the server whether the link can still be used; checking never
// consumes it.
func (r *Reset) check(ctx app.Context) {
	r.errCode, r.errText = "", text{}
	id, tok, cl := r.Portal.ID, r.token, apiIn(r.lang)
	ctx.Async(func() {
		_, err := cl.CheckLink(id, tok)
		ctx.Dispatch(func(ctx app.Context) {
			if r.token != tok {
				return // another link was opened meanwhile
			}
			if err == nil {
				r.state = resetForm
				return
			}
			code, detail, p := failureOf(err)
			if p != nil && p.Status == 410 {
				r.gone(code, detail)
				r.setTitle(ctx)
				focus(ctx, titleID)
				return
			}
			r.state = resetRetry
			r.errCode, r.errText = code, detail
		})
	})
}

// loadPolicy fetches the portal's live policy, in case the server's
// configuration differs from the preset compiled into the app.
func (r *Reset) loadPolicy(ctx app.Context) {
	if r.policy != nil {
		return
	}
	id, cl := r.Portal.ID, apiIn(r.lang)
	ctx.Async(func() {
		p, err := cl.Portal(id)
		if err != nil || p.ID != id || len(p.Policy.Rules) == 0 {
			return // keep the preset
		}
		ctx.Dispatch(func(app.Context) { r.policy = &p.Policy })
	})
}

// currentPolicy is the policy the checklist runs.
func (r *Reset) currentPolicy() policy.Policy {
	if r.policy != nil {
		return *r.policy
	}
	return r.Portal.Policy
}

// Checklist returns the rules shown under the password: the server's after
// a refusal, until the password changes, else the local check (without
// "differs").
func (r *Reset) Checklist() []policy.RuleResult {
	if r.server != nil {
		return r.server
	}
	return withoutDiffers(r.currentPolicy().Check(r.input(), r.lang).Rules)
}

func (r *Reset) input() policy.Input {
	return policy.Input{
		Password: r.password,
		Confirm:  r.confirm,
		Context:  r.Portal.PolicyContext(policy.Context{}),
	}
}

// Render runs on both sides.
func (r *Reset) Render() app.UI {
	var body app.UI
	switch r.state {
	case resetDone:
		body = r.doneScreen()
	case resetGone:
		body = r.goneScreen()
	default:
		body = r.form()
	}
	return layout(r.lang,
		app.Section().ID("reset").Class("screen").DataSet("state", r.state).DataSet("portal", r.Portal.ID).Body(body),
	)
}

func (r *Reset) form() app.UI {
	w, l := wordingFor(r.Portal), r.lang
	var status text
	if r.state == resetChecking {
		status = checkingLinkText
	}
	checklist := &widget.Checklist{ID: "checklist", Rules: r.Checklist(), Lang: l}
	return app.Div().Class("card").Body(
		title(w.ResetTitle.In(l)),
		app.If(said(w.ResetAdvice), notice("reset-advice", w.ResetAdvice.In(l))),
		&widget.Alert{ID: "link-status", Level: widget.AlertInfo, Text: status.In(l)},
		app.Form().ID("reset-form").Method("post").NoValidate(true).
			Aria("labelledby", titleID).
			OnSubmit(r.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: r.errText.In(l), Code: r.errCode},
				app.If(r.state == resetRetry,
					app.P().Body(
						app.Button().ID("retry").Type("button").Class("btn").OnClick(r.retry).Text(retryText.In(l)),
					),
				),
				app.If(said(w.RulesIntro),
					app.P().ID("rules-intro").Class("rules-intro").Text(w.RulesIntro.In(l)),
					checklist,
				),
				app.If(said(w.RequiredNote), app.P().ID("required-note").Class("required-note").Text(w.RequiredNote.In(l))),
				&widget.PasswordField{
					ID: "password", Label: w.PasswordLabel.In(l), Autocomplete: "new-password",
					Error: r.pwErr.In(l), DescribedBy: "checklist", Required: true, Lang: l,
					OnInput: r.typePassword,
				},
				app.If(!said(w.RulesIntro), checklist),
				&widget.PasswordField{
					ID: "confirm", Label: w.ConfirmLabel.In(l), Autocomplete: "new-password",
					Error: r.cfErr.In(l), Required: true, Lang: l,
					OnInput: r.typeConfirm,
				},
				app.Div().Class("actions").Body(
					app.A().ID("back").Class("btn").Href(PortalPath(r.Portal.ID, "connexion")).Text(w.Back.In(l)),
					&widget.Button{ID: "submit", Text: w.ResetButton.In(l), Primary: true, Submit: true,
						Busy: r.busy || r.state != resetForm},
				),
			),
	)
}

func (r *Reset) goneScreen() app.UI {
	w, l := wordingFor(r.Portal), r.lang
	return app.Div().Class("card").Body(
		title(w.DoneTitle.In(l)),
		&widget.Alert{ID: "link-problem", Text: r.errText.In(l), Code: r.errCode},
		app.Div().Class("actions").Body(
			app.A().ID("restart").Class("btn btn-primary").Href(PortalPath(r.Portal.ID, "mot-de-passe-oublie")).Text(w.Restart.In(l)),
		),
	)
}

func (r *Reset) doneScreen() app.UI {
	w, l := wordingFor(r.Portal), r.lang
	return app.Div().Class("card").Body(
		title(w.DoneTitle.In(l)),
		app.P().ID("done-text").Role("status").Text(w.DoneText.In(l)),
		app.Div().Class("actions").Body(
			app.If(!w.DoneSignInOnly, app.A().ID("back").Class("btn").Href("/").Text(w.Back.In(l))),
			app.A().ID("signin-link").Class("btn btn-primary").Href(PortalPath(r.Portal.ID, "connexion")).Text(w.SignInLink.In(l)),
		),
	)
}

func (r *Reset) retry(ctx app.Context, e app.Event) {
	if r.token == "" {
		return
	}
	r.state = resetChecking
	r.check(ctx)
}

func (r *Reset) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if r.busy || r.state != resetForm {
		return
	}
	r.errCode, r.errText = "", text{}
	ok := r.currentPolicy().Check(r.input(), r.lang).OK
	if field, code := r.checkPassword(ctx, ok, r.Checklist()); field != "" {
		if code != "" {
			r.errCode, r.errText = code, problemText(code)
		}
		return
	}
	r.busy = true
	id, tok, pw, cf, cl := r.Portal.ID, r.token, r.password, r.confirm, apiIn(r.lang)
	ctx.Async(func() {
		_, err := cl.SetPassword(id, tok, pw, cf)
		ctx.Dispatch(func(ctx app.Context) {
			r.busy = false
			if err == nil {
				r.state = resetDone
				r.token, r.password, r.confirm, r.server = "", "", "", nil
				r.setTitle(ctx)
				focus(ctx, titleID)
				return
			}
			code, detail, p := failureOf(err)
			r.errCode, r.errText = code, detail
			if p != nil && p.Status == 410 {
				r.gone(code, detail)
				r.setTitle(ctx)
				focus(ctx, titleID)
				return
			}
			r.refused(ctx, p)
		})
	})
}
