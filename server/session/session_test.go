package session_test

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/mail"
	"sesame/server/sesame/sesametest"
	"sesame/server/session"
	"sesame/shared/api"
)

const (
	assureNIR   = "184127512345640"
	assureBirth = "1984-12-25"
	assureMail  = "thomas.martin@tutanota.com"
	assurePass  = "Soleil7Mars?"
	employMail  = "employeur@example.fr"
	employPass  = "Vague12!x"
	memberNo    = "999999"
	memberPass  = "Vague7Lune?Mer"
	pendingNo   = "123456"
)

const mailWait = 15 * time.Second

func sessionPath(portal string) string { return api.Prefix + "/portals/" + portal + "/session" }

func ptr(s string) *string { return &s }

func demoAccounts() []api.Account {
	return []api.Account{
		{Portal: "assure", NIR: assureNIR, Birthdate: assureBirth, Email: assureMail, EmailVerified: true, Password: ptr(assurePass)},
		{Portal: "employeur", Email: employMail, EmailVerified: true, Password: ptr(employPass)},
		{Portal: "adherent", MemberNumber: memberNo, Email: "x.dupont@example.org", EmailVerified: true, Password: ptr(memberPass)},
		{Portal: "adherent", MemberNumber: pendingNo, Email: "c.leroy@example.org", EmailVerified: true},
	}
}

func TestDelay(t *testing.T) {
	want := []time.Duration{0, 0, 0, 0, time.Second, 2 * time.Second, 4 * time.Second, 8 * time.Second,
		16 * time.Second, 32 * time.Second, time.Minute, time.Minute, time.Minute}
	for n, w := range want {
		if got := session.Delay(n); got != w {
			t.Errorf("Delay(%d) = %v, want %v", n, got, w)
		}
	}
	if got := session.Delay(1 << 30); got != session.MaxDelay {
		t.Errorf("Delay(huge) = %v", got)
	}
}

// Unknown identifier and wrong password: same status, same body, same
// headers that matter; on every portal.
func TestSignInFailureParity(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, demoAccounts()...)
	cases := []struct {
		portal            string
		known, unknown    string
		wrong             string
		pendingIdentifier string
	}{
		{"assure", assureNIR, sesametest.NIR("2850631555123"), "Soleil7Mars!", ""},
		{"assure", "1 84 12 75 123 456 40", "2 85 06 31 555 123 " + sesametest.NIR("2850631555123")[13:], "x", ""},
		{"employeur", employMail, "personne@example.fr", "Vague12!y", ""},
		{"adherent", memberNo, "888888", "Vague7Lune?Me", pendingNo},
	}
	for _, c := range cases {
		known := e.Call(t, "POST", sessionPath(c.portal), api.SignIn{Identifier: c.known, Password: c.wrong})
		unknown := e.Call(t, "POST", sessionPath(c.portal), api.SignIn{Identifier: c.unknown, Password: c.wrong})
		if known.Status != http.StatusUnauthorized || unknown.Status != known.Status {
			t.Fatalf("%s: statuses %d and %d, want 401", c.portal, known.Status, unknown.Status)
		}
		if !bytes.Equal(known.Body, unknown.Body) {
			t.Errorf("%s: bodies differ:\n%s\n%s", c.portal, known.Body, unknown.Body)
		}
		for _, h := range []string{"Content-Type", "Cache-Control", "Content-Language", "Set-Cookie", "Retry-After"} {
			if known.Header.Get(h) != unknown.Header.Get(h) {
				t.Errorf("%s: header %s differs: %q vs %q", c.portal, h, known.Header.Get(h), unknown.Header.Get(h))
			}
		}
		if p := known.AnyProblem(t); p.Code != api.CodeBadCredentials {
			t.Errorf("%s: code %q", c.portal, p.Code)
		}
		if c.pendingIdentifier != "" { // first connection pending: no password yet
			pending := e.Call(t, "POST", sessionPath(c.portal), api.SignIn{Identifier: c.pendingIdentifier, Password: c.wrong})
			if pending.Status != known.Status || !bytes.Equal(pending.Body, known.Body) {
				t.Errorf("%s: pending account answers %d %s", c.portal, pending.Status, pending.Body)
			}
		}
	}
}

