package browser

import (
	"net/http"
	"strings"
	"testing"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/page"
	"github.com/chromedp/chromedp"

	"sesame/shared/portal"
)

// The home page boots the Wasm app, lists every portal and logs no error.
func TestHomePage(t *testing.T) {
	e := newEnv(t)
	e.open("/")

	if n := e.served("/web/app.wasm", http.StatusOK); n == 0 {
		t.Errorf("the server never answered /web/app.wasm with 200")
	}
	fetched := eval[bool](e, `performance.getEntriesByType("resource").some(r => new URL(r.name).pathname === "/web/app.wasm")`)
	if !fetched {
		t.Errorf("the page did not fetch /web/app.wasm")
	}

	names := get(e, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".portal-list .portal-name")].map(n => n.innerText.trim())`))
	for _, p := range portal.Summaries() {
		found := false
		for _, n := range names {
			found = found || n == p.Name
		}
		if !found {
			t.Errorf("portal %q (%s) is not listed; the page lists %q", p.Name, p.ID, names)
		}
	}
	if want := len(portal.Summaries()); len(names) != want {
		t.Errorf("the page lists %d portals, want %d: %q", len(names), want, names)
	}
	// Each card leads to the portal's sign-in screen.
	hrefs := get(e, chromedp.Evaluate[[]string](`[...document.querySelectorAll(".portal-list a")].map(a => a.getAttribute("href"))`))
	for _, p := range portal.Summaries() {
		want := "/" + p.ID + "/connexion"
		if !strings.Contains(strings.Join(hrefs, " "), want) {
			t.Errorf("no link to %s on the home page (links: %q)", want, hrefs)
		}
	}
	if title := get(e, chromedp.Title()); !strings.Contains(title, "Sésame") {
		t.Errorf("document title %q does not name Sésame", title)
	}
	if lang := eval[string](e, `document.documentElement.lang`); lang != "fr" {
		t.Errorf(`<html lang=%q>, want "fr"`, lang)
	}
	e.screenshot("home")
	e.noConsoleErrors()
}

// The PWA is installable: Chromium reports no installability error once
// the service worker is ready.
func TestInstallable(t *testing.T) {
	e := newEnv(t, InDefaultProfile())
	e.open("/")
	eval[bool](e, `navigator.serviceWorker.ready.then(() => true)`)
	// Installability is assessed on the page as loaded: reload so the
	// worker controls it, as it does for any returning visitor.
	e.open("/")
	eval[bool](e, `navigator.serviceWorker.ready.then(() => true)`)
	if !eval[bool](e, `!!navigator.serviceWorker.controller`) {
		t.Errorf("after a reload, the service worker does not control the page")
	}

	res := call(e, page.GetInstallabilityErrors, cdp.Empty{})
	for _, ie := range res.InstallabilityErrors {
		var args []string
		for _, a := range ie.ErrorArguments {
			args = append(args, a.Name+"="+a.Value)
		}
		t.Errorf("installability error %s %s", ie.ErrorID, strings.Join(args, " "))
	}

	// The manifest Chromium parsed has what an install needs.
	m := call(e, page.GetAppManifest, page.GetAppManifestParams{})
	if m.URL == "" || !strings.HasSuffix(m.URL, "/manifest.webmanifest") && !strings.HasSuffix(m.URL, "/manifest.json") {
		t.Errorf("the page links no manifest (got %q)", m.URL)
	}
	for _, er := range m.Errors {
		t.Errorf("manifest error: %s (line %d, column %d, critical %d)", er.Message, er.Line, er.Column, er.Critical)
	}
	if t.Failed() {
		t.Logf("manifest %s:\n%s", m.URL, m.Data)
	}
	e.noConsoleErrors()
}
