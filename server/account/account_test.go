package account_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"sesame/server/mail"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
	"sesame/shared/identity"
)

const (
	assureNIR   = "184127512345640"
	assureBirth = "1984-12-25"
	assureMail  = "thomas.martin@tutanota.com"
	assurePass  = "Soleil7Mars?"
	noMailNIR   = "290036912378960"
	employMail  = "employeur@example.fr"
	employPass  = "Vague12!x"

	codeSubject    = "Code de confirmation"
	changedSubject = "Votre mot de passe a été modifié"
)

func accounts() []api.Account {
	return []api.Account{
		{Portal: "assure", NIR: assureNIR, Birthdate: assureBirth, Email: assureMail, EmailVerified: true, Password: ptr(assurePass)},
		{Portal: "assure", NIR: noMailNIR, Birthdate: "1990-03-01", Password: ptr(assurePass)},
		{Portal: "employeur", Email: employMail, EmailVerified: true, Password: ptr(employPass)},
	}
}

func codePath(portal string) string {
	return api.Prefix + "/portals/" + portal + "/account/password/code"
}
func changePath(portal string) string { return api.Prefix + "/portals/" + portal + "/account/password" }

const mailWait = 15 * time.Second

func sessionPath(portal string) string { return api.Prefix + "/portals/" + portal + "/session" }

func ptr(s string) *string { return &s }

// askCode asks a code and returns the one the mail brings (the next code
// mail of that address).
func askCode(t *testing.T, e *sesametest.Server, portal, cookie, to string) string {
	t.Helper()
	r := e.Call(t, "POST", codePath(portal), nil, cookie)
	if r.Status != http.StatusAccepted {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}
	var sent api.ChangeCodeSent
	if err := json.Unmarshal(r.Body, &sent); err != nil || sent.Status != "accepted" || sent.MaskedEmail != identity.MaskEmail(to) {
		t.Fatalf("code answer %s (%v)", r.Body, err)
	}
	if !sent.ExpiresAt.Equal(e.Clock.Now().Add(10 * time.Minute)) {
		t.Errorf("expires_at %v, want 10 minutes from now", sent.ExpiresAt)
	}
	return e.Sink.Wait(t, to, mailWait, sesametest.Subject(codeSubject)).Code(t)
}

func change(t testing.TB, e *sesametest.Server, portal, cookie, code, current, password, confirm string) sesametest.Reply {
	t.Helper()
	return e.Call(t, "POST", changePath(portal), api.ChangePassword{Code: code, Current: current, Password: password, Confirm: confirm}, cookie)
}

// otherCode is a well-formed code that is not c.
func otherCode(c string, k int) string {
	n, _ := strconv.Atoi(c)
	mod := 1
	for range len(c) {
		mod *= 10
	}
	return fmt.Sprintf("%0*d", len(c), (n+k)%mod)
}

func failed(p api.Problem) []string {
	var ids []string
	for _, r := range p.Rules {
		if !r.OK {
			ids = append(ids, r.ID)
		}
	}
	return ids
}

