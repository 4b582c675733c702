package widget

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// Levels of Alert.
const (
	AlertError   = "error"   // role="alert": read out at once
	AlertInfo    = "info"    // role="status": read out politely
	AlertSuccess = "success" // role="status"
)

// Alert is a message above or inside a form. Errors are role="alert", other
// kinds role="status". The element is always present (empty when there is
// nothing to say), so a message that appears in it is announced.
type Alert struct {
	app.Compo

	ID    string
	Level string // AlertError (default), AlertInfo or AlertSuccess
	Title string // optional, in bold before the text
	Text  string
	// Code is exposed as data-code (the API problem's code), for tests.
	Code string
}

// Render runs on both sides.
func (a *Alert) Render() app.UI {
	kind, role := a.Level, "status"
	if kind == "" {
		kind = AlertError
	}
	if kind == AlertError {
		role = "alert"
	}
	d := app.Div().ID(a.ID).Class("alert alert-" + kind).Role(role)
	if a.Code != "" {
		d = d.DataSet("code", a.Code)
	}
	if a.Text == "" && a.Title == "" {
		return d
	}
	return d.Body(
		app.If(a.Title != "", app.Strong().Class("alert-title").Text(a.Title)),
		app.P().Text(a.Text),
	)
}
