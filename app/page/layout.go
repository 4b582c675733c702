package page

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/locale"
	"sesame/app/offline"
)

// siteName is the product name, as the header shows it.
const siteName = "Sésame"

// The footer's sentences.
var (
	footerAbout = text{FR: "Sésame — récupération de mot de passe des portails du service public.",
		EN: "Sésame — password recovery for public-service portals."}
	footerNever = text{FR: "Nous ne vous demanderons jamais votre mot de passe, ni par téléphone ni par courriel.",
		EN: "We will never ask you for your password, by phone or by e-mail."}
)

// layout wraps a page's content, in lang, with the header, the single
// <main> and the footer every page shares. The header holds the language
// toggle and ends with the update prompt and the offline banner
// (app/offline): live regions, empty until they have something to say.
func layout(lang string, content ...app.UI) app.UI {
	return app.Div().Class("page").Body(
		app.Header().Class("site-header").Body(
			app.Div().Class("inner").Body(
				app.A().Class("brand").Href("/").Text(siteName),
				&locale.Toggle{Lang: lang},
			),
			app.Div().Class("app-notices").Body(&offline.UpdatePrompt{Lang: lang}, &offline.Banner{Lang: lang}),
		),
		app.Main().ID("contenu").Class("site-main").Body(content...),
		app.Footer().Class("site-footer").Body(
			app.Div().Class("inner").Body(
				app.P().Text(footerAbout.In(lang)),
				app.P().Text(footerNever.In(lang)),
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
	firstLoad = false
	app.Window().Get("document").Get("body").Call("setAttribute", "data-app-ready", "")
}

// titleID is the id of every screen's <h1>. It takes focus (tabindex -1)
// when a screen changes state without a navigation, so a screen reader
// starts reading the new state.
const titleID = "page-title"

// title is a screen's <h1>.
func title(s string) app.UI {
	return app.H1().ID(titleID).TabIndex(-1).Text(s)
}

// focus moves the keyboard focus to the element with the given id once the
// screen has been updated. Browser only.
func focus(ctx app.Context, id string) {
	if !app.IsClient {
		return
	}
	ctx.Defer(func(app.Context) {
		if el := app.Window().GetElementByID(id); el.Truthy() {
			el.Call("focus")
		}
	})
}

// dispatchOn runs fn on the UI goroutine with c's own context, then
// re-renders c. An event's context belongs to the element that received
// it, and a re-render may replace that element (a row's « Supprimer »
// becomes a password form): whatever was deferred on it — a focus, a
// navigation — would then never run. Deferred on the component, it does.
func dispatchOn(ctx app.Context, c app.Composer, fn func(app.Context)) {
	ctx.Dispatcher().Dispatch(app.Dispatch{Mode: app.Update, Source: c, Function: fn})
}

// screenTitle is the document title of a portal's screen, in lang.
func screenTitle(screen text, portalName, lang string) string {
	if portalName == "" {
		return screen.In(lang) + " — " + siteName
	}
	return screen.In(lang) + " — " + portalName
}
