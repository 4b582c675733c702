package browser

import (
	"fmt"
	"regexp"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
	"sesame/shared/identity"
)

// An assure (compte ameli) account of the tests: born in March 1984, as
// its NIR says.
var (
	assureNIR = sesametest.NIR("1840375123456")
	// assureNIRTyped is the NIR as printed on the carte Vitale, with
	// spaces.
	assureNIRTyped = assureNIR[0:1] + " " + assureNIR[1:3] + " " + assureNIR[3:5] + " " + assureNIR[5:7] + " " +
		assureNIR[7:10] + " " + assureNIR[10:13] + " " + assureNIR[13:15]
)

const (
	assureBirth   = "1984-03-15"
	assureBirthFR = "15/03/1984"
	assureEmail   = "thomas.petit@exemple.test"
	assureOld     = "Soleil7Marin"
	// assureNew meets seed 001's rules and differs from assureOld.
	assureNew = "Nuage8Riviere;"
)

// Screens of the assure portal.
const (
	assureSignIn   = "/assure/connexion"
	assureForgot   = "/assure/mot-de-passe-oublie"
	assureReset    = "/assure/mot-de-passe/reinitialisation"
	assureAccount  = "/assure/mes-informations"
	assurePassword = "/assure/mes-informations/mot-de-passe"
)

// Expected 4xx answers, as Chromium logs them.
var (
	unprocessable422 = regexp.MustCompile(`status of 422`)
	tooMany429       = regexp.MustCompile(`status of 429`)
	notFound404      = regexp.MustCompile(`status of 404`) // POST /captcha with captchas off
	unauthorized401  = regexp.MustCompile(`status of 401`)
)

// importAssure creates the assure account.
func (e *env) importAssure(emailVerified bool) {
	e.t.Helper()
	pw := assureOld
	e.ImportAccounts(e.t, api.Account{
		Portal: "assure", NIR: assureNIR, Birthdate: assureBirth,
		Email: assureEmail, EmailVerified: emailVerified, Password: &pw,
	})
}

// a11y takes a screenshot, checks the phone width and runs axe.
func (e *env) a11y(name string) {
	e.t.Helper()
	where := fmt.Sprintf("%s (%s)", name, e.location())
	e.screenshot(name)
	e.noHorizontalOverflow(where)
	e.checkA11y(where)
}

// fillAssureForgot opens « Mot de passe oublié » and types the identity;
// the captcha is left to the caller.
func (e *env) fillAssureForgot() {
	e.t.Helper()
	e.open(assureForgot)
	e.waitJS(`document.querySelector("#forgot[data-state=form] #nir")`, "the assure forgotten-password form")
	e.typeInto("#nir", assureNIRTyped)
	e.typeInto("#birthdate", assureBirthFR)
	e.typeInto("#email", assureEmail)
	if msg := get(e, chromedp.Text(chromedp.CSS("#nir-error"))); msg != "" {
		e.t.Errorf("a valid NIR shows an error: %q", msg)
	}
}

// signInAssure signs in on /assure/connexion and waits for « Mes
// informations ».
func (e *env) signInAssure(password string) {
	e.t.Helper()
	e.open(assureSignIn)
	e.typeInto("#nir", assureNIRTyped)
	e.typeInto("#password", password)
	e.click("#submit")
	e.waitPath(assureAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the signed-in account screen")
}

// The NIR is checked as it is typed: a wrong key is announced at once,
// consistency with the birth date once both are there.
func TestAssureFieldsCheckedAsTyped(t *testing.T) {
	needScreens(t, assureSignIn, assureForgot)
	e := newEnv(t)
	e.open(assureSignIn)
	e.a11y("assure-signin")

	last := assureNIR[14]
	wrongKey := assureNIR[:14] + string('0'+(last-'0'+1)%10) // the key is off by one
	e.typeInto("#nir", wrongKey)
	e.waitJS(`document.querySelector("#nir[aria-invalid=true]") && document.querySelector("#nir-error[role=alert]").textContent.includes("clé")`, "the wrong key's message")
	e.a11y("assure-signin-nir-error")

	e.click("#nir-help-summary")
	e.waitText("carte Vitale")
	e.a11y("assure-signin-nir-help")

	e.open(assureForgot)
	e.typeInto("#nir", assureNIRTyped)
	e.typeInto("#birthdate", "15/04/1984")
	e.waitJS(`document.querySelector("#birthdate[aria-invalid=true]")`, "the birth date that does not match the NIR")
	e.waitText("ne correspond pas à votre numéro de sécurité sociale")
	e.a11y("assure-forgot-mismatch")
	e.noConsoleErrors(notFound404)
}

// seed 001, 3bis cas 1: an account without a validated address.
func TestAssureNoValidatedEmail(t *testing.T) {
	needScreens(t, assureForgot)
	e := newEnv(t) // captchas off: the widget steps aside
	e.importAssure(false)
	e.fillAssureForgot()
	e.waitJS(`document.querySelector("#captcha[data-state=off]")`, "the captcha to step aside (captchas off)")
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=no-email] #no-email")`, "the 3bis cas 1 screen")
	e.waitText("L'envoi d'un mail pour renouveler votre mot de passe n'est pas possible.")
	e.waitText("Merci de contacter votre caisse au 36 46.")
	e.a11y("assure-no-email")
	if n := e.Sink.Count(assureEmail); n != 0 {
		t.Errorf("%d mails went to an unvalidated address", n)
	}
	e.click("#back")
	e.waitPath(assureSignIn)
	e.noConsoleErrors(unprocessable422, notFound404)
}

