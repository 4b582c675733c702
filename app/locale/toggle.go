package locale

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// param is the query parameter of the toggle's link: ?lang=en.
const param = "lang"

// ToggleID is the id of the toggle's link.
const ToggleID = "lang-toggle"

// Toggle is the header's link to the other language: « English » on a
// French page, « Français » on an English one, its text marked as being in
// the language it leads to (lang and hreflang), so that a screen reader
// says it right.
//
// Once the app has loaded, a click switches at once, without a
// navigation: what the screen holds (a form half filled) stays. Before,
// its href (?lang=en) reloads the page, prerendered in French; the app
// then applies the parameter and removes it from the address bar.
type Toggle struct {
	app.Compo

	// Lang is the language the page speaks now.
	Lang string
}

// other is the language the toggle leads to, and its name in that
// language.
func (t *Toggle) other() (lang, name string) {
	if Of(t.Lang) == English {
		return French, "Français"
	}
	return English, "English"
}

// OnMount runs in the browser only: the language asked in the address,
// else the one chosen before, becomes <html lang>.
func (t *Toggle) OnMount(ctx app.Context) {
	u := app.Window().URL()
	q := u.Query()
	if l := q.Get(param); l == French || l == English {
		q.Del(param)
		u.RawQuery = q.Encode()
		app.Window().Get("history").Call("replaceState", nil, "", u.String())
		Choose(ctx, l)
		return
	}
	setDocumentLang(Stored())
}

// Render runs on both sides.
func (t *Toggle) Render() app.UI {
	lang, name := t.other()
	return app.A().ID(ToggleID).Class("lang-toggle").
		Href("?" + param + "=" + lang).HrefLang(lang).Lang(lang).
		OnClick(t.toggle).
		Text(name)
}

func (t *Toggle) toggle(ctx app.Context, e app.Event) {
	e.PreventDefault()
	// go-app handles every link click on window, as a navigation: this
	// one is not.
	e.Call("stopPropagation")
	lang, _ := t.other()
	Choose(ctx, lang)
}
