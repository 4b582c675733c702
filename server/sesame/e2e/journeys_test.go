package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// parisMinute is how the mails write an instant: "22/11/2026 à 05h41".
func parisMinute(t testing.TB, at time.Time) string {
	t.Helper()
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return at.Truncate(time.Minute).In(paris).Format("02/01/2006 à 15h04")
}

// checkChangedMail waits for the "password changed" notice and checks it
// states the time of the change, between before and after, in Paris time.
func checkChangedMail(t testing.TB, s *sesametest.Server, to string, before, after time.Time) {
	t.Helper()
	m := s.Sink.Wait(t, to, mailWait, sesametest.Kind("password_changed"))
	if m.Subject != "Votre mot de passe a été modifié" {
		t.Errorf("subject %q", m.Subject)
	}
	a, b := parisMinute(t, before), parisMinute(t, after)
	if !strings.Contains(m.Text, "modifié le "+a+" (heure de Paris)") && !strings.Contains(m.Text, "modifié le "+b+" (heure de Paris)") {
		t.Errorf("the notice does not state the change time %q (Paris) :\n%s", a, m.Text)
	}
}

// checkSignedIn signs in with the new password and checks GET /session.
func checkSignedIn(t testing.TB, s *sesametest.Server, portal, identifier, password, wantIdentifier string) {
	t.Helper()
	b := s.Client(t)
	var got api.Session
	signIn(t, b, portal, identifier, password).Want(t, http.StatusOK).JSON(t, &got)
	var who api.Session
	b.Get(sessionPath(portal)).Want(t, http.StatusOK).JSON(t, &who)
	if who != got || who.Portal != portal || who.Identifier != wantIdentifier {
		t.Errorf("GET /session = %+v after sign-in %+v, want identifier %q", who, got, wantIdentifier)
	}
}

// TestJourneyEmployeur: e-mail → link mail (seed wording, 1 hour) → link
// checked → policy refusal with the checklist → new password → sign-in →
// notice in Paris time.
func TestJourneyEmployeur(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, employeurAccount)
	b := s.Client(t)
	email := employeurAccount.Email

	var acc api.RecoveryAccepted
	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: email}).Want(t, http.StatusAccepted).JSON(t, &acc)
	if acc != (api.RecoveryAccepted{Status: "accepted"}) {
		t.Errorf("202 body %+v, want only status accepted", acc)
	}
	m := s.Sink.Wait(t, email, mailWait)
	if want := "Réinitialiser le mot de passe de votre compte Questionnaire Risque Professionnel"; m.Subject != want {
		t.Errorf("subject %q, want %q", m.Subject, want)
	}
	if !strings.Contains(m.Text, "ce lien expirera au bout d'une heure") {
		t.Errorf("the mail does not say the link lasts an hour:\n%s", m.Text)
	}
	tok := m.Token(t, s.PublicURL+"/employeur")

	var st api.LinkStatus
	b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK).JSON(t, &st)
	approx(t, "expires_at", st.ExpiresAt, time.Now().Add(time.Hour), time.Minute)

	p := setPassword(t, b, "employeur", tok, "court").Problem(t, http.StatusUnprocessableEntity, api.CodePasswordPolicy)
	failing := map[string]bool{}
	for _, r := range p.Rules {
		if r.Label == "" {
			t.Errorf("rule %q without a label", r.ID)
		}
		if !r.OK {
			failing[r.ID] = true
		}
	}
	for _, id := range []string{"length", "digits", "special"} {
		if !failing[id] {
			t.Errorf("rule %q should fail for %q; rules: %+v", id, "court", p.Rules)
		}
	}
	mismatch := b.Post(linkPasswordPath("employeur"), api.NewPassword{Token: tok, Password: employeurNew, Confirm: employeurNew + "x"})
	mismatch.Problem(t, http.StatusUnprocessableEntity, api.CodePasswordPolicy)

	before := s.Clock.Now()
	var done api.Done
	setPassword(t, b, "employeur", tok, employeurNew).Want(t, http.StatusOK).JSON(t, &done)
	after := s.Clock.Now()

	checkSignedIn(t, s, "employeur", email, employeurNew, email)
	signIn(t, s.Client(t), "employeur", email, *employeurAccount.Password).Problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
	checkChangedMail(t, s, email, before, after)
	checkLogsClean(t, s.Logs, tok, employeurNew, *employeurAccount.Password, email)
}

// TestJourneyAssure: NIR + birth date + e-mail (captcha off) → 202 with the
// typed address masked → 30-minute link → new password → sign-in with the
// NIR.
func TestJourneyAssure(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, assureAccount)
	b := s.Client(t)

	var acc api.RecoveryAccepted
	b.Post(recoveryPath("assure"), api.RecoveryRequest{
		NIR: "1 84 12 75 123 456 40", Birthdate: assureAccount.Birthdate, Email: assureAccount.Email,
	}).Want(t, http.StatusAccepted).JSON(t, &acc)
	if acc.MaskedEmail != "t***@t***.com" {
		t.Errorf("masked_email %q, want the typed address masked (t***@t***.com)", acc.MaskedEmail)
	}
	m := s.Sink.Wait(t, assureAccount.Email, mailWait)
	if !strings.Contains(m.Text, "30 minutes") {
		t.Errorf("the mail does not say 30 minutes:\n%s", m.Text)
	}
	tok := m.Token(t, s.PublicURL+"/assure")
	var st api.LinkStatus
	b.Post(linkPath("assure"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK).JSON(t, &st)
	approx(t, "expires_at", st.ExpiresAt, time.Now().Add(30*time.Minute), time.Minute)

	// The birth date is in the policy's context words.
	setPassword(t, b, "assure", tok, "Noel1984!abc").Problem(t, http.StatusUnprocessableEntity, api.CodePasswordPolicy)

	before := s.Clock.Now()
	setPassword(t, b, "assure", tok, assureNew).Want(t, http.StatusOK)
	after := s.Clock.Now()
	checkSignedIn(t, s, "assure", "1 84 12 75 123 456 40", assureNew, "1 84 12 75 123 456 40")
	checkChangedMail(t, s, assureAccount.Email, before, after)
	checkLogsClean(t, s.Logs, tok, assureNew, assureAccount.Email, assureAccount.NIR)
}