// Seed 003 on assure: a 4-digit code by mail, then current, new and
// confirmation; every session ends; the notice gives the Paris time.
func TestChangePasswordHappyPath(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	here := e.SignIn(t, "assure", assureNIR, assurePass)
	elsewhere := e.SignIn(t, "assure", assureNIR, assurePass)

	r := e.Call(t, "POST", codePath("assure"), nil, here)
	if r.Status != http.StatusAccepted {
		t.Fatalf("code: %d %s", r.Status, r.Body)
	}
	m := e.Sink.Wait(t, assureMail, mailWait, sesametest.Subject(codeSubject))
	code := m.Code(t)
	if len(code) != 4 {
		t.Fatalf("code %q: want 4 digits on assure", code)
	}
	if !strings.Contains(m.Text, "10 minutes") || !strings.Contains(m.HTML, code) {
		t.Errorf("code mail does not give the lifetime or the code:\n%s", m.Text)
	}

	e.Clock.Advance(3*time.Minute + 17*time.Second)
	const newPass = "Prairie8Vent!"
	r = change(t, e, "assure", here, code, assurePass, newPass, newPass)
	if r.Status != http.StatusOK || strings.TrimSpace(string(r.Body)) != `{"status":"changed"}` {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	if c := r.Cookie(e.Srv.Sessions.Cookie()); c == nil || c.MaxAge >= 0 {
		t.Errorf("the answer does not clear the session cookie: %v", r.Header["Set-Cookie"])
	}
	for _, c := range []string{here, elsewhere} {
		if got := e.WhoAmI(t, "assure", c); got != http.StatusUnauthorized {
			t.Errorf("a session survived the change: %d", got)
		}
	}
	notice := e.Sink.Wait(t, assureMail, mailWait, sesametest.Subject(changedSubject))
	paris, _ := time.LoadLocation("Europe/Paris")
	when := mail.FormatParisDateTime(e.Clock.Now(), paris)
	if !strings.Contains(notice.Text, "modifié le "+when+" (heure de Paris)") {
		t.Errorf("notice does not say %q:\n%s", when, notice.Text)
	}
	if !strings.Contains(notice.Text, "code envoyé par mail") {
		t.Errorf("notice does not say how:\n%s", notice.Text)
	}
	if r := e.Call(t, "POST", sessionPath("assure"), api.SignIn{Identifier: assureNIR, Password: assurePass}); r.Status != http.StatusUnauthorized {
		t.Errorf("old password still works: %d", r.Status)
	}
	e.SignIn(t, "assure", assureNIR, newPass)
	// The code is used up.
	again := e.SignIn(t, "assure", assureNIR, newPass)
	if r := change(t, e, "assure", again, code, newPass, "Autre9Chemin!", "Autre9Chemin!"); r.Status != http.StatusGone || r.AnyProblem(t).Code != api.CodeCodeDead {
		t.Errorf("code reused: %d %s", r.Status, r.Body)
	}
}

// Elsewhere the code has 6 digits.
func TestChangePasswordSixDigits(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "employeur", employMail, employPass)
	code := askCode(t, e, "employeur", cookie, employMail)
	if len(code) != 6 {
		t.Fatalf("code %q: want 6 digits", code)
	}
	const newPass = "Marée42#haute"
	if r := change(t, e, "employeur", cookie, code, employPass, newPass, newPass); r.Status != http.StatusOK {
		t.Fatalf("change: %d %s", r.Status, r.Body)
	}
	e.SignIn(t, "employeur", employMail, newPass)
}

func TestWrongCodeThreeTimesThenDead(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	const newPass = "Prairie8Vent!"
	for i, left := range []int{2, 1} {
		r := change(t, e, "assure", cookie, otherCode(code, i+1), assurePass, newPass, newPass)
		p := r.AnyProblem(t)
		if r.Status != http.StatusUnprocessableEntity || p.Code != api.CodeCodeInvalid || p.AttemptsLeft == nil || *p.AttemptsLeft != left {
			t.Fatalf("wrong code %d: %d %s, want 422 with %d left", i+1, r.Status, r.Body, left)
		}
	}
	r := change(t, e, "assure", cookie, otherCode(code, 3), assurePass, newPass, newPass)
	if r.Status != http.StatusGone || r.AnyProblem(t).Code != api.CodeCodeDead {
		t.Fatalf("third wrong code: %d %s, want 410 code_dead", r.Status, r.Body)
	}
	r = change(t, e, "assure", cookie, code, assurePass, newPass, newPass)
	if r.Status != http.StatusGone || r.AnyProblem(t).Code != api.CodeCodeDead {
		t.Fatalf("right code after death: %d %s, want 410", r.Status, r.Body)
	}
	// A new code works again.
	code = askCode(t, e, "assure", cookie, assureMail)
	if r := change(t, e, "assure", cookie, code, assurePass, newPass, newPass); r.Status != http.StatusOK {
		t.Fatalf("new code: %d %s", r.Status, r.Body)
	}
}

// "Renvoyer le code par mail": only the newest code works.
func TestResendInvalidatesPreviousCode(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	first := askCode(t, e, "assure", cookie, assureMail)
	second := askCode(t, e, "assure", cookie, assureMail)
	for second == first { // one chance in 10 000
		second = askCode(t, e, "assure", cookie, assureMail)
	}
	const newPass = "Prairie8Vent!"
	r := change(t, e, "assure", cookie, first, assurePass, newPass, newPass)
	if r.Status == http.StatusOK {
		t.Fatal("the superseded code worked")
	}
	if r := change(t, e, "assure", cookie, second, assurePass, newPass, newPass); r.Status != http.StatusOK {
		t.Fatalf("newest code: %d %s", r.Status, r.Body)
	}
}

