package offline

import (
	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/message"
)

// SkipWaitingMessage is the type of the message that tells a waiting
// service worker to take over ({type: SkipWaitingMessage}); server/webui's
// worker answers it with skipWaiting().
const SkipWaitingMessage = "skip-waiting"

// What the update prompt says, in French.
const (
	UpdateTitle  = "Mise à jour disponible"
	UpdateText   = "Une nouvelle version de Sésame est prête."
	UpdateButton = "Mettre à jour"
)

// The same in both languages.
var (
	updateTitle  = message.Text{FR: UpdateTitle, EN: "Update available"}
	updateText   = message.Text{FR: UpdateText, EN: "A new version of Sésame is ready."}
	updateButton = message.Text{FR: UpdateButton, EN: "Update"}
)

// UpdatePrompt offers « Mettre à jour » when a new version of the app (a new
// service worker) is installed and waits: go-app tells every component
// (OnAppUpdate) when it finds one, and a page loaded while one already
// waits finds it at mount. The button tells the worker to take over, then
// reloads the page. Its element, #update-status (role="status"), is always
// there, empty until an update waits.
type UpdatePrompt struct {
	app.Compo

	// Lang is the language it speaks: "fr" (default) or "en".
	Lang string

	available bool
	busy      bool
}

// OnMount runs in the browser only.
func (u *UpdatePrompt) OnMount(ctx app.Context) {
	if ctx.AppUpdateAvailable() {
		u.available = true
		return
	}
	updateWaiting(func(found bool) {
		if found {
			ctx.Dispatch(func(app.Context) { u.available = true })
		}
	})
}

// OnAppUpdate runs in the browser when go-app sees a new worker installed.
func (u *UpdatePrompt) OnAppUpdate(ctx app.Context) { u.available = true }

// Available reports whether the prompt shows.
func (u *UpdatePrompt) Available() bool { return u.available }

// Render runs on both sides.
func (u *UpdatePrompt) Render() app.UI {
	region := app.Div().ID("update-status").Class("update-status").Role("status").Aria("live", "polite")
	if !u.available {
		return region
	}
	btn := app.Button().ID("update-apply").Type("button").Class("btn btn-primary").
		OnClick(u.apply).Text(updateButton.In(u.Lang))
	if u.busy {
		btn = btn.Aria("disabled", "true").Aria("busy", "true")
	}
	return region.Body(
		app.Div().ID("update-banner").Class("update-banner").Body(
			app.P().Body(
				app.Strong().Class("update-title").Text(updateTitle.In(u.Lang)),
				app.Text(" "+updateText.In(u.Lang)),
			),
			btn,
		),
	)
}

func (u *UpdatePrompt) apply(ctx app.Context, e app.Event) {
	if u.busy {
		return
	}
	u.busy = true
	applyUpdate()
}