func TestSessionCookieAttributes(t *testing.T) {
	for _, tc := range []struct {
		publicURL, name string
		secure          bool
	}{
		{"http://localhost:8000", "sesame_session", false},
		{"https://sesame.example.fr", "__Host-sesame_session", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := sesametest.Start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_PUBLIC_URL": tc.publicURL}})
			e.ImportAccounts(t, demoAccounts()...)
			r := e.Call(t, "POST", sessionPath("assure"), api.SignIn{Identifier: assureNIR, Password: assurePass})
			if r.Status != http.StatusOK {
				t.Fatalf("sign in: %d %s", r.Status, r.Body)
			}
			c := r.Cookie(tc.name)
			if c == nil {
				t.Fatalf("no cookie %s in %v", tc.name, r.Header["Set-Cookie"])
			}
			raw, err := base64.RawURLEncoding.DecodeString(c.Value)
			if err != nil || len(raw) != 32 {
				t.Errorf("session id %q: %d bytes (%v), want 32", c.Value, len(raw), err)
			}
			if !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/" || c.Domain != "" || c.Secure != tc.secure {
				t.Errorf("cookie attributes: %s", r.Header.Get("Set-Cookie"))
			}
			if c.MaxAge != int((12 * time.Hour).Seconds()) {
				t.Errorf("Max-Age %d, want the absolute timeout", c.MaxAge)
			}
			var s api.Session
			if err := json.Unmarshal(r.Body, &s); err != nil || s.Portal != "assure" || s.Identifier != "1 84 12 75 123 456 40" || !strings.Contains(s.EmailMasked, "***") {
				t.Errorf("summary %s", r.Body)
			}
			cookie := c.Name + "=" + c.Value
			if got := e.WhoAmI(t, "assure", cookie); got != http.StatusOK {
				t.Errorf("GET /session: %d", got)
			}
			if got := e.WhoAmI(t, "employeur", cookie); got != http.StatusUnauthorized {
				t.Errorf("GET /session of another portal: %d, want 401", got)
			}
			out := e.Call(t, "DELETE", sessionPath("assure"), nil, cookie)
			if out.Status != http.StatusNoContent {
				t.Fatalf("sign out: %d", out.Status)
			}
			if oc := out.Cookie(tc.name); oc == nil || oc.MaxAge >= 0 || oc.Value != "" {
				t.Errorf("sign out does not clear the cookie: %v", out.Header["Set-Cookie"])
			}
			if got := e.WhoAmI(t, "assure", cookie); got != http.StatusUnauthorized {
				t.Errorf("GET /session after sign out: %d", got)
			}
		})
	}
}

// A new id at each sign-in; the old one (and one planted before sign-in)
// is worth nothing afterwards.
func TestSessionRotation(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, demoAccounts()...)
	planted := "sesame_session=" + base64.RawURLEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32))
	first := e.SignIn(t, "assure", assureNIR, assurePass, planted)
	if first == planted {
		t.Fatal("the planted id was kept")
	}
	second := e.SignIn(t, "assure", assureNIR, assurePass, first)
	if second == first {
		t.Fatal("the id was not rotated")
	}
	if got := e.WhoAmI(t, "assure", first); got != http.StatusUnauthorized {
		t.Errorf("the previous id still works: %d", got)
	}
	if got := e.WhoAmI(t, "assure", second); got != http.StatusOK {
		t.Errorf("the new id: %d", got)
	}
	// Another browser's session is not touched by this one's sign-in.
	other := e.SignIn(t, "assure", assureNIR, assurePass)
	if got := e.WhoAmI(t, "assure", second); got != http.StatusOK {
		t.Errorf("a sign-in elsewhere ended this session: %d", got)
	}
	if got := e.WhoAmI(t, "assure", other); got != http.StatusOK {
		t.Errorf("other session: %d", got)
	}
}