// seed 001, 3bis cas 2: the second request within the hour is refused
// until a time given in Paris time.
func TestAssureBlocked(t *testing.T) {
	needScreens(t, assureForgot)
	e := newEnv(t, WithEnv("SESAME_LIMIT_RECOVERY_PER_IDENTIFIER", "1-H"))
	e.importAssure(true)

	e.fillAssureForgot()
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=sent]")`, "the first request's answer")
	e.Sink.Wait(t, assureEmail, mailTimeout)

	e.fillAssureForgot()
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=blocked] #blocked")`, "the blocked screen")
	e.waitText("Le nombre maximum de demandes de renouvellement de mot de passe a été atteint.")
	until := get(e, chromedp.Text(chromedp.CSS("#blocked-until")))
	if !regexp.MustCompile(`^Le service de renouvellement de mot de passe est bloqué jusqu'au \d\d/\d\d/\d{4} - \d\dh\d\d \(heure de Paris\)\.$`).MatchString(until) {
		t.Errorf("the blocked screen says %q", until)
	}
	e.a11y("assure-blocked")
	e.noConsoleErrors(tooMany429, notFound404)
}

// Sign in with the NIR: a wrong password says so, and after a few the
// server asks the captcha (off here: the request goes without it).
func TestAssureSignInWrongPassword(t *testing.T) {
	needScreens(t, assureSignIn, assureAccount)
	e := newEnv(t)
	e.importAssure(true)
	e.open(assureSignIn)
	e.typeInto("#nir", assureNIRTyped)
	e.typeInto("#password", "Pas9LeBon")
	e.click("#submit")
	e.waitJS(`document.querySelector("#form-error[data-code=bad_credentials]")`, "the bad-credentials message")
	e.a11y("assure-signin-401")
	e.noConsoleErrors(unauthorized401)
}

// maskedOf is what the assure screens show of the address typed.
func maskedOf(addr string) string { return identity.MaskEmail(addr) }

// resetAssure follows the mail's link and sets assureNew.
func (e *env) resetAssure() {
	e.t.Helper()
	link := e.Sink.Wait(e.t, assureEmail, mailTimeout).Link(e.t, e.URL+"/assure")
	if !strings.HasPrefix(link, e.URL+assureReset+"#") {
		e.t.Fatalf("the mail's link %q does not open %s#<token>", link, assureReset)
	}
	e.openLink(link)
	if s := e.resetState(); s != "form" {
		e.t.Fatalf("the link shows the reset screen in state %q", s)
	}
	e.waitText("Renouvellement de mot de passe")
	e.waitText("Pour maintenir la confidentialité de vos informations")
	e.waitText("Votre mot de passe doit :")
	e.a11y("assure-reset")
	e.typeInto("#password", assureNew)
	e.typeInto("#confirm", assureNew)
	e.waitChecklist(map[string]bool{"length": true, "latin_case": true, "digit_or_special": true, "allowed": true, "confirm": true}, "with the new password")
	e.a11y("assure-reset-filled")
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#submit")))); got != "Valider le nouveau mot de passe" {
		e.t.Errorf("the reset button says %q", got)
	}
	e.click("#submit")
	e.waitJS(`document.querySelector("#reset[data-state=done]")`, "the success screen")
	e.waitText("Votre nouveau mot de passe est bien enregistré.")
	e.a11y("assure-reset-done")
	e.click("#signin-link")
	e.waitPath(assureSignIn)
}
