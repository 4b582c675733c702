package browser

import (
	"encoding/json"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/chromedp"

	"sesame/app/page"
	"sesame/shared/api"
	"sesame/shared/policy"
)

// An employeur account of the tests.
const (
	employeurEmail = "claire.martin@entreprise.test"
	oldPassword    = "Ancien#Mot2Passe9"
	// newPassword reaches 8 characters at "Lune9Ven", its 2nd digit at
	// "Lune9Vent3" and its special character at "Lune9Vent3!".
	newPassword = "Lune9Vent3!Ciel"
)

// Screens of the employeur portal.
const (
	employeurSignIn  = "/employeur/connexion"
	employeurForgot  = "/employeur/mot-de-passe-oublie"
	employeurReset   = "/employeur/mot-de-passe/reinitialisation"
	employeurAccount = "/employeur/mes-informations"
)

// needScreens skips the test when the app does not have these pages yet.
func needScreens(t *testing.T, paths ...string) {
	t.Helper()
	for _, p := range paths {
		if !page.Exists(p) {
			t.Skipf("the app has no page %s yet", p)
		}
	}
}

// gone410 is how Chromium logs the expected 410 of a used link.
var gone410 = regexp.MustCompile(`status of 410`)

// importEmployeur creates the employeur account with a password.
func (e *env) importEmployeur(email, password string) {
	e.t.Helper()
	pw := password
	e.ImportAccounts(e.t, api.Account{Portal: "employeur", Email: email, EmailVerified: true, Password: &pw})
}

// requestReset fills « Mot de passe oublié » and waits for « Consultez vos
// emails ». check, when given, runs on each of the two screens.
func (e *env) requestReset(email string, check func(state string)) {
	e.t.Helper()
	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#forgot[data-state=form] #email")`, "the forgotten-password form")
	if check != nil {
		check("forgot")
	}
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#submit")))); got != "ENVOYER" {
		e.t.Errorf("the forgotten-password button says %q, want ENVOYER", got)
	}
	e.typeInto("#email", email)
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=sent]")`, "the « Consultez vos emails » screen")
	e.waitText("Consultez vos emails")
	if check != nil {
		check("sent")
	}
}

// openLink opens a reset link (with its #token) as a mail client would: a
// new page load. (From the reset page itself, the link would only change
// the fragment: a same-document navigation that go-app v9 treats as an
// in-page anchor, so the screen would not see the new token.)
func (e *env) openLink(link string) {
	e.t.Helper()
	e.do(chromedp.Navigate("about:blank"), chromedp.Navigate(link))
	e.waitReady()
	e.waitJS(`document.querySelector("#reset:not([data-state=checking])")`, "the reset link's check")
}

// resetState is the reset screen's data-state.
func (e *env) resetState() string {
	return eval[string](e, `document.querySelector("#reset")?.dataset.state ?? ""`)
}

// checklist returns the live checklist: rule id → data-ok.
func (e *env) checklist() map[string]bool {
	return eval[map[string]bool](e, `Object.fromEntries([...document.querySelectorAll("#checklist li[data-rule]")].map(li => [li.dataset.rule, li.dataset.ok === "true"]))`)
}

// waitChecklist waits until every rule of want shows its data-ok.
func (e *env) waitChecklist(want map[string]bool, when string) {
	e.t.Helper()
	b, _ := json.Marshal(want)
	expr := `Object.entries(` + string(b) + `).every(([id, ok]) => {
		const li = document.querySelector("#checklist li[data-rule='" + id + "']");
		return li && li.dataset.ok === String(ok);
	})`
	ok := false
	for range 60 { // 60 × 50 ms: the checklist follows each key at once
		if ok = eval[bool](e, expr); ok {
			break
		}
		get(e, chromedp.Sleep(50e6))
	}
	if !ok {
		e.t.Fatalf("checklist %s: want %v, the page shows %v", when, want, e.checklist())
	}
}