func TestIdleTimeout(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Config: `{"session_idle": "10m", "session_absolute": "1h"}`})
	e.ImportAccounts(t, demoAccounts()...)
	cookie := e.SignIn(t, "employeur", employMail, employPass)
	for range 3 { // activity keeps it alive past the idle period
		e.Clock.Advance(9 * time.Minute)
		if got := e.WhoAmI(t, "employeur", cookie); got != http.StatusOK {
			t.Fatalf("active session ended: %d", got)
		}
	}
	e.Clock.Advance(10*time.Minute + time.Second)
	if got := e.WhoAmI(t, "employeur", cookie); got != http.StatusUnauthorized {
		t.Fatalf("idle session still works: %d", got)
	}
	// Ended for good, even if the clock were to go back.
	e.Clock.Advance(-5 * time.Minute)
	if got := e.WhoAmI(t, "employeur", cookie); got != http.StatusUnauthorized {
		t.Fatalf("idle session came back: %d", got)
	}
}

func TestAbsoluteTimeout(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Config: `{"session_idle": "10m", "session_absolute": "1h"}`})
	e.ImportAccounts(t, demoAccounts()...)
	cookie := e.SignIn(t, "employeur", employMail, employPass)
	r := e.Call(t, "GET", sessionPath("employeur"), nil, cookie)
	if r.Status != http.StatusOK {
		t.Fatal(r.Status)
	}
	elapsed := time.Duration(0)
	for elapsed+9*time.Minute < time.Hour {
		e.Clock.Advance(9 * time.Minute)
		elapsed += 9 * time.Minute
		if got := e.WhoAmI(t, "employeur", cookie); got != http.StatusOK {
			t.Fatalf("after %v: %d", elapsed, got)
		}
	}
	e.Clock.Advance(time.Hour - elapsed)
	if got := e.WhoAmI(t, "employeur", cookie); got != http.StatusUnauthorized {
		t.Fatalf("session alive at its absolute deadline: %d", got)
	}
}

// try signs in and returns the answer, whatever it is.
func try(t testing.TB, e *sesametest.Server, portal, identifier, password string) sesametest.Reply {
	t.Helper()
	return e.Call(t, "POST", sessionPath(portal), api.SignIn{Identifier: identifier, Password: password})
}

func TestThrottleGrowsAndSuccessClears(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, demoAccounts()...)
	for i := 1; i <= 3; i++ {
		if r := try(t, e, "employeur", employMail, "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i, r.Status, r.Body)
		}
	}
	paris, _ := time.LoadLocation("Europe/Paris")
	for i, d := range []time.Duration{1, 2, 4, 8, 16, 32, 60, 60} {
		d *= time.Second
		if r := try(t, e, "employeur", employMail, "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d %s", i+4, r.Status, r.Body)
		}
		now := e.Clock.Now()
		r := try(t, e, "employeur", employMail, employPass) // even the right password waits
		if r.Status != http.StatusTooManyRequests {
			t.Fatalf("after failure %d: %d %s, want 429", i+4, r.Status, r.Body)
		}
		p := r.AnyProblem(t)
		if p.Code != api.CodeRateLimited || p.RetryAt == nil || !p.RetryAt.Equal(now.Add(d)) {
			t.Fatalf("after failure %d: %s, want retry_at %v", i+4, r.Body, now.Add(d).UTC())
		}
		if want := mail.FormatParis(now.Add(d), paris) + " (heure de Paris)"; !strings.Contains(p.Detail, want) {
			t.Errorf("detail %q does not say %q", p.Detail, want)
		}
		if r.Header.Get("Retry-After") == "" {
			t.Error("no Retry-After")
		}
		e.Clock.Advance(d - time.Second)
		if r := try(t, e, "employeur", employMail, "wrong"); r.Status != http.StatusTooManyRequests {
			t.Fatalf("one second early: %d", r.Status)
		}
		e.Clock.Advance(time.Second)
	}
	// Never a lock: the right password, once the delay is over, works.
	e.SignIn(t, "employeur", employMail, employPass)
	// And the counter starts again from zero.
	for i := 1; i <= 4; i++ {
		if r := try(t, e, "employeur", employMail, "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("after success, failure %d: %d", i, r.Status)
		}
	}
	if r := try(t, e, "employeur", employMail, "wrong"); r.Status != http.StatusTooManyRequests {
		t.Fatalf("after success, 5th try: %d, want 429", r.Status)
	}
}

