package widget

import (
	"strings"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/app/locale"
	"sesame/shared/api"
	"sesame/shared/message"
)

// Captcha wording, from the assure portal's seed (001).
var (
	captchaIntro   = message.Text{FR: "Recopiez les caractères de l'image ou de l'extrait sonore", EN: "Type the characters of the image or of the audio clip"}
	captchaAlt     = message.Text{FR: "Caractères à recopier", EN: "Characters to type"}
	captchaListen  = message.Text{FR: "Écouter l'extrait sonore", EN: "Listen to the audio clip"}
	captchaRefresh = message.Text{FR: "Obtenir une nouvelle série de caractères", EN: "Get a new series of characters"}
	captchaLabel   = message.Text{FR: "Caractères lus ou entendus", EN: "Characters seen or heard"}
)

// Sentences the seed does not give.
var (
	captchaLoading  = message.Text{FR: "Chargement des caractères à recopier…", EN: "Loading the characters to type…"}
	captchaFailed   = message.Text{FR: "Les caractères à recopier n'ont pas pu être chargés. Utilisez le bouton « Obtenir une nouvelle série de caractères » pour réessayer.", EN: "The characters to type could not be loaded. Use the “Get a new series of characters” button to try again."}
	captchaRenewed  = message.Text{FR: "Une nouvelle série de caractères est affichée.", EN: "A new series of characters is shown."}
	captchaExpired  = message.Text{FR: "La série de caractères a expiré : une nouvelle série est affichée.", EN: "The series of characters has expired: a new series is shown."}
	captchaRequired = message.Text{FR: "Recopiez les caractères de l'image ou de l'extrait sonore.", EN: "Type the characters of the image or of the audio clip."}
)

// Captcha is the anti-robot challenge of a form: the image of the digits,
// the same digits read aloud (the microphone), the arrow that draws a new
// series, and the input where the user copies them.
//
// The widget asks the API for its challenge itself (POST /captcha, when it
// mounts and on every Refresh) and tells its parent the challenge id and
// the typed answer through OnChange. Keep one *Captcha in the parent
// (created in OnInit) and render that same pointer: the parent then calls
// Refresh(ctx) after any failed submit (a challenge is single-use),
// SetError(ctx, text) to show an error under the input, and SetMissing(ctx)
// when the form is sent without an answer. go-app does not re-render a
// child rendered by the same pointer, so exported fields set after the
// first render take effect only through these methods. The widget follows
// the UI language itself (app/locale).
//
// The root carries data-challenge (the current challenge id) and
// data-state ("loading", "ready", "error", or "off" when the server runs
// without captchas: a 404 from POST /captcha) for tests.
type Captcha struct {
	app.Compo

	// ID prefixes the ids: default "captcha" gives captcha-answer,
	// captcha-image, captcha-listen, captcha-refresh, captcha-audio,
	// captcha-status and captcha-answer-error.
	ID string
	// Client asks for challenges; nil means a client on the page's origin,
	// in Lang.
	Client *client.Client
	// Lang is the language it speaks, "fr" (default) or "en", until the
	// UI language changes.
	Lang string
	// Asterisk appends " *" to the label (screens whose fields are marked).
	Asterisk bool
	// Error is shown under the input (initially; later use SetError).
	Error string
	// OnChange receives the challenge id and the answer whenever either
	// changes (a new challenge comes with an empty answer).
	OnChange func(id, answer string)

	challenge api.CaptchaChallenge
	answer    string
	state     string // "loading", "ready", "error"
	status    message.Text
	missing   bool // the form was sent without an answer
	gen       int  // increments with each challenge asked for; stale answers and timers are dropped
}

func (c *Captcha) prefix() string {
	if c.ID == "" {
		return "captcha"
	}
	return c.ID
}

// AnswerID is the id of the answer input ("captcha-answer" by default).
func (c *Captcha) AnswerID() string { return c.prefix() + "-answer" }

// ChallengeID is the current challenge's id ("" while none is loaded).
func (c *Captcha) ChallengeID() string { return c.challenge.ID }

// Answer is what the user typed for the current challenge.
func (c *Captcha) Answer() string { return c.answer }

// Off reports that the server runs without captchas: the widget shows
// nothing and the form is sent without an answer.
func (c *Captcha) Off() bool { return c.state == "off" }

