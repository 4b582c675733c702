package page

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// NotFoundTitle is the not-found page's <h1>, in French (the server checks
// it).
const NotFoundTitle = "Page introuvable"

// The not-found page's sentences.
var (
	notFoundTitle = text{FR: NotFoundTitle, EN: "Page not found"}
	notFoundText  = text{FR: "L’adresse demandée n’existe pas ou a changé.", EN: "The address you asked for does not exist or has changed."}
	notFoundHome  = text{FR: "Retour à l’accueil", EN: "Back to the home page"}
)

// NotFound is shown for every path no page claims. The server answers it
// with status 404.
type NotFound struct {
	app.Compo

	lang string
}

// OnInit runs on both sides, before the first render.
func (n *NotFound) OnInit() { n.lang = startLang(n.lang) }

// OnPreRender runs on the server only.
func (n *NotFound) OnPreRender(ctx app.Context) { n.setTitle(ctx) }

// OnNav runs in the browser only.
func (n *NotFound) OnNav(ctx app.Context) { n.setTitle(ctx) }

// OnMount runs in the browser only.
func (n *NotFound) OnMount(ctx app.Context) { mounted(ctx, &n.lang, n.setTitle, nil) }

func (n *NotFound) setTitle(ctx app.Context) {
	setTitle(ctx, notFoundTitle.In(n.lang)+" — "+siteName)
}

// Render runs on both sides.
func (n *NotFound) Render() app.UI {
	return layout(n.lang,
		app.H1().Text(notFoundTitle.In(n.lang)),
		app.P().Text(notFoundText.In(n.lang)),
		app.P().Body(
			app.A().Class("btn btn-primary").Href("/").Text(notFoundHome.In(n.lang)),
		),
	)
}