func TestCodeExpires(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Config: `{"session_idle": "30m"}`})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	e.Clock.Advance(10 * time.Minute)
	r := change(t, e, "assure", cookie, code, assurePass, "Prairie8Vent!", "Prairie8Vent!")
	if r.Status != http.StatusGone || r.AnyProblem(t).Code != api.CodeCodeDead {
		t.Fatalf("expired code: %d %s", r.Status, r.Body)
	}
}

func TestWrongCurrentPassword(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	const newPass = "Prairie8Vent!"
	for i, left := range []int{2, 1} {
		r := change(t, e, "assure", cookie, code, "Mauvais1!", newPass, newPass)
		p := r.AnyProblem(t)
		if r.Status != http.StatusUnprocessableEntity || p.Code != api.CodeCurrentPassword || p.AttemptsLeft == nil || *p.AttemptsLeft != left {
			t.Fatalf("wrong current %d: %d %s", i+1, r.Status, r.Body)
		}
	}
	// Those two count as sign-in failures: two more at sign-in reach the
	// delay.
	for i := range 2 {
		if r := e.Call(t, "POST", sessionPath("assure"), api.SignIn{Identifier: assureNIR, Password: "Mauvais1!"}); r.Status != http.StatusUnauthorized {
			t.Fatalf("sign-in failure %d: %d", i+3, r.Status)
		}
	}
	r := e.Call(t, "POST", sessionPath("assure"), api.SignIn{Identifier: assureNIR, Password: assurePass})
	if r.Status != http.StatusTooManyRequests {
		t.Fatalf("after 4 failures: %d %s, want 429", r.Status, r.Body)
	}
	// The delay applies to the current password of a change too.
	if r := change(t, e, "assure", cookie, code, assurePass, newPass, newPass); r.Status != http.StatusTooManyRequests {
		t.Fatalf("change within the delay: %d %s", r.Status, r.Body)
	}
	e.Clock.Advance(time.Second)
	// The code still has its last try; the right current password works.
	if r := change(t, e, "assure", cookie, code, assurePass, newPass, newPass); r.Status != http.StatusOK {
		t.Fatalf("right current password: %d %s", r.Status, r.Body)
	}
	// And the change cleared the failures.
	e.SignIn(t, "assure", assureNIR, newPass)
}

// A third wrong current password kills the code.
func TestWrongCurrentPasswordSpendsTheCode(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	const newPass = "Prairie8Vent!"
	for range 3 {
		change(t, e, "assure", cookie, code, "Mauvais1!", newPass, newPass)
	}
	e.Clock.Advance(time.Minute)
	if r := change(t, e, "assure", cookie, code, assurePass, newPass, newPass); r.Status != http.StatusGone || r.AnyProblem(t).Code != api.CodeCodeDead {
		t.Fatalf("after 3 wrong current passwords: %d %s", r.Status, r.Body)
	}
}

func TestSameAsCurrent(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	r := change(t, e, "assure", cookie, code, assurePass, assurePass, assurePass)
	p := r.AnyProblem(t)
	if r.Status != http.StatusUnprocessableEntity || p.Code != api.CodePasswordPolicy {
		t.Fatalf("same as current: %d %s", r.Status, r.Body)
	}
	if got := failed(p); !slices.Equal(got, []string{"differs"}) {
		t.Fatalf("failing rules %v, want [differs]", got)
	}
	var label string
	for _, rr := range p.Rules {
		if rr.ID == "differs" {
			label = rr.Label
		}
	}
	if !strings.Contains(label, "différent de votre mot de passe actuel") {
		t.Errorf("differs label %q", label)
	}
	if got := e.WhoAmI(t, "assure", cookie); got != http.StatusOK {
		t.Errorf("a refused change ended the session: %d", got)
	}
}

func TestPolicyFailures(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	for _, tc := range []struct {
		password, confirm string
		want              []string
	}{
		{"Zq7!Wm", "Zq7!Wm", []string{"length"}},
		{"Prairie8Vent!", "Prairie8Vent?", []string{"confirm"}},
		{"Soleil1984Mars", "Soleil1984Mars", []string{"context"}},
		{"prairie8vent!", "prairie8vent!", []string{"latin_case"}},
		{"Prairie8Vent#", "Prairie8Vent#", []string{"allowed"}},
	} {
		r := change(t, e, "assure", cookie, code, assurePass, tc.password, tc.confirm)
		p := r.AnyProblem(t)
		if r.Status != http.StatusUnprocessableEntity || p.Code != api.CodePasswordPolicy {
			t.Fatalf("%q: %d %s", tc.password, r.Status, r.Body)
		}
		if got := failed(p); !slices.Equal(got, tc.want) {
			t.Errorf("%q: failing rules %v, want %v", tc.password, got, tc.want)
		}
	}
	// Policy refusals spend no try of the code.
	if r := change(t, e, "assure", cookie, code, assurePass, "Prairie8Vent!", "Prairie8Vent!"); r.Status != http.StatusOK {
		t.Fatalf("valid password after refusals: %d %s", r.Status, r.Body)
	}
}

