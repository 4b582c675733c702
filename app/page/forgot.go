package page

import (
	"errors"
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/app/locale"
	"sesame/app/offline"
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
//
// Offline (app/offline): the fields are kept in a draft as they are typed
// (restored at the next visit, cleared once the request is accepted), and
// on a portal whose request can wait (offline.Queueable: employeur), a
// request that gets no answer is queued, shown as « Demande en attente »,
// and sent when the network returns; the screen then goes on as if it had
// been sent at once.
type Forgot struct {
	app.Compo

	Portal portal.Config

	lang    string
	values  map[string]string // API field name → what was typed
	errs    map[string]text   // API field name → its error
	sent    bool
	masked  string // the masked address, on portals that show it
	errCode string
	errText text
	resent  text
	busy    bool
	carry   *carry
	passkey *passkeySignIn

	draft    offline.Draft
	initial  map[string]string // the inputs' first values: the draft's
	queued   bool              // the request waits for the network
	unfollow func()
}

// Forgot's states, in data-state.
const (
	forgotForm   = "form"
	forgotSent   = "sent"
	forgotQueued = "queued"
)

// OnInit runs on both sides, before the first render.
func (f *Forgot) OnInit() {
	f.lang = startLang(f.lang)
	f.carry = takeCarry()
	f.passkey = &passkeySignIn{Portal: f.Portal.ID, Lead: passkeyForgotLead, lang: f.lang}
	f.values = map[string]string{}
	f.errs = map[string]text{}
	f.initial = map[string]string{}
	f.draft = offline.Draft{Portal: f.Portal.ID, Screen: offline.ForgotScreen}
	if !app.IsClient {
		return
	}
	saved := f.draft.Load()
	if req, ok := offline.Pending(f.Portal.ID); ok {
		f.queued = true
		saved[portal.FieldEmail], saved[portal.FieldNIR] = req.Email, req.NIR
		saved[portal.FieldBirthdate], saved[portal.FieldMemberNumber] = req.Birthdate, req.MemberNumber
	}
	for _, name := range f.Portal.Proof {
		if v := saved[name]; v != "" {
			f.values[name], f.initial[name] = v, v
		}
	}
}

// OnPreRender runs on the server only.
func (f *Forgot) OnPreRender(ctx app.Context) { f.setTitle(ctx) }

// OnMount runs in the browser only.
func (f *Forgot) OnMount(ctx app.Context) {
	mounted(ctx, &f.lang, f.setTitle, &f.carry)
	f.unfollow = offline.Subscribe(func() { ctx.Dispatch(f.followQueue) })
	f.followQueue(ctx)
}

// OnDismount runs in the browser only.
func (f *Forgot) OnDismount() {
	if f.unfollow != nil {
		f.unfollow()
		f.unfollow = nil
	}
}

// followQueue shows how the queued request ended, once it has been sent.
func (f *Forgot) followQueue(ctx app.Context) {
	o, ok := offline.TakeOutcome(f.Portal.ID)
	if !ok {
		_, f.queued = offline.Pending(f.Portal.ID)
		return
	}
	f.queued = false
	if o.Err != nil {
		f.fail(ctx, o.Err)
		return
	}
	f.accepted(ctx, o.Accepted)
}

// OnNav runs in the browser only.
func (f *Forgot) OnNav(ctx app.Context) { f.setTitle(ctx) }

func (f *Forgot) setTitle(ctx app.Context) {
	w := wordingFor(f.Portal)
	t := w.ForgotTitle
	if f.sent {
		t = w.SentTitle
	}
	setTitle(ctx, screenTitle(t, f.Portal.Name, f.lang))
}

// Render runs on both sides.
func (f *Forgot) Render() app.UI {
	state, body := forgotForm, f.form
	switch {
	case f.sent:
		state, body = forgotSent, f.sentScreen
	case f.queued:
		state, body = forgotQueued, f.queuedScreen
	}
	return layout(f.lang,
		app.Section().ID("forgot").Class("screen").DataSet("state", state).DataSet("portal", f.Portal.ID).Body(
			body(),
		),
	)
}

func (f *Forgot) form() app.UI {
	w, l := wordingFor(f.Portal), f.lang
	fields := make([]app.UI, 0, len(f.Portal.Proof))
	for _, name := range f.Portal.Proof {
		spec, ok := specs[name]
		if !ok {
			continue
		}
		field := spec.field(l, f.errs[name], func(_ app.Context, v string) {
			f.values[name] = v
			delete(f.errs, name)
			f.draft.Save(name, v) // Draft keeps only non-secret fields
		})
		field.Value = f.initial[name]
		fields = append(fields, field)
	}
	return app.Div().Class("card").Body(
		title(w.ForgotTitle.In(l)),
		f.passkey,
		app.P().Class("lead").Text(w.ForgotIntro.In(l)),
		app.Form().ID("forgot-form").Method("post").NoValidate(true).
			Aria("labelledby", titleID).
			OnSubmit(f.submit).
			Body(
				&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
				app.Div().Body(fields...),
				app.Div().Class("actions").Body(
					app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back.In(l)),
					&widget.Button{ID: "submit", Text: w.Send.In(l), Primary: true, Submit: true, Busy: f.busy},
				),
			),
	)
}

