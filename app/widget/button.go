package widget

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// Button is a form's button; actions are forms, so that the screen that owns
// the form handles its submit event with its own context. A submit button is disabled in the prerendered
// page (the form cannot work before the app has loaded, and must never fall
// back to a native submission that would put its fields in a URL). While
// Busy it stays focusable but says it is busy and ignores clicks.
type Button struct {
	app.Compo

	ID      string
	Text    string
	Primary bool
	// Submit makes it the form's submit button; otherwise type="button".
	Submit bool
	// Busy: a request is under way; the form's handler ignores submits.
	Busy bool
}

// Render runs on both sides.
func (b *Button) Render() app.UI {
	class := "btn"
	if b.Primary {
		class += " btn-primary"
	}
	typ := "button"
	if b.Submit {
		typ = "submit"
	}
	btn := app.Button().ID(b.ID).Type(typ).Class(class).Text(b.Text)
	if !app.IsClient {
		// go-app prints disabled="false" for Disabled(false): set it only
		// when true.
		btn = btn.Disabled(true)
	}
	if b.Busy {
		btn = btn.Aria("disabled", "true").Aria("busy", "true")
	}
	return btn
}

// Option is one choice of a Radios group.
type Option struct {
	ID    string // the radio's id
	Value string
	Label string
}

// Radios is a group of radio buttons in a fieldset whose legend names the
// choice. Arrow keys move between the options, as browsers do natively.
type Radios struct {
	app.Compo

	Name     string
	Legend   string
	Options  []Option
	Value    string // the checked option's Value
	OnChange InputFunc
	// LegendClass styles the legend (e.g. as a heading).
	LegendClass string
}

// Render runs on both sides.
func (r *Radios) Render() app.UI {
	return app.FieldSet().Class("radios").Body(
		app.Legend().Class(r.LegendClass).Text(r.Legend),
		app.Div().Class("radios-options").Body(
			app.Range(r.Options).Slice(func(i int) app.UI {
				o := r.Options[i]
				in := app.Input().Type("radio").ID(o.ID).Name(r.Name).Value(o.Value).OnChange(r.onChange)
				if o.Value == r.Value {
					in = in.Checked(true)
				}
				return app.Div().Class("radio").Body(
					in,
					app.Label().For(o.ID).Text(o.Label),
				)
			}),
		),
	)
}

func (r *Radios) onChange(ctx app.Context, e app.Event) {
	v := ctx.JSSrc().Get("value").String()
	if r.OnChange != nil {
		ctx.Emit(func() { r.OnChange(ctx, v) })
	}
}
