package e2e

import (
	"net/http"
	"strconv"
	"strings"
	"testing"
	"time"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

func paris(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

// blockedUntil is how the 429 sentence writes retry_at: Paris time,
// rounded up to the minute.
func blockedUntil(t testing.TB, at time.Time) string {
	up := at.Truncate(time.Minute)
	if up.Before(at) {
		up = up.Add(time.Minute)
	}
	return up.In(paris(t)).Format("02/01/2006 - 15h04")
}

const (
	blockedFR = "Le nombre maximum de demandes de renouvellement de mot de passe a été atteint. Le service de renouvellement de mot de passe est bloqué jusqu'au %s (heure de Paris)."
	blockedEN = "The maximum number of password renewal requests has been reached. The password renewal service is blocked until %s (Paris time)."
)

// checkLimited checks a 429 of a recovery request and returns retry_at.
func checkLimited(t testing.TB, r sesametest.Reply, sentence string, now time.Time, window time.Duration) time.Time {
	t.Helper()
	p := r.Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	if p.RetryAt == nil {
		t.Fatalf("no retry_at: %s", r.Body)
	}
	var raw struct {
		RetryAt string `json:"retry_at"`
	}
	r.Decode(t, &raw)
	if _, err := time.Parse(time.RFC3339, raw.RetryAt); err != nil {
		t.Errorf("retry_at %q is not RFC 3339: %v", raw.RetryAt, err)
	}
	approx(t, "retry_at", *p.RetryAt, now.Add(window), time.Minute)
	if want := strings.Replace(sentence, "%s", blockedUntil(t, *p.RetryAt), 1); p.Detail != want {
		t.Errorf("detail %q\n want %q", p.Detail, want)
	}
	return *p.RetryAt
}

// TestLimits: the budget per identifier is keyed on what was typed, known
// or not; the 429 says until when, in Paris time.
func TestLimits(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER": "2-H"}})
	s.ImportAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	b := s.Client(t)
	for _, email := range []string{"inconnu@example.fr", employeurAccount.Email} {
		for range 2 {
			b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: email}).Want(t, http.StatusAccepted)
		}
		r := b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: email})
		at := checkLimited(t, r, blockedFR, s.Clock.Now(), time.Hour)
		ra, err := strconv.Atoi(r.Header.Get("Retry-After"))
		if err != nil || ra < 1 || ra > 3600 {
			t.Errorf("Retry-After %q, want seconds up to an hour", r.Header.Get("Retry-After"))
		}
		if d := time.Until(at); time.Duration(ra)*time.Second < d-2*time.Second || time.Duration(ra)*time.Second > d+2*time.Second {
			t.Errorf("Retry-After %ds disagrees with retry_at in %s", ra, d)
		}
		// Case and spaces do not make another identifier.
		b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "  " + strings.ToUpper(email)}).Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
		en := s.Client(t)
		checkLimited(t, en.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: email}, sesametest.WithHeader("Accept-Language", "en")), blockedEN, s.Clock.Now(), time.Hour)
	}
	// The known address got its two mails, no more.
	s.Sink.Wait(t, employeurAccount.Email, mailWait)
	s.Sink.Wait(t, employeurAccount.Email, mailWait)
	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "autre@example.fr"}).Want(t, http.StatusAccepted)
	time.Sleep(200 * time.Millisecond)
	if n := s.Sink.Count(employeurAccount.Email); n != 2 {
		t.Errorf("%d mails to the known address, want 2", n)
	}
	// The same number on another portal is another budget.
	for range 2 {
		b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}).Want(t, http.StatusAccepted)
	}
	checkLimited(t, b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}), blockedFR, s.Clock.Now(), time.Hour)
	b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555556"}).Want(t, http.StatusAccepted)
}

