// Package e2e holds black-box integration tests of the Sésame edge server:
// the real server, started in-process on 127.0.0.1:0 (sesametest), spoken
// to over real HTTP, with its mail delivered over real SMTP to a sink the
// test starts. Each test says which promise of DESIGN.md it checks.
package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

const mailWait = 10 * time.Second

// API paths.
func portalPath(portal, rest string) string { return api.Prefix + "/portals/" + portal + rest }

func recoveryPath(portal string) string     { return portalPath(portal, "/recovery") }
func linkPath(portal string) string         { return portalPath(portal, "/recovery/link") }
func linkPasswordPath(portal string) string { return portalPath(portal, "/recovery/link/password") }
func sessionPath(portal string) string      { return portalPath(portal, "/session") }
func flowPath(portal, id, what string) string {
	return portalPath(portal, "/recovery/flows/"+id+"/"+what)
}

// Test accounts, one per journey.
func ptr(s string) *string { return &s }

var (
	employeurAccount = api.Account{Portal: "employeur", Email: "lea.dupont@example.fr", EmailVerified: true, Password: ptr("Ancien12!mdp")}
	assureAccount    = api.Account{Portal: "assure", NIR: "184127512345640", Birthdate: "1984-12-25",
		Email: "thomas.martin@tutanota.com", EmailVerified: true, Password: ptr("Ancien7Mars?")}
	assureNoEmail   = api.Account{Portal: "assure", NIR: "290036912378960", Birthdate: "1990-03-01"}
	adherentAccount = api.Account{Portal: "adherent", MemberNumber: "12345678", Email: "x.dupont@example.org", EmailVerified: true, Password: ptr("Ancien7Lune?Mer")}
	adherentFirst   = api.Account{Portal: "adherent", MemberNumber: "87654321", Email: "c.leroy@example.org", EmailVerified: true}
)

// Passwords that each portal's policy accepts.
const (
	employeurNew = "Tilleul58#vert"
	assureNew    = "Printemps7Vert?"
	adherentNew  = "Marronnier9!Bleu"
)

// employeurLink starts an employeur recovery and returns the token of the
// link it mails.
func employeurLink(t testing.TB, s *sesametest.Server, b *sesametest.Client, email string) string {
	t.Helper()
	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: email}).Want(t, http.StatusAccepted)
	return s.Sink.Wait(t, email, mailWait, sesametest.Kind("reset_link")).Token(t, s.PublicURL+"/employeur")
}

// adherentFlow starts an adherent recovery in b, has the code sent and
// returns the flow id and the code.
func adherentFlow(t testing.TB, s *sesametest.Server, b *sesametest.Client, number, email string) (flow, code string) {
	t.Helper()
	var acc api.RecoveryAccepted
	b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: number}).Want(t, http.StatusAccepted).JSON(t, &acc)
	if acc.FlowID == "" {
		t.Fatalf("no flow id in %+v", acc)
	}
	b.Post(flowPath("adherent", acc.FlowID, "send"), nil).Want(t, http.StatusAccepted)
	return acc.FlowID, mailCode(t, s.Sink.Wait(t, email, mailWait, sesametest.Kind("reset_code")))
}

// mailCode returns the code of a code mail, which must have 6 digits.
func mailCode(t testing.TB, m sesametest.Message) string {
	t.Helper()
	code := m.Code(t)
	if len(code) != 6 {
		t.Fatalf("the mail %q carries the code %q, want 6 digits", m.Subject, code)
	}
	return code
}

// setPassword resets a password with a token.
func setPassword(t testing.TB, b *sesametest.Client, portal, token, password string) sesametest.Reply {
	t.Helper()
	return b.Post(linkPasswordPath(portal), api.NewPassword{Token: token, Password: password, Confirm: password})
}

// signIn signs b in.
func signIn(t testing.TB, b *sesametest.Client, portal, identifier, password string) sesametest.Reply {
	t.Helper()
	return b.Post(sessionPath(portal), api.SignIn{Identifier: identifier, Password: password})
}

// checkLogsClean fails if the logs hold any of the secrets.
func checkLogsClean(t testing.TB, logs *sesametest.Logs, secrets ...string) {
	t.Helper()
	text := logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("the logs contain the secret %q:\n%s", s, text)
		}
	}
}

// approx fails unless got is within tol of want.
func approx(t testing.TB, what string, got, want time.Time, tol time.Duration) {
	t.Helper()
	if d := got.Sub(want); d < -tol || d > tol {
		t.Errorf("%s = %s, want %s ± %s", what, got.Format(time.RFC3339), want.Format(time.RFC3339), tol)
	}
}
