package client

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"sesame/shared/api"
)

// fake answers every request with res (or err) and remembers the requests.
type fake struct {
	res  Response
	err  error
	reqs []Request
}

func (f *fake) RoundTrip(r Request) (Response, error) {
	f.reqs = append(f.reqs, r)
	return f.res, f.err
}

func TestCheckLinkSendsTheTokenInTheBody(t *testing.T) {
	f := &fake{res: Response{Status: 200, ContentType: "application/json", Body: []byte(`{"expires_at":"2030-01-02T03:04:05Z"}`)}}
	c := &Client{Transport: f}
	s, err := c.CheckLink("employeur", "s3cr3t-token")
	if err != nil {
		t.Fatal(err)
	}
	if s.ExpiresAt.Year() != 2030 {
		t.Errorf("expires_at = %v", s.ExpiresAt)
	}
	r := f.reqs[0]
	if r.Method != "POST" || r.URL != "/api/v1/portals/employeur/recovery/link" {
		t.Errorf("request line = %s %s", r.Method, r.URL)
	}
	if strings.Contains(r.URL, "s3cr3t") {
		t.Errorf("token in the request line: %s", r.URL)
	}
	var body api.LinkCheck
	if err := json.Unmarshal(r.Body, &body); err != nil || body.Token != "s3cr3t-token" {
		t.Errorf("body = %s (%v)", r.Body, err)
	}
	if r.Header["Content-Type"] != "application/json" || r.Header["Accept-Language"] != "fr" {
		t.Errorf("headers = %v", r.Header)
	}
}

func TestProblem(t *testing.T) {
	f := &fake{res: Response{Status: 422, ContentType: "application/problem+json; charset=utf-8", Body: []byte(`{
		"status":422,"code":"password_policy","detail":"Le mot de passe ne respecte pas toutes les règles.",
		"rules":[{"id":"digits","ok":false,"label":"Au moins 2 nombres"}]}`)}}
	c := &Client{Transport: f, Lang: "en"}
	_, err := c.SetPassword("employeur", "tok", "a", "a")
	p := ProblemOf(err)
	if p == nil {
		t.Fatalf("err = %v, want a problem", err)
	}
	if p.Status != 422 || p.Code != api.CodePasswordPolicy || len(p.Rules) != 1 || p.Rules[0].ID != "digits" {
		t.Errorf("problem = %+v", p)
	}
	if f.reqs[0].Header["Accept-Language"] != "en" {
		t.Errorf("Accept-Language = %q", f.reqs[0].Header["Accept-Language"])
	}
}

func TestRateLimited(t *testing.T) {
	f := &fake{res: Response{Status: 429, ContentType: "application/problem+json", Body: []byte(`{
		"status":429,"code":"rate_limited","retry_at":"2022-12-26T13:33:00Z",
		"detail":"Le service de renouvellement de mot de passe est bloqué jusqu'au 26/12/2022 - 14h33 (heure de Paris)."}`)}}
	_, err := (&Client{Transport: f}).StartRecovery("employeur", api.RecoveryRequest{Email: "a@b.fr"})
	p := ProblemOf(err)
	if p == nil || p.RetryAt == nil || p.RetryAt.Hour() != 13 || !strings.Contains(p.Detail, "heure de Paris") {
		t.Fatalf("problem = %+v (%v)", p, err)
	}
	var body api.RecoveryRequest
	_ = json.Unmarshal(f.reqs[0].Body, &body)
	if body.Email != "a@b.fr" || body.Lang != "fr" {
		t.Errorf("body = %s", f.reqs[0].Body)
	}
}

func TestNotAProblem(t *testing.T) {
	f := &fake{res: Response{Status: 502, ContentType: "text/html", Body: []byte("<h1>Bad gateway</h1>")}}
	_, err := (&Client{Transport: f}).Session("employeur")
	p := ProblemOf(err)
	if p == nil || p.Status != 502 || p.Code != api.CodeUnavailable || p.Detail == "" {
		t.Fatalf("problem = %+v", p)
	}
}

func TestOffline(t *testing.T) {
	f := &fake{err: ErrOffline}
	err := (&Client{Transport: f}).SignOut("employeur")
	if !errors.Is(err, ErrOffline) || ProblemOf(err) != nil {
		t.Fatalf("err = %v", err)
	}
}

func TestNoContent(t *testing.T) {
	f := &fake{res: Response{Status: 204}}
	if err := (&Client{Transport: f}).SignOut("employeur"); err != nil {
		t.Fatal(err)
	}
	if r := f.reqs[0]; r.Method != "DELETE" || r.URL != "/api/v1/portals/employeur/session" || r.Body != nil {
		t.Errorf("request = %+v", r)
	}
}