// TestJourneyAssureNoValidatedEmail: the seed's "contactez le 36 46"
// screen, a documented deviation of the seed profile.
func TestJourneyAssureNoValidatedEmail(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, assureNoEmail)
	s.Client(t).Post(recoveryPath("assure"), api.RecoveryRequest{
		NIR: assureNoEmail.NIR, Birthdate: assureNoEmail.Birthdate, Email: "someone@example.org",
	}).Problem(t, http.StatusUnprocessableEntity, api.CodeNoValidatedEmail)
}

// TestJourneyAdherent: member number → flow (masked address, flow cookie)
// → code by mail → token → new password → sign-in. The first connection
// (an account imported without a password) is the same journey.
func TestJourneyAdherent(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name string
		acc  api.Account
		mask string
	}{
		{"forgotten", adherentAccount, "x***@e***.org"},
		{"first connection", adherentFirst, "c***@e***.org"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := sesametest.Start(t, sesametest.Options{})
			s.ImportAccounts(t, tc.acc)
			if tc.acc.Password == nil {
				signIn(t, s.Client(t), "adherent", tc.acc.MemberNumber, adherentNew).Problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
			}
			b := s.Client(t)
			r := b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: tc.acc.MemberNumber}).Want(t, http.StatusAccepted)
			var acc api.RecoveryAccepted
			r.JSON(t, &acc)
			if acc.FlowID == "" || acc.MaskedEmail != tc.mask {
				t.Fatalf("202 body %+v, want a flow id and masked_email %q", acc, tc.mask)
			}
			if len(r.Header.Values("Set-Cookie")) == 0 || b.Cookie("sesame_flow") == nil {
				t.Fatalf("no flow cookie set: %v", r.Header.Values("Set-Cookie"))
			}
			var sent api.RecoveryAccepted
			b.Post(flowPath("adherent", acc.FlowID, "send"), nil).Want(t, http.StatusAccepted).JSON(t, &sent)
			m := s.Sink.Wait(t, tc.acc.Email, mailWait)
			if m.Header.Get("X-Sesame-Kind") != "reset_code" {
				t.Errorf("mail kind %q, want reset_code", m.Header.Get("X-Sesame-Kind"))
			}
			code := mailCode(t, m)
			var ca api.CodeAccepted
			b.Post(flowPath("adherent", acc.FlowID, "code"), api.CodeSubmit{Code: code}).Want(t, http.StatusOK).JSON(t, &ca)
			if ca.Token == "" {
				t.Fatal("no token for a right code")
			}
			b.Post(linkPath("adherent"), api.LinkCheck{Token: ca.Token}).Want(t, http.StatusOK)
			before := s.Clock.Now()
			setPassword(t, b, "adherent", ca.Token, adherentNew).Want(t, http.StatusOK)
			after := s.Clock.Now()
			checkSignedIn(t, s, "adherent", tc.acc.MemberNumber, adherentNew, tc.acc.MemberNumber)
			checkChangedMail(t, s, tc.acc.Email, before, after)
			checkLogsClean(t, s.Logs, code, ca.Token, adherentNew, tc.acc.Email)
		})
	}
}

// TestStrictProfile: the strict profile drops the seed's deviations (no
// "contactez le 36 46" screen: the same 202 as any other answer) and
// applies the standards policy.
func TestStrictProfile(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{"SESAME_PROFILE": "strict"}})
	acct := assureAccount
	acct.Password = nil
	s.ImportAccounts(t, assureNoEmail, acct)
	b := s.Client(t)
	var acc api.RecoveryAccepted
	b.Post(recoveryPath("assure"), api.RecoveryRequest{
		NIR: assureNoEmail.NIR, Birthdate: assureNoEmail.Birthdate, Email: "someone@example.org",
	}).Want(t, http.StatusAccepted).JSON(t, &acc)
	if acc != (api.RecoveryAccepted{Status: "accepted", MaskedEmail: "s***@e***.org"}) {
		t.Errorf("202 body %+v", acc)
	}
	b.Post(recoveryPath("assure"), api.RecoveryRequest{NIR: acct.NIR, Birthdate: acct.Birthdate, Email: acct.Email}).Want(t, http.StatusAccepted)
	tok := s.Sink.Wait(t, acct.Email, mailWait).Token(t, s.PublicURL+"/assure")
	// Seed rules are gone: no upper case or digit needed, but 12 characters are.
	p := setPassword(t, b, "assure", tok, "Court7!a").Problem(t, http.StatusUnprocessableEntity, api.CodePasswordPolicy)
	for _, r := range p.Rules {
		if r.ID == "latin_case" || r.ID == "digit_or_special" {
			t.Errorf("strict profile still checks the seed rule %q", r.ID)
		}
	}
	setPassword(t, b, "assure", tok, "une phrase de passe assez longue").Want(t, http.StatusOK)
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.Count("someone@example.org"); n != 0 {
		t.Errorf("%d mails to the address typed for an account without one", n)
	}
}
