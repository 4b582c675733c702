package offline

import (
	"strings"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/message"
	"sesame/shared/portal"
)

// What the offline banner says, in French. BannerText is for a form whose
// request can wait for the network (Queueable); the others for a recovery
// form that needs a live captcha, and for every other screen.
const (
	BannerText        = "Vous êtes hors connexion. Vous pouvez continuer à remplir le formulaire ; votre demande sera envoyée dès le retour du réseau."
	BannerTextCaptcha = "Vous êtes hors connexion. Vous pouvez continuer à remplir le formulaire, mais la vérification anti-robot a besoin du réseau : votre demande ne pourra être envoyée qu'à son retour."
	BannerTextOther   = "Vous êtes hors connexion. Vous pouvez continuer à remplir le formulaire ; vous pourrez l'envoyer dès le retour du réseau."
	// PendingText is what a screen shows while its request waits.
	PendingText = "Demande en attente : elle sera envoyée dès le retour du réseau."
)

// The same in both languages.
var (
	bannerText        = message.Text{FR: BannerText, EN: "You are offline. You can go on filling in the form; your request will be sent as soon as the network is back."}
	bannerTextCaptcha = message.Text{FR: BannerTextCaptcha, EN: "You are offline. You can go on filling in the form, but the anti-robot check needs the network: your request can only be sent once it is back."}
	bannerTextOther   = message.Text{FR: BannerTextOther, EN: "You are offline. You can go on filling in the form; you will be able to send it as soon as the network is back."}
	// PendingWording is PendingText in both languages.
	PendingWording = message.Text{FR: PendingText, EN: "Request pending: it will be sent as soon as the network is back."}
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

	// Lang is the language it speaks: "fr" (default) or "en".
	Lang string

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
		app.P().ID("offline-banner").Class("offline-banner").Text(BannerTextFor(b.path, b.Lang)),
	)
}

// BannerTextFor is what the banner says on the page at path, in lang.
func BannerTextFor(path, lang string) string {
	return bannerFor(path).In(lang)
}

func bannerFor(path string) message.Text {
	id, screen, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	if screen != ForgotScreen {
		return bannerTextOther
	}
	p, ok := portal.Find(portal.Presets(), id)
	switch {
	case !ok:
		return bannerTextOther
	case Queueable(p):
		return bannerText
	case p.Captcha:
		return bannerTextCaptcha
	}
	return bannerTextOther
}