// employeurRules is what the checklist must show for a partly typed
// password: seed 000's three rules.
func employeurRules(pw string) map[string]bool {
	n, digits, specials := 0, 0, 0
	for _, r := range pw {
		n++
		if unicode.IsDigit(r) {
			digits++
		}
		if strings.ContainsRune(policy.EmployeurSpecials, r) {
			specials++
		}
	}
	return map[string]bool{"length": n >= 8, "digits": digits >= 2, "special": specials >= 1}
}

// signIn signs in on the employeur sign-in screen and waits for « Mes
// informations ».
func (e *env) signIn(email, password string, check func(state string)) {
	e.t.Helper()
	e.open(employeurSignIn)
	if check != nil {
		check("signin")
	}
	e.typeInto("#email", email)
	e.typeInto("#password", password)
	e.click("#submit")
	e.waitPath(employeurAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the signed-in account screen")
}

// The employeur's forgotten-password journey, end to end: request, mail,
// link, live checklist, new password, sign-in; the used link then shows
// the 410 screen, which leads back to the start.
func TestEmployeurForgotPassword(t *testing.T) {
	needScreens(t, employeurSignIn, employeurForgot, employeurReset, employeurAccount)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)

	e.requestReset(employeurEmail, func(state string) { e.screenshot(state) })
	m := e.Sink.Wait(t, employeurEmail, mailTimeout)
	link := m.Link(t, e.URL+"/employeur")
	if !strings.HasPrefix(link, e.URL+employeurReset+"#") {
		t.Fatalf("the mail's link %q does not open %s#<token>", link, employeurReset)
	}

	e.openLink(link)
	if s := e.resetState(); s != "form" {
		t.Fatalf("a fresh link shows the reset screen in state %q, want form", s)
	}
	if loc := e.location(); strings.Contains(loc, "#") {
		t.Errorf("the token stays in the address bar: %s", loc)
	}
	e.screenshot("reset-empty")

	// One key at a time: the checklist follows every character.
	typed := ""
	for _, r := range newPassword {
		e.typeInto("#password", string(r))
		typed += string(r)
		e.waitChecklist(employeurRules(typed), fmt.Sprintf("after %q", typed))
		switch typed {
		case "Lune9Ve", "Lune9Vent":
			e.screenshot("reset-" + typed)
		}
	}
	if v := get(e, chromedp.Value(chromedp.CSS("#password"))); v != newPassword {
		t.Fatalf("#password holds %q after typing %q", v, newPassword)
	}
	for id, ok := range e.checklist() {
		if !ok && id != "confirm" {
			t.Errorf("rule %s is not met by %q", id, newPassword)
		}
	}
	e.typeInto("#confirm", newPassword)
	e.waitChecklist(map[string]bool{"confirm": true, "length": true, "digits": true, "special": true}, "after the confirmation")
	e.screenshot("reset-filled")
	e.click("#submit")
	e.waitJS(`document.querySelector("#reset[data-state=done]")`, "the success screen")
	e.waitText("Votre mot de passe a bien été modifié.")
	e.screenshot("done")

	e.signIn(employeurEmail, newPassword, nil)
	e.waitText(employeurEmail)
	e.screenshot("account")

	// The same link a second time: used, 410, and a way to start again.
	e.openLink(link)
	if s := e.resetState(); s != "gone" {
		t.Fatalf("a used link shows the reset screen in state %q, want gone", s)
	}
	if n := e.served("/api/v1/portals/employeur/recovery/link", 410); n == 0 {
		t.Errorf("the server never answered the used link's check with 410")
	}
	e.screenshot("link-used")
	href := get(e, chromedp.Evaluate[string](`document.querySelector("#restart")?.getAttribute("href") ?? ""`))
	if href != employeurForgot {
		t.Fatalf("the used-link screen offers no way to start again (#restart href %q, want %s)", href, employeurForgot)
	}
	e.click("#restart")
	e.waitPath(employeurForgot)
	e.waitJS(`document.querySelector("#forgot[data-state=form] #email")`, "the forgotten-password form again")

	e.noConsoleErrors(gone410)
}
