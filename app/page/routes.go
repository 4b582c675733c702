// Package page holds Sésame's go-app pages and their routes.
//
// It is linked by both binaries: the Wasm (app/wasm) mounts the pages in the
// browser, the server (server/webui) prerenders them. Call Routes once in
// each before serving or running the app.
//
// Each screen is one component, parameterised by its portal's configuration
// (the compiled preset; the reset screen also asks the server for the
// portal's live policy). Screens own their state, call the API through the
// one client (app/client, apiIn: in the screen's language) from ctx.Async
// and come back with ctx.Dispatch. Passwords and link tokens live in the
// screens' memory only: never in browser storage, go-app state, a URL or
// the DOM's attributes.
//
// Screens speak French first, English on the header's toggle
// (app/locale): each keeps its sentences and messages as texts in both
// languages (wording.go and each screen's file), follows the chosen
// language from its OnMount (mounted), and says everything in it at each
// render. The server prerenders in French.
package page

import (
	"regexp"
	"sync"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/portal"
)

// exact lists the pages served at a fixed path.
var exact = []struct {
	path string
	c    app.Composer
}{
	{"/", &Home{}},
}

// patterns lists the pages served at paths matching a regexp, in the order
// they are tried (after every exact path). Each entry builds its screen,
// parameterised by its portal.
var patterns = []struct {
	re  *regexp.Regexp
	new func() app.Composer
}{
	{portalRoute(portal.Employeur, "connexion"), func() app.Composer { return &SignIn{Portal: portal.Employeur()} }},
	{portalRoute(portal.Employeur, "mot-de-passe-oublie"), func() app.Composer { return &Forgot{Portal: portal.Employeur()} }},
	{portalRoute(portal.Employeur, "mot-de-passe/reinitialisation"), func() app.Composer { return &Reset{Portal: portal.Employeur()} }},
	{portalRoute(portal.Employeur, "mes-informations"), func() app.Composer { return &Account{Portal: portal.Employeur()} }},
	{portalRoute(portal.Assure, "connexion"), func() app.Composer { return &AssureSignIn{Portal: portal.Assure()} }},
	{portalRoute(portal.Assure, "mot-de-passe-oublie"), func() app.Composer { return &AssureForgot{Portal: portal.Assure()} }},
	{portalRoute(portal.Assure, "mot-de-passe/reinitialisation"), func() app.Composer { return &Reset{Portal: portal.Assure()} }},
	{portalRoute(portal.Assure, "mes-informations"), func() app.Composer { return &Account{Portal: portal.Assure()} }},
	{portalRoute(portal.Assure, "mes-informations/mot-de-passe"), func() app.Composer { return &Password{Portal: portal.Assure()} }},
	{portalRoute(portal.Employeur, "mes-informations/mot-de-passe"), func() app.Composer { return &Password{Portal: portal.Employeur()} }},
	{portalRoute(portal.Adherent, "mes-informations/mot-de-passe"), func() app.Composer { return &Password{Portal: portal.Adherent()} }},
	{portalRoute(portal.Adherent, "connexion"), func() app.Composer { return &AdherentSignIn{Portal: portal.Adherent()} }},
	{portalRoute(portal.Adherent, "mot-de-passe-oublie"), func() app.Composer { return &AdherentForgot{Portal: portal.Adherent()} }},
	{portalRoute(portal.Adherent, "mes-informations"), func() app.Composer { return &Account{Portal: portal.Adherent()} }},
}

// portalRoute matches exactly /{portal}/{screen}.
func portalRoute(preset func() portal.Config, screen string) *regexp.Regexp {
	return regexp.MustCompile("^" + regexp.QuoteMeta(PortalPath(preset().ID, screen)) + "$")
}

// catchAll routes every other path to NotFound. go-app v9.8.0 ignores
// app.NotFound (the browser mounts its own English "Not Found"), so a last
// regexp route is the only way to show ours on both sides.
const catchAll = `^/`

var routesOnce sync.Once

// Routes registers every page with go-app (app.Route, app.RouteWithRegexp).
// It is idempotent: go-app keeps routes in a process-wide router, so only the
// first call registers them.
func Routes() {
	routesOnce.Do(func() {
		for _, r := range exact {
			app.Route(r.path, r.c)
		}
		for _, r := range patterns {
			app.RouteWithRegexpFunc(r.re.String(), r.new)
		}
		app.RouteWithRegexp(catchAll, &NotFound{})
	})
}

// Exists reports whether path is a real page, that is, one Routes does not
// send to NotFound. The server answers 404 for the others.
func Exists(path string) bool {
	for _, r := range exact {
		if r.path == path {
			return true
		}
	}
	for _, r := range patterns {
		if r.re.MatchString(path) {
			return true
		}
	}
	return false
}