func TestChangeNeedsSignIn(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	for _, path := range []string{codePath("assure"), changePath("assure")} {
		r := e.Call(t, "POST", path, api.ChangePassword{Code: "1234"})
		if r.Status != http.StatusUnauthorized || r.AnyProblem(t).Code != api.CodeUnauthenticated {
			t.Errorf("%s signed out: %d %s", path, r.Status, r.Body)
		}
	}
	// A session of another portal is no session here.
	cookie := e.SignIn(t, "employeur", employMail, employPass)
	if r := e.Call(t, "POST", codePath("assure"), nil, cookie); r.Status != http.StatusUnauthorized {
		t.Errorf("cross-portal session: %d", r.Status)
	}
	if r := e.Call(t, "POST", codePath("nope"), nil, cookie); r.Status != http.StatusNotFound {
		t.Errorf("unknown portal: %d", r.Status)
	}
}

func TestMalformedCodeSpendsNoTry(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	code := askCode(t, e, "assure", cookie, assureMail)
	for _, bad := range []string{"", "12", "12345", "12a4"} {
		r := change(t, e, "assure", cookie, bad, assurePass, "Prairie8Vent!", "Prairie8Vent!")
		if p := r.AnyProblem(t); r.Status != http.StatusUnprocessableEntity || p.Code != api.CodeInvalidFields || !slices.Equal(p.Fields, []string{"code"}) {
			t.Fatalf("code %q: %d %s", bad, r.Status, r.Body)
		}
	}
	r := change(t, e, "assure", cookie, otherCode(code, 1), assurePass, "Prairie8Vent!", "Prairie8Vent!")
	if p := r.AnyProblem(t); p.AttemptsLeft == nil || *p.AttemptsLeft != 2 {
		t.Fatalf("first real wrong code: %s, want 2 left", r.Body)
	}
	spaced := code[:2] + " " + code[2:]
	if r := change(t, e, "assure", cookie, spaced, assurePass, "Prairie8Vent!", "Prairie8Vent!"); r.Status != http.StatusOK {
		t.Fatalf("code typed with a space: %d %s", r.Status, r.Body)
	}
}

func TestChangeCodesCappedPerAccount(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true, Env: map[string]string{"SESAME_LIMIT_CHANGE_CODES_PER_ACCOUNT": "2-H"}})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", assureNIR, assurePass)
	askCode(t, e, "assure", cookie, assureMail)
	askCode(t, e, "assure", cookie, assureMail)
	r := e.Call(t, "POST", codePath("assure"), nil, cookie)
	p := r.AnyProblem(t)
	if r.Status != http.StatusTooManyRequests || p.Code != api.CodeRateLimited || p.RetryAt == nil || !strings.Contains(p.Detail, "heure de Paris") {
		t.Fatalf("third code: %d %s", r.Status, r.Body)
	}
	// Another session of the same account shares the cap.
	other := e.SignIn(t, "assure", assureNIR, assurePass)
	if r := e.Call(t, "POST", codePath("assure"), nil, other); r.Status != http.StatusTooManyRequests {
		t.Fatalf("cap bypassed by a new session: %d", r.Status)
	}
	time.Sleep(50 * time.Millisecond)
	if n := e.Sink.Count(assureMail, sesametest.Subject(codeSubject)); n != 2 {
		t.Errorf("%d code mails, want 2", n)
	}
}

func TestNoValidatedEmail(t *testing.T) {
	e := sesametest.Start(t, sesametest.Options{Frozen: true})
	e.ImportAccounts(t, accounts()...)
	cookie := e.SignIn(t, "assure", noMailNIR, assurePass)
	r := e.Call(t, "POST", codePath("assure"), nil, cookie)
	if r.Status != http.StatusUnprocessableEntity || r.AnyProblem(t).Code != api.CodeNoValidatedEmail {
		t.Fatalf("no address: %d %s", r.Status, r.Body)
	}
}
