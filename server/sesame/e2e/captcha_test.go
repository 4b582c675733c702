//go:build sesame_testhooks

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// solve creates a challenge and reads its answer through the test hook.
func solve(t testing.TB, s *sesametest.Server, b *sesametest.Client) (id, answer string) {
	t.Helper()
	var ch api.CaptchaChallenge
	b.Post(api.Prefix+"/captcha", nil).Want(t, http.StatusCreated).JSON(t, &ch)
	if ch.ID == "" {
		t.Fatal("challenge without id")
	}
	answer, err := s.Srv.Captcha.Peek(t.Context(), ch.ID)
	if err != nil {
		t.Fatalf("Peek: %v", err)
	}
	return ch.ID, answer
}

// TestCaptcha: the assure recovery asks a captcha before looking at the
// identity; a challenge serves once, expires, and comes as image and audio.
func TestCaptcha(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{"SESAME_CAPTCHA": "on"}})
	if s.Srv.Captcha == nil {
		t.Fatal("SESAME_CAPTCHA=on but no captcha service")
	}
	acct := assureAccount
	acct.Password = nil
	s.ImportAccounts(t, acct)
	b := s.Client(t)
	proof := api.RecoveryRequest{NIR: acct.NIR, Birthdate: acct.Birthdate, Email: acct.Email}

	b.Post(recoveryPath("assure"), proof).Problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaRequired)

	var ch api.CaptchaChallenge
	b.Post(api.Prefix+"/captcha", nil).Want(t, http.StatusCreated).JSON(t, &ch)
	approx(t, "captcha expires_at", ch.ExpiresAt, s.Clock.Now().Add(5*time.Minute), time.Minute)
	img := b.Get(ch.ImageURL).Want(t, http.StatusOK)
	if img.Header.Get("Content-Type") != "image/png" || len(img.Body) < 100 {
		t.Errorf("image: %q, %d bytes", img.Header.Get("Content-Type"), len(img.Body))
	}
	wav := b.Get(ch.AudioURL).Want(t, http.StatusOK)
	if !strings.HasPrefix(wav.Header.Get("Content-Type"), "audio/") || len(wav.Body) < 100 {
		t.Errorf("audio: %q, %d bytes", wav.Header.Get("Content-Type"), len(wav.Body))
	}
	b.Get(api.Prefix+"/captcha/AAAAAAAAAAAAAAAAAAAAAA.png").Problem(t, http.StatusNotFound, api.CodeNotFound)

	// A wrong answer consumes the challenge.
	answer, err := s.Srv.Captcha.Peek(t.Context(), ch.ID)
	if err != nil {
		t.Fatal(err)
	}
	wrong := proof
	wrong.CaptchaID, wrong.CaptchaAnswer = ch.ID, strings.Repeat("0", len(answer))
	if wrong.CaptchaAnswer == answer {
		wrong.CaptchaAnswer = strings.Repeat("1", len(answer))
	}
	b.Post(recoveryPath("assure"), wrong).Problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)
	right := proof
	right.CaptchaID, right.CaptchaAnswer = ch.ID, answer
	b.Post(recoveryPath("assure"), right).Problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)

	// The right answer: accepted once, with the mail.
	right.CaptchaID, right.CaptchaAnswer = solve(t, s, b)
	var acc api.RecoveryAccepted
	b.Post(recoveryPath("assure"), right).Want(t, http.StatusAccepted).JSON(t, &acc)
	if acc.MaskedEmail != "t***@t***.com" {
		t.Errorf("masked_email %q", acc.MaskedEmail)
	}
	s.Sink.Wait(t, acct.Email, mailWait).Token(t, s.PublicURL+"/assure")
	b.Post(recoveryPath("assure"), right).Problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)

	// An unknown NIR with a solved captcha: the same answer, no mail.
	unknown := api.RecoveryRequest{NIR: sesametest.NIR("1841275999888"), Birthdate: acct.Birthdate, Email: acct.Email}
	unknown.CaptchaID, unknown.CaptchaAnswer = solve(t, s, b)
	var uacc api.RecoveryAccepted
	b.Post(recoveryPath("assure"), unknown).Want(t, http.StatusAccepted).JSON(t, &uacc)
	if uacc != acc {
		t.Errorf("unknown NIR: %+v, known: %+v", uacc, acc)
	}

	// A challenge lasts 5 minutes.
	late := proof
	late.CaptchaID, late.CaptchaAnswer = solve(t, s, b)
	s.Clock.Advance(5*time.Minute + time.Second)
	b.Post(recoveryPath("assure"), late).Problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)

	// The employeur recovery asks none.
	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "x@example.fr"}).Want(t, http.StatusAccepted)
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.Count(""); n != 1 {
		t.Errorf("%d mails, want only the known account's", n)
	}
}
