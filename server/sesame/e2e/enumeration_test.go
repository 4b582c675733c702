package e2e

import (
	"bytes"
	"net/http"
	"regexp"
	"slices"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// sameAnswer fails unless two answers agree in status, body and the
// headers a client could tell them apart by.
func sameAnswer(t testing.TB, what string, a, b sesametest.Reply) {
	t.Helper()
	if a.Status != b.Status || !bytes.Equal(a.Body, b.Body) {
		t.Errorf("%s: %d %s vs %d %s", what, a.Status, a.Body, b.Status, b.Body)
	}
	for _, h := range []string{"Content-Type", "Content-Length", "Cache-Control", "Set-Cookie", "Retry-After", "Content-Language"} {
		if !slices.Equal(a.Header.Values(h), b.Header.Values(h)) {
			t.Errorf("%s: header %s %q vs %q", what, h, a.Header.Values(h), b.Header.Values(h))
		}
	}
}

// TestNoEnumerationEmployeur: the same answer, byte for byte, for a known
// and an unknown address; no mail for the unknown one.
func TestNoEnumerationEmployeur(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, employeurAccount)
	b := s.Client(t)
	known := b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email})
	unknown := b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "personne@example.fr"})
	known.Want(t, http.StatusAccepted)
	sameAnswer(t, "known vs unknown e-mail", known, unknown)
	s.Sink.Wait(t, employeurAccount.Email, mailWait)
	// The unknown request was made first; give the outbox a moment anyway.
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.Count("personne@example.fr"); n != 0 {
		t.Errorf("%d mails went to the unknown address", n)
	}
	if n := s.Sink.Count(""); n != 1 {
		t.Errorf("%d mails in the sink, want 1", n)
	}
}

// TestNoEnumerationTiming: a known and an unknown address answer in the
// same time (medians of 100 requests each, alternated, within 5 ms). Not
// parallel: it runs while the parallel tests wait.
func TestNoEnumerationTiming(t *testing.T) {
	if testing.Short() {
		t.Skip("timing test")
	}
	for _, disk := range []bool{false, true} {
		name := "memory"
		if disk {
			name = "disk"
		}
		t.Run(name, func(t *testing.T) { timing(t, disk) })
	}
}

func timing(t *testing.T, disk bool) {
	dir := ""
	if disk {
		dir = t.TempDir() + "/data"
	}
	s := sesametest.Start(t, sesametest.Options{Dir: dir, Env: map[string]string{
		"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER": "100000-H",
		"SESAME_LIMIT_RECOVERY_PER_IP":         "100000-H",
	}})
	s.ImportAccounts(t, employeurAccount)
	b := s.Client(t)
	const n = 100
	var known, unknown []time.Duration
	for i := range 2 * n {
		email := "personne@example.fr"
		if i%2 == 0 {
			email = employeurAccount.Email
		}
		r := b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: email}).Want(t, http.StatusAccepted)
		if i < 10 {
			continue // warm-up
		}
		if i%2 == 0 {
			known = append(known, r.Took)
		} else {
			unknown = append(unknown, r.Took)
		}
	}
	median := func(d []time.Duration) time.Duration { slices.Sort(d); return d[len(d)/2] }
	mk, mu := median(known), median(unknown)
	t.Logf("median known %s, unknown %s", mk, mu)
	if diff := mk - mu; diff > 5*time.Millisecond || diff < -5*time.Millisecond {
		t.Errorf("median known %s vs unknown %s: more than 5 ms apart", mk, mu)
	}
}

var plausibleMask = regexp.MustCompile(`^[a-z]\*\*\*@[a-z]\*\*\*\.(com|fr|net|org)$`)

