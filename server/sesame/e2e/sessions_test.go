package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestResetEndsEverything: a reset ends every session of the account and
// kills every other outstanding token and code.
func TestResetEndsEverything(t *testing.T) {
	t.Parallel()

	t.Run("employeur", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, employeurAccount)
		email, old := employeurAccount.Email, *employeurAccount.Password
		one, two := s.Client(t), s.Client(t)
		signIn(t, one, "employeur", email, old).Want(t, http.StatusOK)
		signIn(t, two, "employeur", email, old).Want(t, http.StatusOK)
		one.Get(sessionPath("employeur")).Want(t, http.StatusOK)
		two.Get(sessionPath("employeur")).Want(t, http.StatusOK)

		first := employeurLink(t, s, one, email)
		second := employeurLink(t, s, one, email)
		setPassword(t, s.Client(t), "employeur", second, employeurNew).Want(t, http.StatusOK)

		one.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		two.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		one.Post(linkPath("employeur"), api.LinkCheck{Token: first}).Problem(t, http.StatusGone, api.CodeLinkSuperseded)
		one.Post(linkPath("employeur"), api.LinkCheck{Token: second}).Problem(t, http.StatusGone, api.CodeLinkUsed)
		signIn(t, one, "employeur", email, old).Problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
	})

	t.Run("adherent", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, adherentAccount)
		acct, old := adherentAccount, *adherentAccount.Password
		one, two := s.Client(t), s.Client(t)
		signIn(t, one, "adherent", acct.MemberNumber, old).Want(t, http.StatusOK)
		signIn(t, two, "adherent", acct.MemberNumber, old).Want(t, http.StatusOK)

		// A token from a right code, not used yet.
		tokFlow, tokCode := adherentFlow(t, s, one, acct.MemberNumber, acct.Email)
		var pending api.CodeAccepted
		one.Post(flowPath("adherent", tokFlow, "code"), api.CodeSubmit{Code: tokCode}).Want(t, http.StatusOK).JSON(t, &pending)
		// The newest flow gives the token that resets.
		reset := s.Client(t)
		flow, code := adherentFlow(t, s, reset, acct.MemberNumber, acct.Email)
		var ca api.CodeAccepted
		reset.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Want(t, http.StatusOK).JSON(t, &ca)
		// A code sent after that token, still outstanding at the reset.
		late := s.Client(t)
		lateFlow, lateCode := adherentFlow(t, s, late, acct.MemberNumber, acct.Email)

		setPassword(t, reset, "adherent", ca.Token, adherentNew).Want(t, http.StatusOK)

		one.Get(sessionPath("adherent")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		two.Get(sessionPath("adherent")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		one.Post(linkPath("adherent"), api.LinkCheck{Token: pending.Token}).Problem(t, http.StatusGone, api.CodeLinkSuperseded)
		r := late.Post(flowPath("adherent", lateFlow, "code"), api.CodeSubmit{Code: lateCode})
		if r.Status == http.StatusOK {
			t.Fatalf("a code sent before the reset still gives a reset token after it: %s", r.Body)
		}
		if p := r.AnyProblem(t); r.Status != http.StatusGone || p.Code != api.CodeCodeDead && p.Code != api.CodeFlowInvalid {
			t.Errorf("code outstanding at the reset: %d %s, want 410 code_dead or flow_invalid", r.Status, p.Code)
		}
	})
}

// TestSessionLifetime: a session ends after 30 idle minutes, is refreshed by
// use, ends at its absolute deadline, belongs to one portal, and a session
// id planted before sign-in is replaced.
func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, employeurAccount)
	email, pw := employeurAccount.Email, *employeurAccount.Password

	idle := s.Client(t)
	signIn(t, idle, "employeur", email, pw).Want(t, http.StatusOK)
	idle.Get(sessionPath("assure")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	s.Clock.Advance(25 * time.Minute)
	idle.Get(sessionPath("employeur")).Want(t, http.StatusOK) // refreshes
	s.Clock.Advance(25 * time.Minute)
	idle.Get(sessionPath("employeur")).Want(t, http.StatusOK)
	s.Clock.Advance(31 * time.Minute)
	idle.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)

	busy := s.Client(t)
	busy.SetCookie(&http.Cookie{Name: "sesame_session", Value: "planted-by-an-attacker-0000000000000000000", Path: "/"})
	signIn(t, busy, "employeur", email, pw).Want(t, http.StatusOK)
	if c := busy.Cookie("sesame_session"); c == nil || c.Value == "planted-by-an-attacker-0000000000000000000" {
		t.Errorf("the planted session id survived sign-in: %v", c)
	}
	for range 12 * 60 / 20 {
		s.Clock.Advance(20 * time.Minute)
		if r := busy.Get(sessionPath("employeur")); r.Status != http.StatusOK {
			break
		}
	}
	busy.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
}

// TestPasswordNormalisation: a password set in one Unicode form signs in
// typed in the other (NFC on both sides).
func TestPasswordNormalisation(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	b := s.Client(t)
	tok := employeurLink(t, s, b, employeurAccount.Email)
	decomposed := "Cre\u0300me12!bru\u0302le\u0301e" // NFD
	composed := "Cr\u00e8me12!br\u00fbl\u00e9e"      // NFC
	setPassword(t, b, "employeur", tok, decomposed).Want(t, http.StatusOK)
	signIn(t, b, "employeur", employeurAccount.Email, composed).Want(t, http.StatusOK)
	// A huge password is refused without being hashed.
	r := signIn(t, s.Client(t), "employeur", employeurAccount.Email, strings.Repeat("x", 12<<10))
	r.Problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
	if r.Took > time.Second {
		t.Errorf("a 12 KB password took %s", r.Took)
	}
}
