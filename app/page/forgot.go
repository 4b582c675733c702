package page

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/widget"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// Forgot is /{portal}/mot-de-passe-oublie: the proof of identity the portal
// asks, then "Consultez vos emails". The answer never says whether an
// account matched; "envoyer à nouveau" posts the same proof again.
//
// Fields other than the e-mail (NIR, birth date, member number) render from
// the portal's Proof list; the captcha is not built yet.
type Forgot struct {
	app.Compo

	Portal portal.Config

	values  map[string]string // API field name → what was typed
	errs    map[string]string // API field name → its error
	sent    bool
	masked  string // the masked address, on portals that show it
	errCode string
	errText string
	resent  string
	busy    bool
	carry   *carry
}

// Forgot's states, in data-state.
const (
	forgotForm = "form"
	forgotSent = "sent"
)

// OnInit runs on both sides, before the first render.
func (f *Forgot) OnInit() {
	f.carry = takeCarry()
	f.values = map[string]string{}
	f.errs = map[string]string{}
}

// OnPreRender runs on the server only.
func (f *Forgot) OnPreRender(ctx app.Context) { f.setTitle(ctx) }

// OnMount runs in the browser only.
func (f *Forgot) OnMount(ctx app.Context) { mounted(ctx, f.carry); f.carry = nil }

// OnNav runs in the browser only.
func (f *Forgot) OnNav(ctx app.Context) { f.setTitle(ctx) }

func (f *Forgot) setTitle(ctx app.Context) {
	w := wordingFor(f.Portal)
	t := w.ForgotTitle
	if f.sent {
		t = w.SentTitle
	}
	setTitle(ctx, screenTitle(t, f.Portal.Name))
}

// Render runs on both sides.
func (f *Forgot) Render() app.UI {
	state := forgotForm
	if f.sent {
		state = forgotSent
	}
	return layout(
		app.Section().ID("forgot").Class("screen").DataSet("state", state).DataSet("portal", f.Portal.ID).Body(
			app.If(!f.sent, f.form()).Else(f.sentScreen()),
		),
	)
}

func (f *Forgot) form() app.UI {
	w := wordingFor(f.Portal)
	fields := make([]app.UI, 0, len(f.Portal.Proof))
	for _, name := range f.Portal.Proof {
		spec, ok := specs[name]
		if !ok {
			continue
		}
		fields = append(fields, spec.field(f.errs[name], func(_ app.Context, v string) {
			f.values[name] = v
			delete(f.errs, name)
		}))
	}
	return app.Div().Class("card").Body(
		title(w.ForgotTitle),
		app.P().Class("lead").Text(w.ForgotIntro),
		app.Form().ID("forgot-form").Method("post").NoValidate(true).
			Aria("labelledby", titleID).
			OnSubmit(f.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: f.errText, Code: f.errCode},
				app.Div().Body(fields...),
				app.Div().Class("actions").Body(
					app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back),
					&widget.Button{ID: "submit", Text: w.Send, Primary: true, Submit: true, Busy: f.busy},
				),
			),
	)
}

func (f *Forgot) sentScreen() app.UI {
	w := wordingFor(f.Portal)
	return app.Div().Class("card").Body(
		title(w.SentTitle),
		app.P().ID("sent-text").Text(w.SentText),
		app.If(f.masked != "", app.P().ID("masked-email").Text(f.masked)),
		app.Form().ID("resend-form").Method("post").OnSubmit(f.resend).Body(
			app.P().Body(
				app.Text(w.ResendPre),
				app.Button().ID("resend").Type("submit").Class("link-button").Text(w.ResendLink),
				app.Text(w.ResendPost),
			),
		),
		&widget.Alert{ID: "resend-status", Level: widget.AlertInfo, Text: f.resent},
		&widget.Alert{ID: "form-error", Text: f.errText, Code: f.errCode},
		app.Div().Class("actions").Body(
			app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back),
		),
	)
}

// validate checks the fields locally and returns the id of the first
// invalid one, or "".
func (f *Forgot) validate() string {
	first := ""
	for _, name := range f.Portal.Proof {
		v := strings.TrimSpace(f.values[name])
		msg := ""
		switch {
		case name == portal.FieldEmail:
			msg = checkEmail(v)
		case v == "":
			msg = "Ce champ est obligatoire."
		}
		if msg != "" {
			f.errs[name] = msg
			if first == "" {
				first = specs[name].ID
			}
		}
	}
	return first
}

// request is the recovery request of the typed proof.
func (f *Forgot) request() api.RecoveryRequest {
	v := func(name string) string { return strings.TrimSpace(f.values[name]) }
	return api.RecoveryRequest{
		Email:        v(portal.FieldEmail),
		NIR:          v(portal.FieldNIR),
		Birthdate:    v(portal.FieldBirthdate),
		MemberNumber: v(portal.FieldMemberNumber),
	}
}

func (f *Forgot) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy {
		return
	}
	f.errCode, f.errText = "", ""
	if id := f.validate(); id != "" {
		focus(ctx, id)
		return
	}
	f.send(ctx, false)
}

func (f *Forgot) resend(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy {
		return
	}
	f.errCode, f.errText, f.resent = "", "", ""
	f.send(ctx, true)
}

// send posts the proof; again says it is the "envoyer à nouveau" link.
func (f *Forgot) send(ctx app.Context, again bool) {
	f.busy = true
	req, id := f.request(), f.Portal.ID
	ctx.Async(func() {
		res, err := apiClient.StartRecovery(id, req)
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if err != nil {
				f.fail(ctx, err)
				return
			}
			f.masked = res.MaskedEmail
			if again {
				f.resent = wordingFor(f.Portal).Resent
				return
			}
			f.sent = true
			f.setTitle(ctx)
			focus(ctx, titleID)
		})
	})
}

// fail shows why a request was refused: a field's error for
// invalid_fields, the problem's detail otherwise (a 429 says until when).
func (f *Forgot) fail(ctx app.Context, err error) {
	code, detail, p := failureOf(err)
	if p != nil && p.Code == api.CodeInvalidFields && !f.sent {
		first := ""
		for _, name := range p.Fields {
			if spec, ok := specs[name]; ok {
				if name == portal.FieldEmail {
					f.errs[name] = emailInvalid
				} else {
					f.errs[name] = detail
				}
				if first == "" {
					first = spec.ID
				}
			}
		}
		if first != "" {
			focus(ctx, first)
			return
		}
	}
	f.errCode, f.errText = code, detail
}
