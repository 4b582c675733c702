package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
	"github.com/chromedp/chromedp/kb"
)

// toggleText is the language toggle's text, trimmed.
func (e *env) toggleText() string {
	e.t.Helper()
	return eval[string](e, `document.querySelector("#lang-toggle")?.innerText.trim() ?? ""`)
}

// waitLang waits until <html lang> is lang.
func (e *env) waitLang(lang string) {
	e.t.Helper()
	e.waitJS(`document.documentElement.lang === "`+lang+`"`, `<html lang="`+lang+`">`)
}

// English on a toggle: a French page offers « English »; a click switches
// the screen at once (no reload, the form keeps what was typed), the
// request goes in English and so does the mail; the choice survives a
// reload and holds on the next screen; « Français » switches back, by
// keyboard too; and a ?lang=en
// link (the toggle's href, before the app has loaded) opens in English.
func TestEnglish(t *testing.T) {
	needScreens(t, employeurForgot, employeurSignIn)
	if skipReason == "" {
		axeScript(t) // skip or fail before starting anything
	}
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)

	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#forgot[data-state=form] #email")`, "the forgotten-password form")
	e.waitLang("fr")
	if got := e.toggleText(); got != "English" {
		t.Fatalf("a French page's toggle says %q, want English", got)
	}
	for attr, want := range map[string]string{"hreflang": "en", "lang": "en", "href": "?lang=en"} {
		if got := eval[string](e, `document.querySelector("#lang-toggle").getAttribute("`+attr+`")`); got != want {
			t.Errorf("the toggle's %s is %q, want %q", attr, got, want)
		}
	}

	// What is typed before the switch stays: no reload, no new screen.
	e.typeInto("#email", employeurEmail)
	get(e, chromedp.Evaluate[chromedp.Void](`window.sesameSameDocument = true`))
	e.click("#lang-toggle")
	e.waitLang("en")
	e.waitText("Forgotten password")
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#submit")))); got != "SEND" {
		t.Errorf("the button says %q in English, want SEND", got)
	}
	if !eval[bool](e, `window.sesameSameDocument === true`) {
		t.Error("switching the language reloaded the page")
	}
	if v := get(e, chromedp.Value(chromedp.CSS("#email"))); v != employeurEmail {
		t.Errorf("the e-mail typed before the switch is gone: %q", v)
	}
	if got := e.toggleText(); got != "Français" {
		t.Errorf("an English page's toggle says %q, want Français", got)
	}
	if title := get(e, chromedp.Title()); !strings.HasPrefix(title, "Forgotten password") {
		t.Errorf("document title %q is not in English", title)
	}
	e.screenshot("forgot-en")

	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=sent]")`, "the « Check your e-mails » screen")
	e.waitText("Check your e-mails")
	e.waitText("If the address you entered belongs to an account")
	if body := eval[string](e, `document.querySelector("main").innerText`); strings.Contains(body, "Consultez") || strings.Contains(body, "votre") {
		t.Errorf("French on the English sent screen:\n%s", body)
	}
	e.screenshot("sent-en")
	e.noHorizontalOverflow("the English sent screen")
	e.checkA11y("the English sent screen")
	if m := e.Sink.Wait(t, employeurEmail, mailTimeout); !strings.Contains(m.Subject, "password") {
		t.Errorf("the mail of an English request is not in English: %q", m.Subject)
	}

	// The choice is kept: a reload stays in English.
	e.do(chromedp.Reload())
	e.waitReady()
	e.waitLang("en")
	e.waitText("Forgotten password")
	e.waitJS(`document.querySelector("#submit")?.innerText.trim() === "SEND"`, "the English form after the reload")
	if got := e.toggleText(); got != "Français" {
		t.Errorf("after a reload the toggle says %q, want Français", got)
	}
	e.checkA11y("the English forgotten-password form")

	// The next screen speaks English from its first render.
	e.click("#back")
	e.waitPath(employeurSignIn)
	e.waitJS(`document.querySelector("#signin #submit")`, "the sign-in screen")
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#submit")))); got != "SIGN IN" {
		t.Errorf("the sign-in screen reached in English says %q, want SIGN IN", got)
	}

	// Back to French, by keyboard.
	e.do(chromedp.Focus(chromedp.CSS("#lang-toggle")), chromedp.KeyEvent(kb.Enter))
	e.waitLang("fr")
	e.waitText("SE CONNECTER")
	if got := e.toggleText(); got != "English" {
		t.Errorf("back in French the toggle says %q", got)
	}
	if focused := eval[string](e, `document.activeElement?.id ?? ""`); focused != "lang-toggle" {
		t.Errorf("the focus left the toggle for #%s", focused)
	}

	// The toggle's href, followed before the app has loaded (or opened in
	// a new tab), opens the page in English, and leaves the address clean.
	e.open(employeurSignIn + "?lang=en")
	e.waitLang("en")
	e.waitText("SIGN IN")
	e.waitJS(`location.search === ""`, "the ?lang=en parameter removed from the address")
	e.waitPath(employeurSignIn)
	e.checkA11y("the English sign-in screen")

	e.noConsoleErrors()
}