// Missing reports whether the form may not be sent yet: the captcha is on
// and no answer (or no challenge) is there.
func (c *Captcha) Missing() bool {
	return !c.Off() && (c.challenge.ID == "" || strings.TrimSpace(c.answer) == "")
}

// OnMount runs in the browser only: ask for the first challenge.
func (c *Captcha) OnMount(ctx app.Context) {
	locale.Follow(ctx, &c.Lang)
	c.load(ctx, message.Text{})
}

// Refresh draws a new challenge and empties the answer. Call it after any
// failed submit: the server consumes a challenge at its first use.
func (c *Captcha) Refresh(ctx app.Context) {
	c.onSelf(ctx, func(ctx app.Context) { c.load(ctx, captchaRenewed) })
}

// SetError shows text (empty: nothing) under the answer input.
func (c *Captcha) SetError(ctx app.Context, text string) {
	c.onSelf(ctx, func(app.Context) { c.Error, c.missing = text, false })
}

// SetMissing says, under the answer input, that the answer is missing.
func (c *Captcha) SetMissing(ctx app.Context) {
	c.onSelf(ctx, func(app.Context) { c.Error, c.missing = "", true })
}

// errorText is what shows under the answer input.
func (c *Captcha) errorText() string {
	if c.missing {
		return captchaRequired.In(c.Lang)
	}
	return c.Error
}

// onSelf runs fn on the UI goroutine with the widget's own context and
// re-renders the widget, whichever component's context the caller holds.
func (c *Captcha) onSelf(ctx app.Context, fn func(app.Context)) {
	if ctx == nil || !c.Mounted() {
		// Outside the browser (tests, prerendering): record, and re-render
		// if mounted.
		fn(ctx)
		if c.Mounted() {
			c.Update()
		}
		return
	}
	ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Update, Source: c, Function: fn})
}

// load asks for a new challenge; ctx is the widget's own context.
func (c *Captcha) load(ctx app.Context, done message.Text) {
	if !app.IsClient {
		return
	}
	c.gen++
	gen := c.gen
	c.state, c.status = "loading", captchaLoading
	c.answer = ""
	if in := app.Window().GetElementByID(c.AnswerID()); in.Truthy() {
		in.Set("value", "")
	}
	cl := c.Client
	if cl == nil {
		cl = &client.Client{Lang: c.Lang}
	}
	ctx.Async(func() {
		ch, err := cl.Captcha()
		ctx.Dispatch(func(ctx app.Context) {
			if gen != c.gen {
				return
			}
			if err != nil {
				c.challenge = api.CaptchaChallenge{}
				c.state, c.status = "error", captchaFailed
				if p := client.ProblemOf(err); p != nil && p.Status == 404 {
					// The server runs without captchas (SESAME_CAPTCHA=off).
					c.state, c.status = "off", message.Text{}
				}
				c.changed(ctx)
				return
			}
			c.challenge = ch
			c.state, c.status = "ready", done
			c.changed(ctx)
			c.expireAt(ctx, gen, ch.ExpiresAt)
		})
	})
}

// expireAt draws a new series when the challenge dies, so the user never
// copies digits the server no longer knows.
func (c *Captcha) expireAt(ctx app.Context, gen int, at time.Time) {
	if at.IsZero() {
		return
	}
	ctx.After(time.Until(at), func(ctx app.Context) {
		if gen == c.gen {
			c.load(ctx, captchaExpired)
		}
	})
}

// changed tells the parent, and re-renders it.
func (c *Captcha) changed(ctx app.Context) {
	if c.OnChange == nil {
		return
	}
	id, answer := c.challenge.ID, c.answer
	ctx.Emit(func() { c.OnChange(id, answer) })
}

func (c *Captcha) onInput(ctx app.Context, e app.Event) {
	c.answer = ctx.JSSrc().Get("value").String()
	c.Error, c.missing = "", false
	c.changed(ctx)
}

func (c *Captcha) listen(ctx app.Context, e app.Event) {
	a := app.Window().GetElementByID(c.prefix() + "-audio")
	if !a.Truthy() {
		return
	}
	a.Set("currentTime", 0)
	// play answers a promise; a refusal (no audio output, say) is not an
	// error of the page.
	if p := a.Call("play"); p.Truthy() && p.Get("then").Truthy() {
		var done app.Func
		done = app.FuncOf(func(app.Value, []app.Value) any {
			done.Release()
			return nil
		})
		p.Call("then", done, done)
	}
}

