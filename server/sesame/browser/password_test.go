package browser

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// Seed 003, « Modifier votre mot de passe » on the assure portal: signed
// in, Mes informations → Mon mot de passe, the 4-digit code from the mail,
// then the current and new passwords with the indicative strength; success
// ends every session.
func TestAssureChangePassword(t *testing.T) {
	needScreens(t, assureSignIn, assureAccount, assurePassword)
	e := newEnv(t)
	e.importAssure(true)

	// Signed out, the screen leads to the sign-in page.
	e.open(assurePassword)
	e.waitPath(assureSignIn)

	e.signInAssure(assureOld)
	e.a11y("assure-account")
	e.waitText("Paramètres de compte")
	e.click("#password-link")
	e.waitPath(assurePassword)
	e.waitJS(`document.querySelector("#change-password[data-state=code]")`, "step 1, the code sent")
	e.waitText("Indiquez ci-dessous le code qui vous a été envoyé par mail à l'adresse suivante ?")
	if got := get(e, chromedp.Text(chromedp.CSS("#masked-email"))); got != maskedOf(assureEmail) {
		t.Errorf("step 1 shows the address %q, want %q", got, maskedOf(assureEmail))
	}
	if cur := eval[string](e, `document.querySelector("[aria-current=step]")?.id ?? ""`); cur != "step-1" {
		t.Errorf("the current step is %q, want step-1", cur)
	}
	e.a11y("assure-password-code")

	// « Renvoyer le code par mail »: a new code, the first one dies.
	e.Sink.Wait(t, assureEmail, mailTimeout)
	e.click("#resend-code")
	e.waitJS(`document.querySelector("#code-status").textContent.includes("nouveau code")`, "the resent code's status")
	code := e.Sink.Wait(t, assureEmail, mailTimeout).Code(t)
	if len(code) != 4 {
		t.Fatalf("the assure code %q has %d digits, want 4", code, len(code))
	}

	// A malformed code stays on step 1.
	e.typeInto("#code", "12")
	e.click("#confirm-code")
	e.waitJS(`document.querySelector("#code[aria-invalid=true]")`, "the malformed code's error")
	e.a11y("assure-password-code-error")
	e.clear("#code")
	e.typeInto("#code", code)
	e.click("#confirm-code")
	e.waitJS(`document.querySelector("#change-password[data-state=password] #current")`, "step 2")
	if cur := eval[string](e, `document.querySelector("[aria-current=step]")?.id ?? ""`); cur != "step-2" {
		t.Errorf("the current step is %q, want step-2", cur)
	}
	e.waitText("Votre mot de passe doit :")

	e.typeInto("#current", assureOld)
	e.typeInto("#password", assureOld)
	e.waitChecklist(map[string]bool{"differs": false}, "with the current password as the new one")
	e.clear("#password")
	e.typeInto("#password", assureNew)
	e.waitChecklist(map[string]bool{"differs": true, "length": true, "latin_case": true, "digit_or_special": true, "allowed": true}, "with the new password")
	e.waitText("Niveau indicatif de sécurité : ")
	strength := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#strength strong"))))
	if strength == "" {
		t.Error("no strength level")
	}
	e.typeInto("#confirm", assureNew)
	e.waitChecklist(map[string]bool{"confirm": true}, "with the confirmation")
	e.a11y("assure-password-new")
	e.click("#submit")
	e.waitJS(`document.querySelector("#change-password[data-state=done]")`, "the success screen")
	e.waitText("Votre nouveau mot de passe est bien enregistré ! Merci de vous reconnecter.")
	e.a11y("assure-password-done")

	// Every session ended: this browser is signed out.
	if st := eval[int](e, `fetch("/api/v1/portals/assure/session", {credentials: "same-origin"}).then(r => r.status)`); st != 401 {
		t.Errorf("GET /session after the change: %d, want 401", st)
	}
	if n := e.Sink.Count(assureEmail); n < 3 {
		t.Errorf("%d mails, want the two codes and the notification", n)
	}
	e.click("#signin-link")
	e.waitPath(assureSignIn)
	e.signInAssure(assureNew)
	e.noConsoleErrors(unauthorized401)
}

// clear empties a field without an input event: the screen's copy follows
// at the next key typed.
func (e *env) clear(selector string) {
	e.t.Helper()
	get(e, chromedp.Evaluate[chromedp.Void](`document.querySelector(`+"`"+selector+"`"+`).value = ""`))
}
