// Package locale is the language the UI speaks: French first, English on
// a toggle (Toggle, in every page's header).
//
// The choice is no secret: localStorage keeps it from one visit to the
// next (Stored, which a component reads before its first render), and a
// go-app state carries a new choice (Choose) to every component that
// follows it (Follow, from its OnMount), which then renders again in the
// other language. The server prerenders in French; a browser that never
// chose stays in French, whatever its own language. The <html lang>
// attribute follows the choice.
//
// Sentences are data: each is a message.Text (French and English), said
// with In(lang).
package locale

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// The two languages.
const (
	French  = "fr"
	English = "en"
)

// storageKey is the localStorage item holding the choice: "fr" or "en".
const storageKey = "sesame.lang"

// state is the go-app state that tells the following components about a
// choice.
const state = "sesame.lang.chosen"

// Of returns lang as one of the two languages: English for "en", French
// for anything else.
func Of(lang string) string {
	if lang == English {
		return English
	}
	return French
}

// Stored is the language this browser chose, French when it never did (or
// its storage is out of reach), and outside the browser. A component reads
// it before its first render (OnInit), so that it never shows, even for a
// frame, in the other language.
func Stored() (lang string) {
	if !app.IsClient {
		return French
	}
	defer func() {
		if recover() != nil {
			lang = French // storage refused (a browser's privacy settings)
		}
	}()
	v := app.Window().Get("localStorage").Call("getItem", storageKey)
	if v.Type() != app.TypeString {
		return French
	}
	return Of(v.String())
}

// Follow keeps *lang at the chosen language for as long as the component
// whose OnMount gives ctx stays mounted: at every choice it sets *lang,
// runs then (a page renames the document there) and renders the component
// again. Browser only.
func Follow(ctx app.Context, lang *string, then ...func()) {
	o := ctx.ObserveState(state)
	for _, f := range then {
		o = o.OnChange(f)
	}
	o.Value(lang)
}

// Choose makes lang the UI language: it keeps the choice (localStorage),
// sets <html lang> and renders every following component again.
func Choose(ctx app.Context, lang string) {
	lang = Of(lang)
	store(lang)
	ctx.SetState(state, lang)
	setDocumentLang(lang)
}

// store keeps the choice for the next visits; a storage out of reach keeps
// it for this page only.
func store(lang string) {
	defer func() { _ = recover() }()
	app.Window().Get("localStorage").Call("setItem", storageKey, lang)
}

// setDocumentLang sets <html lang>, which screen readers (and axe) read.
func setDocumentLang(lang string) {
	if !app.IsClient {
		return
	}
	app.Window().Get("document").Get("documentElement").Set("lang", lang)
}