// Limits are keyed on what was typed: an unknown identifier is throttled
// exactly like a known one, and variants of one identifier share a count.
func TestThrottleUnknownIdentifierParity(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, demoAccounts()...)
	unknown := sesametest.NIR("2850631555123")
	spaced := "2 85 06 31 555 123 " + unknown[13:]
	var last [2]sesametest.Reply
	for i := 0; i < 5; i++ {
		for j, id := range []string{assureNIR, unknown} {
			typed := id
			if j == 1 && i%2 == 1 {
				typed = spaced
			}
			last[j] = try(t, e, "assure", typed, "Mauvais1!")
		}
	}
	if last[0].Status != http.StatusTooManyRequests || last[1].Status != last[0].Status || !bytes.Equal(last[0].Body, last[1].Body) {
		t.Fatalf("throttled answers differ:\n%d %s\n%d %s", last[0].Status, last[0].Body, last[1].Status, last[1].Body)
	}
}

func TestThrottleClearedByReset(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, demoAccounts()...)
	for range 6 {
		try(t, e, "assure", assureNIR, "Mauvais1!")
	}
	if r := try(t, e, "assure", assureNIR, assurePass); r.Status != http.StatusTooManyRequests {
		t.Fatalf("not throttled: %d", r.Status)
	}
	r := e.Call(t, "POST", api.Prefix+"/portals/assure/recovery", api.RecoveryRequest{NIR: assureNIR, Birthdate: assureBirth, Email: assureMail})
	if r.Status != http.StatusAccepted {
		t.Fatalf("recovery: %d %s", r.Status, r.Body)
	}
	tok := e.Sink.Wait(t, assureMail, mailWait, sesametest.Subject("renouveler")).Token(t, e.PublicURL+"/assure")
	const newPass = "Prairie8Vent!"
	r = e.Call(t, "POST", api.Prefix+"/portals/assure/recovery/link/password", api.NewPassword{Token: tok, Password: newPass, Confirm: newPass})
	if r.Status != http.StatusOK {
		t.Fatalf("reset: %d %s", r.Status, r.Body)
	}
	// No wait any more, and the count starts from zero.
	e.SignIn(t, "assure", assureNIR, newPass)
	for i := 1; i <= 3; i++ {
		if r := try(t, e, "assure", assureNIR, assurePass); r.Status != http.StatusUnauthorized {
			t.Fatalf("after reset, failure %d: %d", i, r.Status)
		}
	}
}

// The client's budget of failures holds across identifiers.
func TestSignInPerIPBudget(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_LIMIT_SIGN_IN_PER_IP": "3-H"}})
	e.ImportAccounts(t, demoAccounts()...)
	for i, id := range []string{"a@example.fr", "b@example.fr", "c@example.fr"} {
		if r := try(t, e, "employeur", id, "wrong"); r.Status != http.StatusUnauthorized {
			t.Fatalf("failure %d: %d", i, r.Status)
		}
	}
	r := try(t, e, "employeur", employMail, employPass)
	if r.Status != http.StatusTooManyRequests || r.AnyProblem(t).RetryAt == nil {
		t.Fatalf("per-IP budget spent: %d %s", r.Status, r.Body)
	}
}

func TestSignInBadInput(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	for _, tc := range []struct {
		body   string
		status int
	}{
		{`{"identifier":`, http.StatusBadRequest},
		{`{"identifier":"a","password":"b","extra":1}`, http.StatusBadRequest},
		{`{"identifier":"a\u0000","password":"b"}`, http.StatusBadRequest},
		{`{"identifier":"` + strings.Repeat("9", 20000) + `","password":"b"}`, http.StatusRequestEntityTooLarge},
		{`{"identifier":"999999","password":"` + strings.Repeat("x", 600) + `"}`, http.StatusUnauthorized},
	} {
		req, _ := http.NewRequest("POST", e.URL+sessionPath("adherent"), strings.NewReader(tc.body))
		req.Header.Set("Content-Type", "application/json")
		res, err := e.HTTP.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != tc.status || !strings.HasPrefix(res.Header.Get("Content-Type"), "application/problem+json") {
			t.Errorf("%.40s…: %d %s, want %d problem+json", tc.body, res.StatusCode, res.Header.Get("Content-Type"), tc.status)
		}
	}
	if r := e.Call(t, "POST", sessionPath("nope"), api.SignIn{Identifier: "x", Password: "y"}); r.Status != http.StatusNotFound {
		t.Errorf("unknown portal: %d", r.Status)
	}
}
