//go:build sesame_testhooks

package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/shared/api"
)

// solve creates a challenge and reads its answer through the test hook.
func solve(t testing.TB, s *server, b *browser) (id, answer string) {
	t.Helper()
	var ch api.CaptchaChallenge
	b.post(api.Prefix+"/captcha", nil).want(t, http.StatusCreated).json(t, &ch)
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
	s := start(t, setup{Env: map[string]string{"SESAME_CAPTCHA": "on"}})
	if s.Srv.Captcha == nil {
		t.Fatal("SESAME_CAPTCHA=on but no captcha service")
	}
	acct := assureAccount
	acct.Password = nil
	s.importAccounts(t, acct)
	b := s.browser(t)
	proof := api.RecoveryRequest{NIR: acct.NIR, Birthdate: acct.Birthdate, Email: acct.Email}

	b.post(recoveryPath("assure"), proof).problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaRequired)

	var ch api.CaptchaChallenge
	b.post(api.Prefix+"/captcha", nil).want(t, http.StatusCreated).json(t, &ch)
	approx(t, "captcha expires_at", ch.ExpiresAt, s.Clock.Now().Add(5*time.Minute), time.Minute)
	img := b.get(ch.ImageURL).want(t, http.StatusOK)
	if img.Header.Get("Content-Type") != "image/png" || len(img.Body) < 100 {
		t.Errorf("image: %q, %d bytes", img.Header.Get("Content-Type"), len(img.Body))
	}
	wav := b.get(ch.AudioURL).want(t, http.StatusOK)
	if !strings.HasPrefix(wav.Header.Get("Content-Type"), "audio/") || len(wav.Body) < 100 {
		t.Errorf("audio: %q, %d bytes", wav.Header.Get("Content-Type"), len(wav.Body))
	}
	b.get(api.Prefix+"/captcha/AAAAAAAAAAAAAAAAAAAAAA.png").problem(t, http.StatusNotFound, api.CodeNotFound)

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
	b.post(recoveryPath("assure"), wrong).problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)
	right := proof
	right.CaptchaID, right.CaptchaAnswer = ch.ID, answer
	b.post(recoveryPath("assure"), right).problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)

	// The right answer: accepted once, with the mail.
	right.CaptchaID, right.CaptchaAnswer = solve(t, s, b)
	var acc api.RecoveryAccepted
	b.post(recoveryPath("assure"), right).want(t, http.StatusAccepted).json(t, &acc)
	if acc.MaskedEmail != "t***@t***.com" {
		t.Errorf("masked_email %q", acc.MaskedEmail)
	}
	linkToken(t, s.Sink.waitMail(t, acct.Email, mailWait), "assure")
	b.post(recoveryPath("assure"), right).problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)

	// An unknown NIR with a solved captcha: the same answer, no mail.
	unknown := api.RecoveryRequest{NIR: nirWithKey("1841275999888"), Birthdate: acct.Birthdate, Email: acct.Email}
	unknown.CaptchaID, unknown.CaptchaAnswer = solve(t, s, b)
	var uacc api.RecoveryAccepted
	b.post(recoveryPath("assure"), unknown).want(t, http.StatusAccepted).json(t, &uacc)
	if uacc != acc {
		t.Errorf("unknown NIR: %+v, known: %+v", uacc, acc)
	}

	// A challenge lasts 5 minutes.
	late := proof
	late.CaptchaID, late.CaptchaAnswer = solve(t, s, b)
	s.Clock.Advance(5*time.Minute + time.Second)
	b.post(recoveryPath("assure"), late).problem(t, http.StatusUnprocessableEntity, api.CodeCaptchaInvalid)

	// The employeur recovery asks none.
	b.post(recoveryPath("employeur"), api.RecoveryRequest{Email: "x@example.fr"}).want(t, http.StatusAccepted)
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.count(""); n != 1 {
		t.Errorf("%d mails, want only the known account's", n)
	}
}
