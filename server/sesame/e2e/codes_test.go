package e2e

import (
	"fmt"
	"net/http"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// otherCode is a code of the same length that is not code.
func otherCode(code string, i int) string {
	var n int
	fmt.Sscanf(code, "%d", &n)
	return fmt.Sprintf("%06d", (n+1+i)%1000000)
}

// TestCodes: a 6-digit code allows 5 wrong tries, then is dead even for
// the right code; a flow answers only the browser that started it; a new
// code kills the previous one.
func TestCodes(t *testing.T) {
	t.Parallel()
	acct := adherentAccount
	acct.Password = nil // no hash to compute: the journeys test sign-in

	t.Run("wrong tries then dead", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, acct)
		b := s.Client(t)
		flow, code := adherentFlow(t, s, b, acct.MemberNumber, acct.Email)
		for i, left := range []int{4, 3, 2, 1} {
			p := b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: otherCode(code, i)}).
				Problem(t, http.StatusUnprocessableEntity, api.CodeCodeInvalid)
			if p.AttemptsLeft == nil || *p.AttemptsLeft != left {
				t.Fatalf("try %d: attempts_left %v, want %d", i+1, p.AttemptsLeft, left)
			}
		}
		b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: otherCode(code, 4)}).Problem(t, http.StatusGone, api.CodeCodeDead)
		b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Problem(t, http.StatusGone, api.CodeCodeDead)
	})

	t.Run("bound to its browser", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, acct)
		owner := s.Client(t)
		flow, code := adherentFlow(t, s, owner, acct.MemberNumber, acct.Email)

		stranger := s.Client(t) // no flow cookie at all
		stranger.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Problem(t, http.StatusForbidden, api.CodeFlowForeign)
		stranger.Post(flowPath("adherent", flow, "send"), nil).Problem(t, http.StatusForbidden, api.CodeFlowForeign)

		other := s.Client(t) // a browser with its own flow, and so its own cookie
		other.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}).Want(t, http.StatusAccepted)
		if other.Cookie("sesame_flow") == nil {
			t.Fatal("no flow cookie for the other browser")
		}
		other.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Problem(t, http.StatusForbidden, api.CodeFlowForeign)

		forged := s.Client(t) // a made-up cookie value
		forged.SetCookie(&http.Cookie{Name: "sesame_flow", Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", Path: "/"})
		forged.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Problem(t, http.StatusForbidden, api.CodeFlowForeign)

		// None of that spent a try of the owner.
		var ca api.CodeAccepted
		owner.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Want(t, http.StatusOK).JSON(t, &ca)
		owner.Post(linkPath("adherent"), api.LinkCheck{Token: ca.Token}).Want(t, http.StatusOK)
		// A used code is dead.
		owner.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Problem(t, http.StatusGone, api.CodeCodeDead)
	})

	t.Run("unknown flow", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		b := s.Client(t)
		b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}).Want(t, http.StatusAccepted)
		b.Post(flowPath("adherent", "AAAAAAAAAAAAAAAAAAAAAA", "code"), api.CodeSubmit{Code: "123456"}).Problem(t, http.StatusGone, api.CodeFlowInvalid)
		b.Post(flowPath("adherent", "AAAAAAAAAAAAAAAAAAAAAA", "send"), nil).Problem(t, http.StatusGone, api.CodeFlowInvalid)
	})

	t.Run("resend kills the previous code", func(t *testing.T) {
		t.Parallel()
		s := sesametest.Start(t, sesametest.Options{})
		s.ImportAccounts(t, acct)
		b := s.Client(t)
		flow, first := adherentFlow(t, s, b, acct.MemberNumber, acct.Email)
		b.Post(flowPath("adherent", flow, "send"), nil).Want(t, http.StatusAccepted)
		second := mailCode(t, s.Sink.Wait(t, acct.Email, mailWait))
		if first == second {
			t.Skip("the two random codes are equal (one chance in a million)")
		}
		b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: first}).Problem(t, http.StatusUnprocessableEntity, api.CodeCodeInvalid)
		b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: second}).Want(t, http.StatusOK)
	})
}

// TestCodeSupersededByNewerFlow: a new request supersedes every older
// token of the same account and purpose, so the code of an older flow of
// the same account must stop working once a newer flow sends its own.
func TestCodeSupersededByNewerFlow(t *testing.T) {
	t.Parallel()
	acct := adherentAccount
	acct.Password = nil
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, acct)
	b := s.Client(t)
	oldFlow, oldCode := adherentFlow(t, s, b, acct.MemberNumber, acct.Email)
	newFlow, newCode := adherentFlow(t, s, s.Client(t), acct.MemberNumber, acct.Email)
	if oldFlow == newFlow || oldCode == newCode {
		t.Skip("two flows gave the same code (one chance in a million)")
	}
	r := b.Post(flowPath("adherent", oldFlow, "code"), api.CodeSubmit{Code: oldCode})
	if r.Status == http.StatusOK {
		t.Fatalf("the code of an older flow still gives a reset token after a newer code was sent: %s", r.Body)
	}
	if p := r.AnyProblem(t); r.Status != http.StatusGone || p.Code != api.CodeCodeDead && p.Code != api.CodeFlowInvalid {
		t.Errorf("older flow's code: %d %s, want 410 code_dead or flow_invalid", r.Status, p.Code)
	}
	b.Post(flowPath("adherent", newFlow, "code"), api.CodeSubmit{Code: newCode}).Problem(t, http.StatusForbidden, api.CodeFlowForeign)
}

// TestCodeExpiry: a code dies after its lifetime (15 minutes on adherent),
// and the token it gives lasts the portal's link lifetime.
func TestCodeExpiry(t *testing.T) {
	t.Parallel()
	acct := adherentAccount
	acct.Password = nil
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, acct)
	b := s.Client(t)
	flow, code := adherentFlow(t, s, b, acct.MemberNumber, acct.Email)
	s.Clock.Advance(15*time.Minute + time.Second)
	b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Problem(t, http.StatusGone, api.CodeCodeDead)

	flow, code = adherentFlow(t, s, b, acct.MemberNumber, acct.Email)
	s.Clock.Advance(14 * time.Minute)
	var ca api.CodeAccepted
	b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: " " + code[:3] + " " + code[3:] + " "}).Want(t, http.StatusOK).JSON(t, &ca)
	approx(t, "token expires_at", ca.ExpiresAt, s.Clock.Now().Add(15*time.Minute), time.Minute)
	s.Clock.Advance(15*time.Minute + time.Second)
	b.Post(linkPath("adherent"), api.LinkCheck{Token: ca.Token}).Problem(t, http.StatusGone, api.CodeLinkExpired)
}
