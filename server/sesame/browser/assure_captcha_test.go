//go:build sesame_testhooks

package browser

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"
)

// captchaAnswer reads the challenge the page shows (data-challenge) and
// asks the server for its answer (a test-only hook).
func (e *env) captchaAnswer() (id, answer string) {
	e.t.Helper()
	e.waitJS(`document.querySelector("#captcha[data-state=ready]")`, "a captcha challenge")
	id = eval[string](e, `document.querySelector("#captcha").dataset.challenge`)
	answer, err := e.Srv.Captcha.Peek(context.Background(), id)
	if err != nil {
		e.t.Fatalf("peek captcha %s: %v", id, err)
	}
	return id, answer
}

// The assure forgotten-password journey of seed 001 with the captcha on:
// a wrong answer draws a new series, the right one sends the mail to the
// masked address, the link sets a new password, which then signs in.
func TestAssureForgotPassword(t *testing.T) {
	needScreens(t, assureSignIn, assureForgot, assureReset, assureAccount)
	e := newEnv(t, WithEnv("SESAME_CAPTCHA", "on"))
	e.importAssure(true)

	e.fillAssureForgot()
	first, answer := e.captchaAnswer()
	if img := eval[string](e, `document.querySelector("#captcha-image").getAttribute("alt")`); img != "Caractères à recopier" {
		t.Errorf("the captcha image's alt is %q", img)
	}
	if ok := eval[bool](e, `document.querySelector("#captcha-image").naturalWidth > 0`); !ok {
		t.Error("the captcha image did not load")
	}
	audio := eval[string](e, `document.querySelector("#captcha-audio").getAttribute("src")`)
	if st := eval[int](e, `fetch(`+"`"+audio+"`"+`).then(r => r.ok && r.headers.get("Content-Type").includes("wav") ? 200 : r.status)`); st != 200 {
		t.Errorf("the captcha's audio %s: %d", audio, st)
	}
	e.click("#captcha-listen") // the microphone plays it
	e.a11y("assure-forgot-captcha")

	// A wrong answer: refused, a new series, the answer emptied.
	wrong := []byte(answer)
	wrong[0] = '0' + (wrong[0]-'0'+1)%10
	e.typeInto("#captcha-answer", string(wrong))
	e.click("#submit")
	e.waitJS(`document.querySelector("#captcha-answer-error") && document.querySelector("#captcha[data-state=ready]") && document.querySelector("#captcha").dataset.challenge !== "`+first+`"`, "a new series after a wrong answer")
	if v := get(e, chromedp.Value(chromedp.CSS("#captcha-answer"))); v != "" {
		t.Errorf("the wrong answer stays in the field: %q", v)
	}
	e.a11y("assure-forgot-captcha-wrong")

	// The arrow draws another series.
	second := eval[string](e, `document.querySelector("#captcha").dataset.challenge`)
	e.click("#captcha-refresh")
	e.waitJS(`document.querySelector("#captcha[data-state=ready]") && document.querySelector("#captcha").dataset.challenge !== "`+second+`"`, "a new series from the arrow")

	_, answer = e.captchaAnswer()
	e.typeInto("#captcha-answer", answer)
	e.click("#submit")
	e.waitJS(`document.querySelector("#forgot[data-state=sent]")`, "« Le mail a bien été envoyé »")
	e.waitText("Le mail a bien été envoyé à " + maskedOf(assureEmail))
	if got := get(e, chromedp.Text(chromedp.CSS("#masked-email"))); got != maskedOf(assureEmail) {
		t.Errorf("masked address %q, want %q", got, maskedOf(assureEmail))
	}
	e.waitText("Merci de contacter votre caisse au 3646.")
	e.click("#mail-help-summary")
	e.waitText("Votre compte ameli – renouveler mon mot de passe")
	e.a11y("assure-forgot-sent")

	e.resetAssure()
	e.signInAssure(assureNew)
	e.a11y("assure-account")
	e.noConsoleErrors(unprocessable422)
}
