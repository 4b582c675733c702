package page

import (
	"net/url"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/portal"
)

// HomeTitle is the home page's <h1> and document title.
const HomeTitle = "Sésame — mot de passe oublié"

// Home lists the portals; each links to its sign-in screen.
type Home struct {
	app.Compo
}

// OnPreRender runs on the server only.
func (h *Home) OnPreRender(ctx app.Context) { setTitle(ctx, HomeTitle) }

// OnNav runs in the browser only.
func (h *Home) OnNav(ctx app.Context) { setTitle(ctx, HomeTitle) }

// OnMount runs in the browser only.
func (h *Home) OnMount(ctx app.Context) { markReady() }

// Render runs on both sides.
func (h *Home) Render() app.UI {
	portals := portal.Summaries()
	return layout(
		app.H1().Text(HomeTitle),
		// U+00A0 before "?" and ":", as French typography wants.
		app.P().Class("lead").Text("Vous avez oublié le mot de passe de votre compte\u00a0? "+
			"Choisissez votre portail\u00a0: nous vous guidons pour en définir un nouveau."),
		app.Nav().Aria("labelledby", "portails-titre").Body(
			app.H2().ID("portails-titre").Text("Votre portail"),
			app.Ul().Class("portal-list").Body(
				app.Range(portals).Slice(func(i int) app.UI {
					p := portals[i]
					return app.Li().Body(
						app.A().Class("portal-card").Href(PortalPath(p.ID, "connexion")).Body(
							app.Span().Class("portal-name").Text(p.Name),
							app.Span().Class("portal-tagline").Text(p.Tagline),
						),
					)
				}),
			),
		),
	)
}

// PortalPath returns the path of a portal's screen: /{id}/{screen}.
func PortalPath(id, screen string) string {
	return "/" + url.PathEscape(id) + "/" + screen
}
