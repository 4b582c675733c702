package page

import (
	"errors"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/locale"
	"sesame/app/passkey"
	"sesame/app/widget"
	"sesame/shared/api"
)

// Sentences of the passkey screens ("clé d'accès" is the French word).
var (
	passkeySignInText = text{FR: "Se connecter avec une clé d'accès", EN: "Sign in with a passkey"}
	passkeyOr         = text{FR: "ou", EN: "or"}
	passkeyForgotLead = text{FR: "Vous avez une clé d'accès ? Connectez-vous sans mot de passe.", EN: "Have a passkey? Sign in without a password."}
	passkeyNotUsed    = text{FR: "Aucune clé d'accès n'a été utilisée. Vous pouvez réessayer, ou vous connecter avec votre mot de passe.",
		EN: "No passkey was used. You can try again, or sign in with your password."}
	passkeyUnsupported = text{FR: "Votre navigateur ne permet pas d'utiliser une clé d'accès.", EN: "Your browser cannot use passkeys."}
)

// passkeySignIn is « Se connecter avec une clé d'accès »: the discoverable
// sign-in (no identifier typed: the passkey names the account), offered on
// every sign-in and forgotten-password screen of a browser that has
// WebAuthn. It is not prerendered: the server cannot know what the browser
// supports, so the block appears once the app has mounted, and never in a
// browser without passkeys. Success goes where a password sign-in goes:
// « Mes informations ».
//
// With Autofill (sign-in screens, whose identifier field is marked
// autocomplete="username webauthn"), it also starts a conditional request
// when it mounts, so the browser lists the passkeys in the field's
// autofill. That request is aborted when the button is used and when the
// screen is left.
type passkeySignIn struct {
	app.Compo

	Portal   string // portal id
	Autofill bool
	// Lead, when set, is the sentence above the button, and the block
	// comes first (forgotten-password screens). Empty: the block follows a
	// form, after « ou ».
	Lead text

	lang      string
	supported bool
	busy      bool
	errCode   string
	errText   text

	// The conditional request under way: closing stop aborts it, ended
	// closes once it is over. Touched on the UI goroutine only.
	stop  chan struct{}
	ended chan struct{}
}

// OnMount runs in the browser only.
func (p *passkeySignIn) OnMount(ctx app.Context) {
	locale.Follow(ctx, &p.lang)
	p.supported = passkey.Supported()
	if p.supported && p.Autofill {
		p.startAutofill(ctx)
	}
}

// OnDismount aborts the conditional request.
func (p *passkeySignIn) OnDismount() { p.stopAutofill() }

// Render runs on both sides.
func (p *passkeySignIn) Render() app.UI {
	class := "passkey-signin"
	if said(p.Lead) {
		class += " passkey-first"
	}
	root := app.Div().ID("passkey-signin").Class(class)
	if !p.supported {
		return root
	}
	return root.Body(
		app.If(!said(p.Lead), app.P().Class("passkey-or").Text(passkeyOr.In(p.lang))),
		app.If(said(p.Lead), app.P().ID("passkey-lead").Class("passkey-lead").Text(p.Lead.In(p.lang))),
		&widget.Alert{ID: "passkey-error", Text: p.errText.In(p.lang), Code: p.errCode},
		app.Form().ID("passkey-form").Method("post").OnSubmit(p.signIn).Body(
			&widget.Button{ID: "passkey-button", Text: passkeySignInText.In(p.lang), Submit: true, Busy: p.busy},
		),
	)
}

// signIn is the button: a modal request, the browser's own dialog.
func (p *passkeySignIn) signIn(ctx app.Context, e app.Event) {
	e.PreventDefault()
	if p.busy {
		return
	}
	p.busy = true
	p.errCode, p.errText = "", text{}
	ended := p.stopAutofill()
	id, cl := p.Portal, apiIn(p.lang)
	ctx.Async(func() {
		if ended != nil {
			// The browser runs one request at a time: let the
			// conditional one end first.
			select {
			case <-ended:
			case <-time.After(2 * time.Second):
			}
		}
		opts, err := cl.PasskeySignInBegin(id)
		var cred []byte
		if err == nil {
			cred, err = passkey.Get(opts, false, nil)
		}
		if err == nil {
			_, err = cl.PasskeySignInFinish(id, cred)
		}
		dispatchOn(ctx, p, func(ctx app.Context) { p.finished(ctx, err, true) })
	})
}

// startAutofill starts the conditional request, unless one is under way.
// It fails silently: the button still works.
func (p *passkeySignIn) startAutofill(ctx app.Context) {
	if p.stop != nil {
		return
	}
	stop, ended := make(chan struct{}), make(chan struct{})
	p.stop, p.ended = stop, ended
	id, cl := p.Portal, apiIn(p.lang)
	ctx.Async(func() {
		defer close(ended)
		if !passkey.ConditionalAvailable() {
			return
		}
		select {
		case <-stop:
			return
		default:
		}
		opts, err := cl.PasskeySignInBegin(id)
		if err != nil {
			return
		}
		cred, err := passkey.Get(opts, true, stop)
		if err != nil {
			return // aborted, or the browser gave up
		}
		// A passkey was chosen in the autofill.
		dispatchOn(ctx, p, func(ctx app.Context) {
			p.busy = true
			p.errCode, p.errText = "", text{}
		})
		_, err = cl.PasskeySignInFinish(id, cred)
		dispatchOn(ctx, p, func(ctx app.Context) {
			if p.ended == ended {
				p.stop, p.ended = nil, nil
			}
			p.finished(ctx, err, false)
		})
	})
}

// stopAutofill aborts the conditional request, if any, and returns a
// channel that closes once it is over (nil when none was under way).
func (p *passkeySignIn) stopAutofill() <-chan struct{} {
	if p.stop == nil {
		return nil
	}
	close(p.stop)
	ended := p.ended
	p.stop, p.ended = nil, nil
	return ended
}

// finished ends a sign-in: « Mes informations », or why not. After the
// button's attempt, the autofill is offered again (the button aborted it).
// After a passkey picked in the autofill was refused, it is not: the
// browser would offer the same passkey, and a browser that answers a
// conditional request at once (an automated one) would loop.
func (p *passkeySignIn) finished(ctx app.Context, err error, button bool) {
	p.busy = false
	if err == nil {
		ctx.Navigate(PortalPath(p.Portal, "mes-informations"))
		return
	}
	p.errCode, p.errText = passkeyFailure(err)
	if button && p.Autofill && p.Mounted() {
		p.startAutofill(ctx)
	}
}

// passkeyFailure is the code and sentence of a failed passkey ceremony:
// the browser's refusals in words of our own, the server's problems in its
// detail.
func passkeyFailure(err error) (code string, sentence text) {
	switch {
	case errors.Is(err, passkey.ErrCancelled), errors.Is(err, passkey.ErrAborted):
		return "cancelled", passkeyNotUsed
	case errors.Is(err, passkey.ErrUnsupported):
		return "unsupported", passkeyUnsupported
	}
	if code, detail, p := failureOf(err); p != nil || code == "offline" {
		return code, detail
	}
	// The browser refused the options, or another browser error.
	return api.CodePasskeyFailed, problemText(api.CodePasskeyFailed)
}