func (c *Captcha) refresh(ctx app.Context, e app.Event) {
	c.load(ctx, captchaRenewed)
	// Keep the keyboard where the user is about to type.
	ctx.Defer(func(app.Context) {
		if in := app.Window().GetElementByID(c.AnswerID()); in.Truthy() {
			in.Call("focus")
		}
	})
}

// Render runs on both sides.
func (c *Captcha) Render() app.UI {
	p := c.prefix()
	state := c.state
	if state == "" {
		state = "loading"
	}
	label := captchaLabel.In(c.Lang)
	if c.Asterisk {
		label += " *"
	}
	introID := p + "-intro"
	in := app.Input().
		ID(c.AnswerID()).
		Name(c.AnswerID()).
		Type("text").
		Attr("inputmode", "numeric").
		Attr("autocomplete", "off").
		Attr("autocapitalize", "none").
		Attr("autocorrect", "off").
		Spellcheck(false).
		Required(true).
		Aria("invalid", c.errorText() != "").
		Aria("describedby", describedBy(c.AnswerID(), "", c.errorText(), introID)).
		OnInput(c.onInput)

	listen := app.Button().ID(p+"-listen").Type("button").Class("btn captcha-listen").
		Aria("controls", p+"-audio").
		OnClick(c.listen).
		Body(micIcon(), app.Span().Text(captchaListen.In(c.Lang)))
	refresh := app.Button().ID(p+"-refresh").Type("button").Class("btn captcha-refresh").
		Title(captchaRefresh.In(c.Lang)).
		OnClick(c.refresh).
		Body(arrowIcon(), app.Span().Class("visually-hidden").Text(captchaRefresh.In(c.Lang)))
	if !app.IsClient || c.challenge.ID == "" {
		listen = listen.Disabled(true)
	}
	if !app.IsClient {
		refresh = refresh.Disabled(true)
	}
	if state == "loading" {
		refresh = refresh.Aria("busy", "true")
	}

	var picture app.UI
	if c.challenge.ID != "" {
		picture = app.Img().ID(p + "-image").Class("captcha-image").
			Src(c.challenge.ImageURL).Alt(captchaAlt.In(c.Lang)).Width(240).Height(80)
	} else {
		picture = app.Div().ID(p+"-image").Class("captcha-image captcha-placeholder").
			Aria("hidden", "true")
	}
	var audio app.UI
	if c.challenge.AudioURL != "" {
		audio = app.Audio().ID(p + "-audio").Src(c.challenge.AudioURL).Preload("none")
	}

	root := app.Div().ID(p).Class("captcha").
		DataSet("state", state).
		DataSet("challenge", c.challenge.ID)
	if state == "off" {
		return root.Hidden(true)
	}
	return root.Body(
		app.P().ID(introID).Class("captcha-intro").Text(captchaIntro.In(c.Lang)),
		app.Div().Class("captcha-challenge").Body(
			picture,
			app.Div().Class("captcha-tools").Body(listen, refresh),
			audio,
		),
		app.P().ID(p+"-status").Class("captcha-status").Role("status").Text(c.status.In(c.Lang)),
		app.Div().Class("field captcha-field").Body(
			app.Label().For(c.AnswerID()).Text(label),
			in,
			fieldError(c.AnswerID(), c.errorText()),
		),
	)
}

// micIcon is the seed's microphone.
func micIcon() app.UI {
	return app.Raw(`<svg class="icon" aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24"><path fill="currentColor" d="M12 14a3 3 0 0 0 3-3V5a3 3 0 0 0-6 0v6a3 3 0 0 0 3 3zm5-3a5 5 0 0 1-10 0H5a7 7 0 0 0 6 6.9V21h2v-3.1A7 7 0 0 0 19 11h-2z"/></svg>`)
}

// arrowIcon is the seed's refresh arrow.
func arrowIcon() app.UI {
	return app.Raw(`<svg class="icon" aria-hidden="true" focusable="false" width="20" height="20" viewBox="0 0 24 24"><path fill="currentColor" d="M17.65 6.35A7.96 7.96 0 0 0 12 4a8 8 0 1 0 7.75 10h-2.08A6 6 0 1 1 12 6c1.66 0 3.14.69 4.22 1.78L13 11h7V4l-2.35 2.35z"/></svg>`)
}
