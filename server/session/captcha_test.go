//go:build sesame_testhooks

package session_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// solve asks a challenge and reads its answer through the test hook.
func solve(t testing.TB, e *sesametest.Server) (id, answer string) {
	t.Helper()
	r := e.Call(t, "POST", api.Prefix+"/captcha", struct{}{})
	if r.Status != http.StatusCreated {
		t.Fatalf("captcha: %d %s", r.Status, r.Body)
	}
	var c api.CaptchaChallenge
	if err := json.Unmarshal(r.Body, &c); err != nil {
		t.Fatal(err)
	}
	answer, err := e.Srv.Captcha.Peek(context.Background(), c.ID)
	if err != nil {
		t.Fatal(err)
	}
	return c.ID, answer
}

func tryWith(t testing.TB, e *sesametest.Server, portal, identifier, password, captchaID, answer string) sesametest.Reply {
	t.Helper()
	return e.Call(t, "POST", sessionPath(portal), api.SignIn{Identifier: identifier, Password: password, CaptchaID: captchaID, CaptchaAnswer: answer})
}

func TestCaptchaAfterThreeFailures(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_CAPTCHA": "on"}})
	e.ImportAccounts(t, demoAccounts()...)
	unknown := sesametest.NIR("2850631555123")
	for i := 1; i <= 3; i++ {
		for _, id := range []string{assureNIR, unknown} {
			if r := try(t, e, "assure", id, "Mauvais1!"); r.Status != http.StatusUnauthorized {
				t.Fatalf("%s failure %d: %d %s", id, i, r.Status, r.Body)
			}
		}
	}
	// The fourth attempt needs the captcha, known identifier or not, and
	// even with the right password.
	known := try(t, e, "assure", assureNIR, assurePass)
	other := try(t, e, "assure", unknown, assurePass)
	if known.Status != http.StatusUnprocessableEntity || known.AnyProblem(t).Code != api.CodeCaptchaRequired {
		t.Fatalf("4th attempt: %d %s, want 422 captcha_required", known.Status, known.Body)
	}
	if other.Status != known.Status || !bytes.Equal(other.Body, known.Body) {
		t.Fatalf("unknown identifier answers differently: %s / %s", other.Body, known.Body)
	}
	// A wrong answer is refused, and the challenge is spent.
	id, answer := solve(t, e)
	wrong := "000000"
	if answer == wrong {
		wrong = "111111"
	}
	if r := tryWith(t, e, "assure", assureNIR, assurePass, id, wrong); r.Status != http.StatusUnprocessableEntity || r.AnyProblem(t).Code != api.CodeCaptchaInvalid {
		t.Fatalf("wrong captcha: %d %s", r.Status, r.Body)
	}
	if r := tryWith(t, e, "assure", assureNIR, assurePass, id, answer); r.Status != http.StatusUnprocessableEntity || r.AnyProblem(t).Code != api.CodeCaptchaInvalid {
		t.Fatalf("reused captcha: %d %s", r.Status, r.Body)
	}
	// A solved captcha with a wrong password: a failure, and the delay.
	id, answer = solve(t, e)
	if r := tryWith(t, e, "assure", assureNIR, "Mauvais1!", id, answer); r.Status != http.StatusUnauthorized {
		t.Fatalf("captcha + wrong password: %d %s", r.Status, r.Body)
	}
	id, answer = solve(t, e)
	if r := tryWith(t, e, "assure", assureNIR, assurePass, id, answer); r.Status != http.StatusTooManyRequests {
		t.Fatalf("within the delay: %d %s", r.Status, r.Body)
	}
	// The delay check did not spend the challenge.
	e.Clock.Advance(time.Second)
	if r := tryWith(t, e, "assure", assureNIR, assurePass, id, answer); r.Status != http.StatusOK {
		t.Fatalf("captcha + right password: %d %s", r.Status, r.Body)
	}
	// Cleared: no captcha next time.
	e.SignIn(t, "assure", assureNIR, assurePass)
}

// Adherent's sign-in always has its "Anti-Robot" challenge when captchas
// are on; the other portals ask none before failures.
func TestAdherentSignInAlwaysAsksCaptcha(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_CAPTCHA": "on"}})
	e.ImportAccounts(t, demoAccounts()...)
	r := try(t, e, "adherent", memberNo, memberPass)
	if r.Status != http.StatusUnprocessableEntity || r.AnyProblem(t).Code != api.CodeCaptchaRequired {
		t.Fatalf("adherent without captcha: %d %s", r.Status, r.Body)
	}
	unknown := try(t, e, "adherent", "888888", memberPass)
	if unknown.Status != r.Status || !bytes.Equal(unknown.Body, r.Body) {
		t.Fatalf("unknown member answers differently: %s", unknown.Body)
	}
	id, answer := solve(t, e)
	r = tryWith(t, e, "adherent", memberNo, memberPass, id, answer)
	if r.Status != http.StatusOK {
		t.Fatalf("adherent with captcha: %d %s", r.Status, r.Body)
	}
	e.SignIn(t, "employeur", employMail, employPass) // no captcha there
}

// With captchas off, the adherent sign-in asks none and the failures only
// cost time.
func TestCaptchaOff(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, demoAccounts()...)
	e.SignIn(t, "adherent", memberNo, memberPass)
	for range 3 {
		try(t, e, "adherent", memberNo, "x")
	}
	if r := try(t, e, "adherent", memberNo, "x"); r.Status != http.StatusUnauthorized {
		t.Fatalf("4th failure with captchas off: %d %s", r.Status, r.Body)
	}
}