func (f *Forgot) sentScreen() app.UI {
	w, l := wordingFor(f.Portal), f.lang
	return app.Div().Class("card").Body(
		title(w.SentTitle.In(l)),
		app.P().ID("sent-text").Text(w.SentText.In(l)),
		app.If(f.masked != "", app.P().ID("masked-email").Text(f.masked)),
		app.Form().ID("resend-form").Method("post").OnSubmit(f.resend).Body(
			app.P().Body(
				app.Text(w.ResendPre.In(l)),
				app.Button().ID("resend").Type("submit").Class("link-button").Text(w.ResendLink.In(l)),
				app.Text(w.ResendPost.In(l)),
			),
		),
		&widget.Alert{ID: "resend-status", Level: widget.AlertInfo, Text: f.resent.In(l)},
		&widget.Alert{ID: "form-error", Text: f.errText.In(l), Code: f.errCode},
		app.Div().Class("actions").Body(
			app.A().ID("back").Class("btn").Href(PortalPath(f.Portal.ID, "connexion")).Text(w.Back.In(l)),
		),
	)
}

// queuedScreen says that the request waits for the network.
func (f *Forgot) queuedScreen() app.UI {
	w, l := wordingFor(f.Portal), f.lang
	return app.Div().Class("card").Body(
		title(w.ForgotTitle.In(l)),
		&widget.Alert{ID: "queued-status", Level: widget.AlertInfo, Text: offline.PendingWording.In(l)},
		app.If(f.values[portal.FieldEmail] != "",
			app.P().ID("queued-email").Body(
				app.Text(queuedAddress.In(l)+labelSep.In(l)),
				app.Strong().Text(strings.TrimSpace(f.values[portal.FieldEmail])),
			),
		),
		app.Div().Class("actions").Body(
			app.Button().ID("cancel-queued").Type("button").Class("btn").OnClick(f.cancelQueued).Text(cancelQueuedText.In(l)),
			app.Button().ID("retry-queued").Type("button").Class("btn btn-primary").OnClick(f.retryQueued).Text(retryQueuedText.In(l)),
		),
	)
}

// Words of the queued screen.
var (
	queuedAddress    = text{FR: "Adresse", EN: "Address"}
	cancelQueuedText = text{FR: "Annuler la demande", EN: "Cancel the request"}
	retryQueuedText  = text{FR: "Réessayer maintenant", EN: "Try again now"}
)

func (f *Forgot) cancelQueued(ctx app.Context, e app.Event) {
	offline.Cancel(f.Portal.ID)
	f.queued = false
	focus(ctx, titleID)
}

func (f *Forgot) retryQueued(ctx app.Context, e app.Event) {
	ctx.Async(offline.Flush)
}

// validate checks the fields locally and returns the id of the first
// invalid one, or "".
func (f *Forgot) validate() string {
	first := ""
	for _, name := range f.Portal.Proof {
		v := strings.TrimSpace(f.values[name])
		var msg text
		switch {
		case name == portal.FieldEmail:
			msg = checkEmail(v)
		case v == "":
			msg = fieldRequired
		}
		if said(msg) {
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
		// The mail's language, also when the request waits offline.
		Lang: locale.Of(f.lang),
	}
}

func (f *Forgot) submit(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if f.busy {
		return
	}
	f.errCode, f.errText = "", text{}
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
	f.errCode, f.errText, f.resent = "", text{}, text{}
	f.send(ctx, true)
}

// send posts the proof; again says it is the "envoyer à nouveau" link.
func (f *Forgot) send(ctx app.Context, again bool) {
	f.busy = true
	req, id, cl := f.request(), f.Portal.ID, apiIn(f.lang)
	ctx.Async(func() {
		res, err := cl.StartRecovery(id, req)
		ctx.Dispatch(func(ctx app.Context) {
			f.busy = false
			if err != nil && !again && errors.Is(err, client.ErrOffline) && offline.Enqueue(f.Portal, req) == nil {
				// No network: the request waits (employeur).
				for k, v := range f.values {
					f.initial[k] = v // the form, if shown again, keeps them
				}
				f.queued = true
				focus(ctx, titleID)
				return
			}
			if err != nil {
				f.fail(ctx, err)
				return
			}
			if again {
				f.masked = res.MaskedEmail
				f.resent = wordingFor(f.Portal).Resent
				return
			}
			f.accepted(ctx, res)
		})
	})
}

// accepted shows « Consultez vos emails » and forgets the draft.
func (f *Forgot) accepted(ctx app.Context, res api.RecoveryAccepted) {
	f.masked = res.MaskedEmail
	f.sent = true
	f.draft.Clear()
	f.setTitle(ctx)
	focus(ctx, titleID)
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
