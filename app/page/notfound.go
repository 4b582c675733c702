package page

import "github.com/maxence-charriere/go-app/v9/pkg/app"

// NotFoundTitle is the not-found page's <h1>.
const NotFoundTitle = "Page introuvable"

// NotFound is shown for every path no page claims. The server answers it
// with status 404.
type NotFound struct {
	app.Compo
}

// OnPreRender runs on the server only.
func (n *NotFound) OnPreRender(ctx app.Context) { setTitle(ctx, NotFoundTitle+" — "+siteName) }

// OnNav runs in the browser only.
func (n *NotFound) OnNav(ctx app.Context) { setTitle(ctx, NotFoundTitle+" — "+siteName) }

// OnMount runs in the browser only.
func (n *NotFound) OnMount(ctx app.Context) { markReady() }

// Render runs on both sides.
func (n *NotFound) Render() app.UI {
	return layout(
		app.H1().Text(NotFoundTitle),
		app.P().Text("L’adresse demandée n’existe pas ou a changé."),
		app.P().Body(
			app.A().Class("btn btn-primary").Href("/").Text("Retour à l’accueil"),
		),
	)
}
