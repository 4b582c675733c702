package browser

import (
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// A link that can no longer be used opens a screen that says why, in the
// seeds' words, and leads back to « Mot de passe oublié »: superseded by a
// newer mail, then expired once its hour has passed.
func TestLinkSupersededAndExpired(t *testing.T) {
	needScreens(t, employeurForgot, employeurReset)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)

	e.requestReset(employeurEmail, nil)
	first := e.Sink.Wait(t, employeurEmail, mailTimeout).Link(t, e.URL+"/employeur")
	e.requestReset(employeurEmail, nil)
	second := e.Sink.Wait(t, employeurEmail, mailTimeout).Link(t, e.URL+"/employeur")
	if first == second {
		t.Fatal("two requests mailed the same link")
	}

	tests := []struct {
		name, link, status, says string
		before                   func()
	}{
		{name: "superseded", link: first, says: "seul le mail le plus récent permet de renouveler votre mot de passe"},
		{name: "expired", link: second, says: "Ce lien a expiré", before: func() { e.Clock.Advance(61 * time.Minute) }},
	}
	for _, tt := range tests {
		if tt.before != nil {
			tt.before()
		}
		e.openLink(tt.link)
		if s := e.resetState(); s != "gone" {
			t.Fatalf("%s link: reset screen in state %q, want gone", tt.name, s)
		}
		e.waitText(tt.says)
		e.screenshot("link-" + tt.name)
		e.checkA11y("the " + tt.name + "-link screen")
		href := get(e, chromedp.Evaluate[string](`document.querySelector("#restart")?.getAttribute("href") ?? ""`))
		if href != employeurForgot {
			t.Fatalf("%s link: #restart href %q, want %s", tt.name, href, employeurForgot)
		}
	}
	if n := e.served("/api/v1/portals/employeur/recovery/link", 410); n < 2 {
		t.Errorf("the server answered %d link checks with 410, want 2", n)
	}
	e.click("#restart")
	e.waitPath(employeurForgot)
	e.noConsoleErrors(gone410)
}