// TestNoEnumerationAdherent: an unknown member number gets a flow and a
// stable plausible mask, its "send" answers as a known one, and no mail
// leaves.
func TestNoEnumerationAdherent(t *testing.T) {
	t.Parallel()
	acct := adherentAccount
	acct.Password = nil
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, acct)
	const unknownNumber = "55555555"

	start := func(number string) (sesametest.Reply, api.RecoveryAccepted, *sesametest.Client) {
		b := s.Client(t)
		r := b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: number}).Want(t, http.StatusAccepted)
		var acc api.RecoveryAccepted
		r.JSON(t, &acc)
		return r, acc, b
	}
	r1, u1, b1 := start(unknownNumber)
	_, u2, _ := start(unknownNumber)
	rk, k, bk := start(acct.MemberNumber)
	if !plausibleMask.MatchString(u1.MaskedEmail) {
		t.Errorf("mask %q for an unknown number does not look like a real one", u1.MaskedEmail)
	}
	if u1.MaskedEmail != u2.MaskedEmail {
		t.Errorf("masks %q then %q for the same unknown number", u1.MaskedEmail, u2.MaskedEmail)
	}
	if u1.FlowID == u2.FlowID || u1.FlowID == "" || len(u1.FlowID) != len(k.FlowID) {
		t.Errorf("flow ids %q, %q (known: %q): want distinct ids of one shape", u1.FlowID, u2.FlowID, k.FlowID)
	}
	if u1.Status != k.Status || len(r1.Header.Values("Set-Cookie")) != len(rk.Header.Values("Set-Cookie")) {
		t.Errorf("unknown %+v %q vs known %+v %q", u1, r1.Header.Values("Set-Cookie"), k, rk.Header.Values("Set-Cookie"))
	}
	if _, u3, _ := start("55555556"); u3.MaskedEmail == "" || !plausibleMask.MatchString(u3.MaskedEmail) {
		t.Errorf("mask %q for another unknown number", u3.MaskedEmail)
	}

	var su, sk api.RecoveryAccepted
	b1.Post(flowPath("adherent", u1.FlowID, "send"), nil).Want(t, http.StatusAccepted).JSON(t, &su)
	bk.Post(flowPath("adherent", k.FlowID, "send"), nil).Want(t, http.StatusAccepted).JSON(t, &sk)
	if su.Status != sk.Status || su.FlowID != u1.FlowID || su.MaskedEmail != u1.MaskedEmail {
		t.Errorf("send answers: unknown %+v, known %+v", su, sk)
	}
	// A try on the unknown flow reads like a wrong code on a known one.
	p := b1.Post(flowPath("adherent", u1.FlowID, "code"), api.CodeSubmit{Code: "123456"}).Problem(t, http.StatusUnprocessableEntity, api.CodeCodeInvalid)
	if p.AttemptsLeft == nil || *p.AttemptsLeft != 4 {
		t.Errorf("attempts_left %v on an unknown flow, want 4", p.AttemptsLeft)
	}
	// The known send's mail is the only one.
	s.Sink.Wait(t, acct.Email, mailWait)
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.Count(""); n != 1 {
		t.Errorf("%d mails in the sink, want only the known member's", n)
	}
}

// TestNoEnumerationAssure: a wrong birth date, a wrong address or an
// unknown NIR all answer 202 with the typed address masked, and no mail.
func TestNoEnumerationAssure(t *testing.T) {
	t.Parallel()
	acct := assureAccount
	acct.Password = nil
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, acct)
	b := s.Client(t)
	unknownNIR := sesametest.NIR("1841275999888")
	for _, tc := range []struct {
		name string
		req  api.RecoveryRequest
		mask string
	}{
		{"wrong birth date", api.RecoveryRequest{NIR: acct.NIR, Birthdate: "1984-12-24", Email: acct.Email}, "t***@t***.com"},
		{"wrong e-mail", api.RecoveryRequest{NIR: acct.NIR, Birthdate: acct.Birthdate, Email: "autre.adresse@laposte.net"}, "a***@l***.net"},
		{"unknown NIR", api.RecoveryRequest{NIR: unknownNIR, Birthdate: acct.Birthdate, Email: acct.Email}, "t***@t***.com"},
	} {
		var acc api.RecoveryAccepted
		b.Post(recoveryPath("assure"), tc.req).Want(t, http.StatusAccepted).JSON(t, &acc)
		if acc != (api.RecoveryAccepted{Status: "accepted", MaskedEmail: tc.mask}) {
			t.Errorf("%s: %+v, want masked_email %q", tc.name, acc, tc.mask)
		}
	}
	// The right proof, last: its mail is the only one.
	b.Post(recoveryPath("assure"), api.RecoveryRequest{NIR: acct.NIR, Birthdate: acct.Birthdate, Email: acct.Email}).Want(t, http.StatusAccepted)
	s.Sink.Wait(t, acct.Email, mailWait)
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.Count(""); n != 1 {
		t.Errorf("%d mails in the sink, want 1", n)
	}
}
