package e2e

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestOps: liveness, readiness, metrics, and the public portal list.
func TestOps(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	b := s.Client(t)
	b.Get("/healthz").Want(t, http.StatusOK)
	b.Get("/readyz").Want(t, http.StatusOK)

	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email}).Want(t, http.StatusAccepted)
	s.Sink.Wait(t, employeurAccount.Email, mailWait)
	// The sink has the mail a moment before the outbox counts it.
	var m string
	for deadline := time.Now().Add(5 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if m = string(b.Get("/metrics").Want(t, http.StatusOK).Body); strings.Contains(m, "sesame_mail_delivered_total 1") {
			break
		}
	}
	for _, name := range []string{"sesame_http_requests_total", "sesame_mail_delivered_total 1", "sesame_mail_pending"} {
		if !strings.Contains(m, name) {
			t.Errorf("/metrics lacks %q", name)
		}
	}
	if strings.Contains(m, employeurAccount.Email) {
		t.Error("/metrics names an address")
	}

	var list []map[string]any
	b.Get(api.Prefix+"/portals").Want(t, http.StatusOK).JSON(t, &list)
	ids := map[string]bool{}
	for _, p := range list {
		id, _ := p["id"].(string)
		ids[id] = true
	}
	for _, id := range []string{"assure", "employeur", "adherent"} {
		if !ids[id] {
			t.Errorf("GET /portals lacks %s: %v", id, ids)
		}
		b.Get(api.Prefix+"/portals/"+id).Want(t, http.StatusOK)
	}
	b.Get(api.Prefix+"/portals/nope").Problem(t, http.StatusNotFound, api.CodeUnknownPortal)
}

// TestCaptchaOff: with SESAME_CAPTCHA=off the challenge endpoints answer 404.
func TestCaptchaOff(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.Client(t).Post(api.Prefix+"/captcha", nil).Problem(t, http.StatusNotFound, api.CodeNotFound)
}
