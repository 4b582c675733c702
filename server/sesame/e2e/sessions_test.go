package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/shared/api"
)

// TestResetEndsEverything: a reset ends every session of the account and
// kills every other outstanding token and code.
func TestResetEndsEverything(t *testing.T) {
	t.Parallel()

	t.Run("employeur", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, employeurAccount)
		email, old := employeurAccount.Email, *employeurAccount.Password
		one, two := s.browser(t), s.browser(t)
		signIn(t, one, "employeur", email, old).want(t, http.StatusOK)
		signIn(t, two, "employeur", email, old).want(t, http.StatusOK)
		one.get(sessionPath("employeur")).want(t, http.StatusOK)
		two.get(sessionPath("employeur")).want(t, http.StatusOK)

		first := s.employeurLink(t, one, email)
		second := s.employeurLink(t, one, email)
		setPassword(t, s.browser(t), "employeur", second, employeurNew).want(t, http.StatusOK)

		one.get(sessionPath("employeur")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		two.get(sessionPath("employeur")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		one.post(linkPath("employeur"), api.LinkCheck{Token: first}).problem(t, http.StatusGone, api.CodeLinkSuperseded)
		one.post(linkPath("employeur"), api.LinkCheck{Token: second}).problem(t, http.StatusGone, api.CodeLinkUsed)
		signIn(t, one, "employeur", email, old).problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
	})

	t.Run("adherent", func(t *testing.T) {
		t.Parallel()
		s := start(t, setup{})
		s.importAccounts(t, adherentAccount)
		acct, old := adherentAccount, *adherentAccount.Password
		one, two := s.browser(t), s.browser(t)
		signIn(t, one, "adherent", acct.MemberNumber, old).want(t, http.StatusOK)
		signIn(t, two, "adherent", acct.MemberNumber, old).want(t, http.StatusOK)

		// A token from a right code, not used yet.
		tokFlow, tokCode := s.adherentFlow(t, one, acct.MemberNumber, acct.Email)
		var pending api.CodeAccepted
		one.post(flowPath("adherent", tokFlow, "code"), api.CodeSubmit{Code: tokCode}).want(t, http.StatusOK).json(t, &pending)
		// The newest flow gives the token that resets.
		reset := s.browser(t)
		flow, code := s.adherentFlow(t, reset, acct.MemberNumber, acct.Email)
		var ca api.CodeAccepted
		reset.post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).want(t, http.StatusOK).json(t, &ca)
		// A code sent after that token, still outstanding at the reset.
		late := s.browser(t)
		lateFlow, lateCode := s.adherentFlow(t, late, acct.MemberNumber, acct.Email)

		setPassword(t, reset, "adherent", ca.Token, adherentNew).want(t, http.StatusOK)

		one.get(sessionPath("adherent")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		two.get(sessionPath("adherent")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
		one.post(linkPath("adherent"), api.LinkCheck{Token: pending.Token}).problem(t, http.StatusGone, api.CodeLinkSuperseded)
		r := late.post(flowPath("adherent", lateFlow, "code"), api.CodeSubmit{Code: lateCode})
		if r.Status == http.StatusOK {
			t.Fatalf("a code sent before the reset still gives a reset token after it: %s", r.Body)
		}
		if p := r.anyProblem(t); r.Status != http.StatusGone || p.Code != api.CodeCodeDead && p.Code != api.CodeFlowInvalid {
			t.Errorf("code outstanding at the reset: %d %s, want 410 code_dead or flow_invalid", r.Status, p.Code)
		}
	})
}

// TestSessionLifetime: a session ends after 30 idle minutes, is refreshed by
// use, ends at its absolute deadline, belongs to one portal, and a session
// id planted before sign-in is replaced.
func TestSessionLifetime(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	s.importAccounts(t, employeurAccount)
	email, pw := employeurAccount.Email, *employeurAccount.Password

	idle := s.browser(t)
	signIn(t, idle, "employeur", email, pw).want(t, http.StatusOK)
	idle.get(sessionPath("assure")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
	s.Clock.Advance(25 * time.Minute)
	idle.get(sessionPath("employeur")).want(t, http.StatusOK) // refreshes
	s.Clock.Advance(25 * time.Minute)
	idle.get(sessionPath("employeur")).want(t, http.StatusOK)
	s.Clock.Advance(31 * time.Minute)
	idle.get(sessionPath("employeur")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)

	busy := s.browser(t)
	busy.setCookie(&http.Cookie{Name: "sesame_session", Value: "planted-by-an-attacker-0000000000000000000", Path: "/"})
	signIn(t, busy, "employeur", email, pw).want(t, http.StatusOK)
	if c := busy.cookie("sesame_session"); c == nil || c.Value == "planted-by-an-attacker-0000000000000000000" {
		t.Errorf("the planted session id survived sign-in: %v", c)
	}
	for range 12 * 60 / 20 {
		s.Clock.Advance(20 * time.Minute)
		if r := busy.get(sessionPath("employeur")); r.Status != http.StatusOK {
			break
		}
	}
	busy.get(sessionPath("employeur")).problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)
}

// TestPasswordNormalisation: a password set in one Unicode form signs in
// typed in the other (NFC on both sides).
func TestPasswordNormalisation(t *testing.T) {
	t.Parallel()
	s := start(t, setup{})
	s.importAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	b := s.browser(t)
	tok := s.employeurLink(t, b, employeurAccount.Email)
	decomposed := "Cre\u0300me12!bru\u0302le\u0301e" // NFD
	composed := "Cr\u00e8me12!br\u00fbl\u00e9e"      // NFC
	setPassword(t, b, "employeur", tok, decomposed).want(t, http.StatusOK)
	signIn(t, b, "employeur", employeurAccount.Email, composed).want(t, http.StatusOK)
	// A huge password is refused without being hashed.
	r := signIn(t, s.browser(t), "employeur", employeurAccount.Email, strings.Repeat("x", 12<<10))
	r.problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
	if r.took > time.Second {
		t.Errorf("a 12 KB password took %s", r.took)
	}
}
