package offline

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/portal"
)

// What the offline banner says. BannerText is for a form whose request can
// wait for the network (Queueable); the others for a recovery form that
// needs a live captcha, and for every other screen.
const (
	BannerText        = "Vous êtes hors connexion. Vous pouvez continuer à remplir le formulaire ; votre demande sera envoyée dès le retour du réseau."
	BannerTextCaptcha = "Vous êtes hors connexion. Vous pouvez continuer à remplir le formulaire, mais la vérification anti-robot a besoin du réseau : votre demande ne pourra être envoyée qu'à son retour."
	BannerTextOther   = "Vous êtes hors connexion. Vous pouvez continuer à remplir le formulaire ; vous pourrez l'envoyer dès le retour du réseau."
	// PendingText is what a screen shows while its request waits.
	PendingText = "Demande en attente : elle sera envoyée dès le retour du réseau."
)

// ForgotScreen is the path segment of the forgotten-password screens, and
// the Screen of their drafts: a queued request, once accepted, clears its
// portal's draft of this screen.
const ForgotScreen = "mot-de-passe-oublie"

// Banner is the offline notice every page shows (page.layout renders it
// first in <main>). Its element, #offline-status (role="status"), is always
// there, empty while the network works, so that the notice is announced
// when it appears. Mounting it starts the package's network watch (Start).
type Banner struct {
	app.Compo

	offline bool
	path    string
	cancel  func()
}

// OnMount runs in the browser only.
func (b *Banner) OnMount(ctx app.Context) {
	Start()
	b.path = app.Window().URL().Path
	b.offline = !Online()
	b.cancel = Subscribe(func() {
		ctx.Dispatch(func(app.Context) { b.offline = !Online() })
	})
}

// OnNav runs in the browser only.
func (b *Banner) OnNav(ctx app.Context) { b.path = ctx.Page().URL().Path }

// OnDismount runs in the browser only.
func (b *Banner) OnDismount() {
	if b.cancel != nil {
		b.cancel()
		b.cancel = nil
	}
}

// Offline reports whether the banner shows.
func (b *Banner) Offline() bool { return b.offline }

// Render runs on both sides.
func (b *Banner) Render() app.UI {
	region := app.Div().ID("offline-status").Class("offline-status").
		Role("status").Aria("live", "polite")
	if !b.offline {
		return region
	}
	return region.Body(
		app.P().ID("offline-banner").Class("offline-banner").Text(BannerTextFor(b.path)),
	)
}

// BannerTextFor is what the banner says on the page at path.
func BannerTextFor(path string) string {
	id, screen, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if screen != ForgotScreen {
		return BannerTextOther
	}
	p, ok := portal.Find(portal.Presets(), id)
	switch {
	case !ok:
		return BannerTextOther
	case Queueable(p):
		return BannerText
	case p.Captcha:
		return BannerTextCaptcha
	}
	return BannerTextOther
}