// TestLimitsParisTime: the sentence is in Paris time on both sides of the
// daylight-saving changes (clock set by the test).
func TestLimitsParisTime(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		now   time.Time
		until string
	}{
		// 25 October 2026, 03:00 CEST becomes 02:00 CET at 01:00 UTC.
		{"autumn, before and after", time.Date(2026, 10, 25, 0, 50, 0, 0, time.UTC), "25/10/2026 - 02h50"},
		{"autumn, both in CEST", time.Date(2026, 10, 24, 22, 0, 0, 0, time.UTC), "25/10/2026 - 01h00"},
		{"autumn, both in CET", time.Date(2026, 10, 25, 1, 20, 0, 0, time.UTC), "25/10/2026 - 03h20"},
		// 29 March 2026, 02:00 CET becomes 03:00 CEST at 01:00 UTC.
		{"spring", time.Date(2026, 3, 29, 0, 30, 0, 0, time.UTC), "29/03/2026 - 03h30"},
		{"new year, rounded up", time.Date(2026, 12, 31, 21, 59, 30, 0, time.UTC), "01/01/2027 - 00h00"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			c := &sesametest.Clock{}
			c.Set(tc.now)
			s := sesametest.Start(t, sesametest.Options{Clock: c, Env: map[string]string{"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER": "1-H"}})
			b := s.Client(t)
			b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "dst@example.fr"}).Want(t, http.StatusAccepted)
			r := b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "dst@example.fr"})
			at := checkLimited(t, r, blockedFR, c.Now(), time.Hour)
			if got := blockedUntil(t, at); got != tc.until {
				t.Errorf("retry_at %s is %s in Paris, want %s", at, got, tc.until)
			}
			if p := r.AnyProblem(t); !strings.Contains(p.Detail, "jusqu'au "+tc.until+" (heure de Paris)") {
				t.Errorf("detail %q does not say %q", p.Detail, tc.until)
			}
		})
	}
}

// TestLimitsSurviveRestart: a block outlives the process.
func TestLimitsSurviveRestart(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Dir: t.TempDir() + "/data", Env: map[string]string{"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER": "2-H"}})
	b := s.Client(t)
	for range 2 {
		b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "inconnu@example.fr"}).Want(t, http.StatusAccepted)
	}
	before := checkLimited(t, b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "inconnu@example.fr"}), blockedFR, s.Clock.Now(), time.Hour)

	s = s.Restart(t, nil)
	b = s.Client(t)
	after := checkLimited(t, b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "inconnu@example.fr"}), blockedFR, s.Clock.Now(), time.Hour)
	if !after.Equal(before) {
		t.Errorf("retry_at moved across the restart: %s then %s", before, after)
	}
	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "autre@example.fr"}).Want(t, http.StatusAccepted)
}

// TestLimitsPerIP: the budget per client IP holds across identifiers, and a
// client cannot escape it with forwarding headers when no proxy is trusted.
func TestLimitsPerIP(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{"SESAME_LIMIT_RECOVERY_PER_IP": "3-H"}})
	b := s.Client(t)
	for i := range 3 {
		b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "ip" + strconv.Itoa(i) + "@example.fr"}).Want(t, http.StatusAccepted)
	}
	for i, h := range []string{"X-Forwarded-For", "X-Real-IP", "Forwarded"} {
		v := "203.0.113." + strconv.Itoa(i+1)
		if h == "Forwarded" {
			v = "for=" + v
		}
		checkLimited(t, b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "ipx" + strconv.Itoa(i) + "@example.fr"}, sesametest.WithHeader(h, v)),
			blockedFR, s.Clock.Now(), time.Hour)
	}
	// Another portal has its own budget.
	b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}).Want(t, http.StatusAccepted)
}

// TestCodeSendLimit: "Recevoir mon code par mail" is limited per flow.
func TestCodeSendLimit(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{"SESAME_LIMIT_CODE_SENDS_PER_FLOW": "2-H"}})
	b := s.Client(t)
	var acc api.RecoveryAccepted
	b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}).Want(t, http.StatusAccepted).JSON(t, &acc)
	for range 2 {
		b.Post(flowPath("adherent", acc.FlowID, "send"), nil).Want(t, http.StatusAccepted)
	}
	p := b.Post(flowPath("adherent", acc.FlowID, "send"), nil).Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	if p.RetryAt == nil {
		t.Errorf("429 without retry_at: %+v", p)
	}
}

// TestSignInLimit: failed sign-ins from one client spend its budget; once
// spent, even the right password is refused, with until when in Paris time.
func TestSignInLimit(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{"SESAME_LIMIT_SIGN_IN_PER_IP": "2-H"}})
	s.ImportAccounts(t, employeurAccount)
	b := s.Client(t)
	for _, id := range []string{"inconnu1@example.fr", "inconnu2@example.fr"} {
		signIn(t, b, "employeur", id, "Mauvais99!pass").Problem(t, http.StatusUnauthorized, api.CodeBadCredentials)
	}
	p := signIn(t, b, "employeur", employeurAccount.Email, *employeurAccount.Password).Problem(t, http.StatusTooManyRequests, api.CodeRateLimited)
	if p.RetryAt == nil || !strings.Contains(p.Detail, blockedUntil(t, *p.RetryAt)+" (heure de Paris)") {
		t.Errorf("429 detail %q does not say until %v in Paris time", p.Detail, p.RetryAt)
	}
	approx(t, "retry_at", *p.RetryAt, s.Clock.Now().Add(time.Hour), time.Minute)
}
