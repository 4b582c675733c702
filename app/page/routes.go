// Package page holds Sésame's go-app pages and their routes.
//
// It is linked by both binaries: the Wasm (app/wasm) mounts the pages in the
// browser, the server (server/webui) prerenders them. Call Routes once in
// each before serving or running the app.
package page

import (
	"regexp"
	"sync"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

// exact lists the pages served at a fixed path.
var exact = []struct {
	path string
	c    app.Composer
}{
	{"/", &Home{}},
}

// patterns lists the pages served at paths matching a regexp, in the order
// they are tried (after every exact path). None yet; the portal screens
// (/{portal}/connexion, …) will be added here.
var patterns = []struct {
	re *regexp.Regexp
	c  app.Composer
}{}

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
			app.RouteWithRegexp(r.re.String(), r.c)
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
