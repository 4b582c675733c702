package page

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// siteName is the product name, as the header shows it.
const siteName = "Sésame"

// layout wraps a page's content with the header, the single <main> and the
// footer every page shares.
func layout(content ...app.UI) app.UI {
	return app.Div().Class("page").Body(
		app.Header().Class("site-header").Body(
			app.Div().Class("inner").Body(
				app.A().Class("brand").Href("/").Text(siteName),
			),
		),
		app.Main().ID("contenu").Class("site-main").Body(content...),
		app.Footer().Class("site-footer").Body(
			app.Div().Class("inner").Body(
				app.P().Text("Sésame — récupération de mot de passe des portails du service public."),
				app.P().Text("Nous ne vous demanderons jamais votre mot de passe, ni par téléphone ni par courriel."),
			),
		),
	)
}

// setTitle sets the document title, on the server (prerendering) and in the
// browser (navigation).
func setTitle(ctx app.Context, title string) {
	ctx.Page().SetTitle(title)
}

// markReady sets the data-app-ready attribute on <body>, telling browser
// tests (and anyone curious) that the Wasm app has mounted. Call it from a
// page's OnMount, which only runs in the browser.
func markReady() {
	if !app.IsClient {
		return
	}
	app.Window().Get("document").Get("body").Call("setAttribute", "data-app-ready", "")
}
