//go:build sesame_testhooks

package browser

import (
	"testing"

	"github.com/chromedp/chromedp"
)

// waitChallenge waits until the « Anti-Robot » widget shows a challenge
// other than old, and returns its id (the widget's data-challenge).
func (e *env) waitChallenge(old string) string {
	e.t.Helper()
	e.waitJS(`(c => c && c.dataset.state === "ready" && c.dataset.challenge && c.dataset.challenge !== `+quote(old)+`)(document.querySelector("#anti-robot #captcha"))`,
		"a new Anti-Robot challenge")
	return eval[string](e, `document.querySelector("#captcha").dataset.challenge`)
}

func quote(s string) string { return `"` + s + `"` }

// Signing in with the « Anti-Robot » challenge on (the adherent portal asks
// it at every sign-in): shown from the start; a wrong answer is refused
// and a new challenge drawn; the right one (read through the test hook)
// signs in.
func TestAdherentSignInCaptcha(t *testing.T) {
	needScreens(t, adherentSignIn, adherentAccount)
	e := newEnv(t, WithEnv("SESAME_CAPTCHA", "on"))
	if e.Srv.Captcha == nil {
		t.Fatal("SESAME_CAPTCHA=on but the server has no captcha service")
	}
	old := adherentOldPw
	e.importAdherent(adherentNumber, adherentEmail, &old)

	e.open(adherentSignIn)
	first := e.waitChallenge("")
	e.waitText("Anti-Robot")
	e.adherentCheck("signin-captcha")

	// Without the answer: the form says so and sends nothing.
	e.typeInto("#member-number", adherentNumber)
	e.typeInto("#password", adherentOldPw)
	e.click("#submit")
	e.waitJS(`document.querySelector("#captcha-answer-error")`, "the missing answer's error")
	if n := e.served("/api/v1/portals/adherent/session", 422); n != 0 {
		t.Errorf("an empty answer reached the server")
	}
	e.adherentCheck("signin-captcha-missing")

	answer, err := e.Srv.Captcha.Peek(t.Context(), first)
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	wrong := []byte(answer)
	wrong[0] = '0' + (wrong[0]-'0'+1)%10
	e.typeInto("#captcha-answer", string(wrong))
	e.click("#submit")
	e.waitJS(`document.querySelector("#captcha-answer-error")?.innerText.includes("ne correspondent pas")`, "the wrong answer's message")
	if n := e.served("/api/v1/portals/adherent/session", 422); n != 1 {
		t.Errorf("the server answered the wrong answer %d times with 422, want 1", n)
	}
	second := e.waitChallenge(first)
	if v := get(e, chromedp.Value(chromedp.CSS("#captcha-answer"))); v != "" {
		t.Errorf("the spent answer stays in the field: %q", v)
	}
	e.adherentCheck("signin-captcha-wrong")

	answer, err = e.Srv.Captcha.Peek(t.Context(), second)
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	e.typeInto("#captcha-answer", answer)
	e.click("#submit")
	e.waitPath(adherentAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the signed-in account screen")
	e.waitText(adherentNumber)
	e.noConsoleErrors(adherentAllowed)
}
