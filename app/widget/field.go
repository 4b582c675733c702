// Package widget holds the small components every screen is built from:
// labelled fields, the password field with its show/hide toggle, the live
// checklist of the password policy, the strength meter, alerts and buttons.
//
// They hold no data of their own beyond what they show (a PasswordField
// remembers whether it shows the password, nothing more): the screen that
// renders them owns the values and receives every keystroke through the
// OnInput callbacks. Each widget is accessible on its own: a label tied to
// its input, errors tied with aria-describedby, states given in text as well
// as in colour, and everything reachable by keyboard.
package widget

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/message"
)

// InputFunc receives what the user typed, at every keystroke (the input
// event, not change).
type InputFunc func(ctx app.Context, value string)

// Field is a labelled single-line input. Its value is not controlled: the
// input keeps what is typed and the screen receives it through OnInput.
// (Writing the screen's copy back at each render would race with fast
// typing: go-app renders asynchronously, so a keystroke typed meanwhile
// would be overwritten.)
type Field struct {
	app.Compo

	ID    string // id and name of the input; the label, hint and error derive theirs
	Label string
	Type  string // "text" (default), "email", "tel", …
	// Value is the initial value. Changing it later replaces what the user
	// typed; keep it constant while the user types.
	Value string
	// Autocomplete is the autocomplete token ("username", "email", …).
	Autocomplete string
	// InputMode is the virtual keyboard ("email", "numeric", …).
	InputMode string
	Hint      string
	Error     string
	Required  bool
	OnInput   InputFunc
	// Live: the screen checks the value as it is typed. The error element
	// is then always present, role="alert", so each new message is read
	// out as it appears.
	Live bool
	// OnBlur receives the value when the input loses the focus (a check
	// that waits for the user to move on: a number still being typed is
	// not yet too short).
	OnBlur InputFunc
}

// Render runs on both sides.
func (f *Field) Render() app.UI {
	typ := f.Type
	if typ == "" {
		typ = "text"
	}
	in := app.Input().
		ID(f.ID).
		Name(f.ID).
		Type(typ).
		Aria("invalid", f.Error != "").
		OnInput(f.onInput)
	if f.Value != "" {
		in = in.Value(f.Value)
	}
	if f.Autocomplete != "" {
		in = in.Attr("autocomplete", f.Autocomplete)
	}
	if f.InputMode != "" {
		in = in.Attr("inputmode", f.InputMode)
	}
	if typ == "email" {
		in = in.Attr("autocapitalize", "none").Spellcheck(false)
	}
	if f.Required {
		in = in.Required(true)
	}
	if f.OnBlur != nil {
		in = in.OnBlur(f.onBlur)
	}
	errText := f.Error
	if f.Live {
		errText = "live" // its element is always there: always tie it
	}
	if d := describedBy(f.ID, f.Hint, errText); d != "" {
		in = in.Aria("describedby", d)
	}
	errEl := fieldError(f.ID, f.Error)
	if f.Live {
		errEl = liveError(f.ID, f.Error)
	}
	return app.Div().Class("field").Body(
		app.Label().For(f.ID).Text(f.Label),
		hint(f.ID, f.Hint),
		in,
		errEl,
	)
}

func (f *Field) onBlur(ctx app.Context, e app.Event) {
	v := ctx.JSSrc().Get("value").String()
	if f.OnBlur != nil {
		ctx.Emit(func() { f.OnBlur(ctx, v) })
	}
}

// liveError is a field's error element that is always there, empty when
// there is nothing to say, so that a message appearing in it is announced.
func liveError(id, text string) app.UI {
	return app.P().ID(ErrorID(id)).Class("error").Role("alert").Text(text)
}

func (f *Field) onInput(ctx app.Context, e app.Event) {
	v := ctx.JSSrc().Get("value").String()
	if f.OnInput != nil {
		ctx.Emit(func() { f.OnInput(ctx, v) })
	}
}

// ErrorID is the id of a field's error message.
func ErrorID(fieldID string) string { return fieldID + "-error" }

// HintID is the id of a field's hint.
func HintID(fieldID string) string { return fieldID + "-hint" }

// describedBy lists the ids that describe a field: its hint, its error and
// any extra ids (a checklist).
func describedBy(id, hint, err string, extra ...string) string {
	var ids []string
	if hint != "" {
		ids = append(ids, HintID(id))
	}
	if err != "" {
		ids = append(ids, ErrorID(id))
	}
	for _, x := range extra {
		if x != "" {
			ids = append(ids, x)
		}
	}
	return strings.Join(ids, " ")
}

func hint(id, text string) app.UI {
	if text == "" {
		return nil
	}
	return app.Span().ID(HintID(id)).Class("hint").Text(text)
}

func fieldError(id, text string) app.UI {
	if text == "" {
		return nil
	}
	return app.P().ID(ErrorID(id)).Class("error").Text(text)
}

// ShowPasswordLabel is the toggle's label; its state is in aria-pressed.
const ShowPasswordLabel = "Afficher le mot de passe"

var showPassword = message.Text{FR: ShowPasswordLabel, EN: "Show password"}

// PasswordField is a labelled password input with a show/hide toggle. Its
// value is not controlled: the password lives in the input and in the
// screen's memory (OnInput), never in an attribute, in the prerendered HTML
// or in any storage.
type PasswordField struct {
	app.Compo

	ID    string
	Label string
	// Autocomplete is "current-password" or "new-password".
	Autocomplete string
	Hint         string
	Error        string
	// DescribedBy adds ids to aria-describedby (the checklist under a new
	// password).
	DescribedBy string
	Required    bool
	OnInput     InputFunc
	// Lang is the language of the toggle's label: "fr" (default) or "en".
	Lang string

	shown bool
}

// ToggleID is the id of a password field's show/hide button.
func ToggleID(fieldID string) string { return fieldID + "-toggle" }

// Render runs on both sides.
func (p *PasswordField) Render() app.UI {
	typ := "password"
	if p.shown {
		typ = "text"
	}
	in := app.Input().
		ID(p.ID).
		Name(p.ID).
		Type(typ).
		Attr("autocapitalize", "none").
		Attr("autocorrect", "off").
		Spellcheck(false).
		Aria("invalid", p.Error != "").
		OnInput(p.onInput)
	if p.Autocomplete != "" {
		in = in.Attr("autocomplete", p.Autocomplete)
	}
	if p.Required {
		in = in.Required(true)
	}
	if d := describedBy(p.ID, p.Hint, p.Error, p.DescribedBy); d != "" {
		in = in.Aria("describedby", d)
	}
	toggle := app.Button().
		ID(ToggleID(p.ID)).
		Type("button").
		Class("password-toggle").
		Aria("pressed", p.shown).
		Aria("controls", p.ID).
		OnClick(p.toggle).
		Text(showPassword.In(p.Lang))
	if !app.IsClient {
		toggle = toggle.Disabled(true) // it works once the app has loaded
	}
	return app.Div().Class("field field-password").Body(
		app.Label().For(p.ID).Text(p.Label),
		hint(p.ID, p.Hint),
		app.Div().Class("password-wrap").Body(
			in,
			toggle,
		),
		fieldError(p.ID, p.Error),
	)
}

func (p *PasswordField) onInput(ctx app.Context, e app.Event) {
	v := ctx.JSSrc().Get("value").String()
	if p.OnInput != nil {
		ctx.Emit(func() { p.OnInput(ctx, v) })
	}
}

func (p *PasswordField) toggle(ctx app.Context, e app.Event) {
	p.shown = !p.shown
}

// Shown reports whether the password is shown in clear.
func (p *PasswordField) Shown() bool { return p.shown }