func TestPaths(t *testing.T) {
	f := &fake{res: Response{Status: 200, Body: []byte(`{}`)}}
	c := &Client{Transport: f}
	c.Portal("a/b")
	c.SendCode("adherent", "flow 1")
	c.SubmitCode("adherent", "f", "123456")
	c.SignIn("employeur", api.SignIn{Identifier: "a@b.fr", Password: "pw"})
	c.ChangePasswordCode("assure")
	c.ChangePassword("assure", api.ChangePassword{})
	c.Captcha()
	want := []string{
		"GET /api/v1/portals/a%2Fb",
		"POST /api/v1/portals/adherent/recovery/flows/flow%201/send",
		"POST /api/v1/portals/adherent/recovery/flows/f/code",
		"POST /api/v1/portals/employeur/session",
		"POST /api/v1/portals/assure/account/password/code",
		"POST /api/v1/portals/assure/account/password",
		"POST /api/v1/captcha",
	}
	for i, w := range want {
		if got := f.reqs[i].Method + " " + f.reqs[i].URL; got != w {
			t.Errorf("request %d = %s, want %s", i, got, w)
		}
		if strings.Contains(f.reqs[i].URL, "123456") || strings.Contains(f.reqs[i].URL, "pw") {
			t.Errorf("secret in a request line: %s", f.reqs[i].URL)
		}
	}
}

func TestNativeDefault(t *testing.T) {
	if _, err := (&Client{}).Session("employeur"); !errors.Is(err, ErrNoTransport) {
		t.Fatalf("err = %v", err)
	}
}

func TestPasskeyCalls(t *testing.T) {
	options := `{"publicKey":{"challenge":"AAEC","rpId":"localhost"}}`
	f := &fake{res: Response{Status: 200, ContentType: "application/json", Body: []byte(options)}}
	c := &Client{Transport: f}

	o, err := c.PasskeySignInBegin("employeur")
	if err != nil || string(o) != options {
		t.Fatalf("begin = %s (%v): the options must come back as they are", o, err)
	}
	if _, err := c.PasskeyRegisterBegin("employeur", "Téléphone de Claire"); err != nil {
		t.Fatal(err)
	}
	cred := json.RawMessage(`{"id":"qrvM","rawId":"qrvM","type":"public-key","response":{"clientDataJSON":"e30"}}`)
	c.PasskeySignInFinish("employeur", cred)
	c.PasskeyRegisterFinish("employeur", cred)
	c.Passkeys("employeur")
	c.DeletePasskey("employeur", "qr-_M", "pw")
	c.DeletePasskey("employeur", "qr-_M", "")

	want := []struct{ line, body string }{
		{"POST /api/v1/portals/employeur/session/passkey/begin", `{}`},
		{"POST /api/v1/portals/employeur/passkeys/register/begin", `{"name":"Téléphone de Claire"}`},
		{"POST /api/v1/portals/employeur/session/passkey/finish", string(cred)},
		{"POST /api/v1/portals/employeur/passkeys/register/finish", string(cred)},
		{"GET /api/v1/portals/employeur/passkeys", ""},
		{"DELETE /api/v1/portals/employeur/passkeys/qr-_M", `{"password":"pw"}`},
		{"DELETE /api/v1/portals/employeur/passkeys/qr-_M", `{}`},
	}
	for i, w := range want {
		r := f.reqs[i]
		if got := r.Method + " " + r.URL; got != w.line {
			t.Errorf("request %d = %s, want %s", i, got, w.line)
		}
		if string(r.Body) != w.body {
			t.Errorf("request %d body = %s, want %s", i, r.Body, w.body)
		}
	}
}

func TestPasskeyAnswers(t *testing.T) {
	f := &fake{res: Response{Status: 201, ContentType: "application/json", Body: []byte(
		`{"id":"qrvM","name":"Téléphone","created_at":"2025-11-22T13:33:00Z"}`)}}
	p, err := (&Client{Transport: f}).PasskeyRegisterFinish("employeur", json.RawMessage(`{}`))
	if err != nil || p.ID != "qrvM" || p.Name != "Téléphone" || p.CreatedAt.Hour() != 13 || p.LastUsedAt != nil {
		t.Fatalf("passkey = %+v (%v)", p, err)
	}

	f.res = Response{Status: 403, ContentType: "application/problem+json", Body: []byte(
		`{"status":403,"code":"reauthentication_required","detail":"Merci de saisir votre mot de passe pour confirmer."}`)}
	if p := ProblemOf((&Client{Transport: f}).DeletePasskey("employeur", "qrvM", "")); p == nil || p.Code != api.CodeReauthRequired {
		t.Fatalf("problem = %+v", p)
	}

	f.res = Response{Status: 410, ContentType: "application/problem+json", Body: []byte(`{"status":410,"code":"ceremony_expired"}`)}
	_, err = (&Client{Transport: f}).PasskeySignInFinish("employeur", json.RawMessage(`{}`))
	if p := ProblemOf(err); p == nil || p.Code != api.CodeCeremonyGone || p.Detail == "" {
		t.Fatalf("problem = %+v", p)
	}
}
