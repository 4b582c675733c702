package page

import (
	"net/url"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/portal"
)

// HomeTitle is the home page's <h1> and document title, in French (the
// server's title of the app).
const HomeTitle = "Sésame — mot de passe oublié"

// The home page's sentences.
var (
	homeTitle = text{FR: HomeTitle, EN: "Sésame — forgotten password"}
	// U+00A0 before "?" and ":", as French typography wants.
	homeLead = text{
		FR: "Vous avez oublié le mot de passe de votre compte\u00a0? Choisissez votre portail\u00a0: nous vous guidons pour en définir un nouveau.",
		EN: "Forgotten the password of your account? Choose your portal: we will guide you to set a new one.",
	}
	homePortals = text{FR: "Votre portail", EN: "Your portal"}
)

// taglines are the presets' taglines in both languages (the portals'
// names are names, said as they are).
var taglines = map[string]text{
	"assure":    {FR: "Ici, vous accédez à votre compte ameli", EN: "Here you reach your ameli account"},
	"employeur": {FR: "Salarié, employeur ou témoin : votre questionnaire en ligne", EN: "Employee, employer or witness: your questionnaire online"},
	"adherent":  {FR: "Mutuelle des agents publics", EN: "The public servants' mutual"},
}

// tagline is a portal's tagline in lang: its configured one, unless it is
// the preset's, which has an English version.
func tagline(id, configured, lang string) string {
	if t, ok := taglines[id]; ok && t.FR == configured {
		return t.In(lang)
	}
	return configured
}

// Home lists the portals; each links to its sign-in screen.
type Home struct {
	app.Compo

	lang string
}

// OnInit runs on both sides, before the first render.
func (h *Home) OnInit() { h.lang = startLang(h.lang) }

// OnPreRender runs on the server only.
func (h *Home) OnPreRender(ctx app.Context) { h.setTitle(ctx) }

// OnNav runs in the browser only.
func (h *Home) OnNav(ctx app.Context) { h.setTitle(ctx) }

// OnMount runs in the browser only.
func (h *Home) OnMount(ctx app.Context) { mounted(ctx, &h.lang, h.setTitle, nil) }

func (h *Home) setTitle(ctx app.Context) { setTitle(ctx, homeTitle.In(h.lang)) }

// Render runs on both sides.
func (h *Home) Render() app.UI {
	portals := portal.Summaries()
	return layout(h.lang,
		app.H1().Text(homeTitle.In(h.lang)),
		app.P().Class("lead").Text(homeLead.In(h.lang)),
		app.Nav().Aria("labelledby", "portails-titre").Body(
			app.H2().ID("portails-titre").Text(homePortals.In(h.lang)),
			app.Ul().Class("portal-list").Body(
				app.Range(portals).Slice(func(i int) app.UI {
					p := portals[i]
					return app.Li().Body(
						app.A().Class("portal-card").Href(PortalPath(p.ID, "connexion")).Body(
							asFrench(app.Span().Class("portal-name"), h.lang).Text(p.Name),
							app.Span().Class("portal-tagline").Text(tagline(p.ID, p.Tagline, h.lang)),
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
