package e2e

import (
	"net/http"
	"strings"
	"testing"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// TestLinksIgnoreHostHeader: the link is built on the configured public
// URL whatever Host or X-Forwarded-* the request carries.
func TestLinksIgnoreHostHeader(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	forge := func(r *http.Request) {
		r.Host = "evil.example"
		r.Header.Set("X-Forwarded-Host", "evil.example")
		r.Header.Set("X-Forwarded-Proto", "https")
		r.Header.Set("Forwarded", "host=evil.example;proto=https")
	}
	s.Client(t).Post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email}, forge).Want(t, http.StatusAccepted)
	m := s.Sink.Wait(t, employeurAccount.Email, mailWait)
	m.Token(t, s.PublicURL+"/employeur") // every link starts with the public URL
	if strings.Contains(m.Text, "evil.example") || strings.Contains(m.HTML, "evil.example") {
		t.Errorf("the forged host made it into the mail")
	}
}

// TestCrossOrigin: state-changing requests from another site are refused.
func TestCrossOrigin(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	b := s.Client(t)
	body := api.RecoveryRequest{Email: "x@example.fr"}
	b.Post(recoveryPath("employeur"), body, sesametest.WithHeader("Sec-Fetch-Site", "cross-site")).Problem(t, http.StatusForbidden, api.CodeCrossOrigin)
	b.Post(recoveryPath("employeur"), body, sesametest.WithHeader("Origin", "http://evil.example")).Problem(t, http.StatusForbidden, api.CodeCrossOrigin)
	b.Do(http.MethodDelete, sessionPath("employeur"), nil, sesametest.WithHeader("Sec-Fetch-Site", "cross-site")).Problem(t, http.StatusForbidden, api.CodeCrossOrigin)
	// What a same-origin browser sends passes.
	b.Post(recoveryPath("employeur"), body, sesametest.WithHeader("Sec-Fetch-Site", "same-origin")).Want(t, http.StatusAccepted)
	b.Post(recoveryPath("employeur"), body, sesametest.WithHeader("Origin", s.PublicURL)).Want(t, http.StatusAccepted)
	// Reading is not state-changing.
	b.Get(api.Prefix+"/portals", sesametest.WithHeader("Sec-Fetch-Site", "cross-site")).Want(t, http.StatusOK)
}

// TestSecurityHeaders: no caching of API answers, a CSP allowing Wasm and
// no framing, no sniffing, no Referer from the reset page.
func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	b := s.Client(t)
	check := func(what string, r sesametest.Reply, api bool) {
		t.Helper()
		h := r.Header
		if api && h.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", what, h.Get("Cache-Control"))
		}
		csp := h.Get("Content-Security-Policy")
		for _, d := range []string{"'wasm-unsafe-eval'", "frame-ancestors 'none'"} {
			if !strings.Contains(csp, d) {
				t.Errorf("%s: CSP %q lacks %s", what, csp, d)
			}
		}
		if h.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: X-Content-Type-Options %q", what, h.Get("X-Content-Type-Options"))
		}
		if h.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", what, h.Get("Referrer-Policy"))
		}
	}
	check("GET /portals", b.Get(api.Prefix+"/portals").Want(t, http.StatusOK), true)
	check("POST /recovery", b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "x@example.fr"}).Want(t, http.StatusAccepted), true)
	check("POST /recovery/link", b.Post(linkPath("employeur"), api.LinkCheck{Token: "x"}).Want(t, http.StatusGone), true)
	check("unknown API path", b.Get(api.Prefix+"/nope").Want(t, http.StatusNotFound), true)
	// Every answer carries the headers, whatever its status.
	check("reset page", b.Get("/employeur/mot-de-passe/reinitialisation"), false)
	check("home page", b.Get("/").Want(t, http.StatusOK), false)
}

// TestResetPageServed: the page a link opens exists for every portal.
func TestResetPageServed(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	b := s.Client(t)
	for _, portal := range []string{"employeur", "assure", "adherent"} {
		page := b.Get("/" + portal + "/mot-de-passe/reinitialisation")
		if page.Status == http.StatusNotFound {
			t.Skipf("/%s/mot-de-passe/reinitialisation answers 404: the portal pages are not routed yet (app/page/routes.go)", portal)
		}
		page.Want(t, http.StatusOK)
		if ct := page.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
			t.Errorf("reset page: Content-Type %q", ct)
		}
		if page.Header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("reset page: Referrer-Policy %q", page.Header.Get("Referrer-Policy"))
		}
	}
}

// TestBadInput: every malformed request gets a problem+json with a code,
// never a 5xx.
func TestBadInput(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, api.Account{Portal: "adherent", MemberNumber: "12345678", Email: "x.dupont@example.org", EmailVerified: true})
	b := s.Client(t)
	var flow api.RecoveryAccepted
	b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "12345678"}).Want(t, http.StatusAccepted).JSON(t, &flow)

	big := `{"email":"` + strings.Repeat("a", 1<<20) + `@example.fr"}`
	bodies := []struct {
		name   string
		body   string
		status int
		code   string
	}{
		{"malformed JSON", `{"email":`, 400, api.CodeInvalidJSON},
		{"array", `[{"email":"a@example.fr"}]`, 400, api.CodeInvalidJSON},
		{"string", `"a@example.fr"`, 400, api.CodeInvalidJSON},
		{"null", `null`, -1, ""}, // well-formed: a 2xx is fine, a 5xx is not
		{"unknown field", `{"emial":"a@example.fr"}`, 400, api.CodeInvalidJSON},
		{"trailing data", `{"email":"a@example.fr"} {}`, 400, api.CodeInvalidJSON},
		{"1 MB", big, 413, api.CodeBodyTooLarge},
		{"invalid UTF-8", "{\"email\":\"a\xff\xfe@example.fr\"}", 400, api.CodeInvalidJSON},
		{"NUL byte", "{\"email\":\"a\x00@example.fr\"}", 400, api.CodeInvalidJSON},
		{"escaped NUL", `{"email":"a\u0000@example.fr"}`, 400, api.CodeInvalidJSON},
		{"number for a string", `{"email":42}`, 400, api.CodeInvalidJSON},
		{"object for a string", `{"email":{"a":1}}`, 400, api.CodeInvalidJSON},
		{"deep nesting", strings.Repeat("[", 100000) + strings.Repeat("]", 100000), 0, ""},
		{"empty", ``, 400, api.CodeInvalidJSON},
	}
	endpoints := []string{
		recoveryPath("employeur"), recoveryPath("assure"), recoveryPath("adherent"),
		linkPath("employeur"), linkPasswordPath("assure"), sessionPath("employeur"), sessionPath("adherent"),
		portalPath("employeur", "/password-check"),
		flowPath("adherent", flow.FlowID, "code"),
	}
	for _, ep := range endpoints {
		for _, tc := range bodies {
			r := b.Post(ep, tc.body)
			if tc.status < 0 && r.Status < 300 {
				continue
			}
			p := r.AnyProblem(t)
			if r.Status >= 500 || r.Status < 400 {
				t.Errorf("%s, %s: status %d (%s)", ep, tc.name, r.Status, p.Code)
			}
			if tc.status > 0 && (r.Status != tc.status || p.Code != tc.code) {
				t.Errorf("%s, %s: %d %s, want %d %s", ep, tc.name, r.Status, p.Code, tc.status, tc.code)
			}
		}
	}
	admin := b.Post(api.Prefix+"/admin/accounts", `{"portal":"employeur","email":`, sesametest.WithHeader("Authorization", "Bearer "+sesametest.AdminToken))
	admin.Problem(t, 400, api.CodeInvalidJSON)

	others := []struct {
		name, method, path string
		mods               []func(*http.Request)
		status             int
		code               string
	}{
		{"unknown portal", "POST", recoveryPath("nope"), nil, 404, api.CodeUnknownPortal},
		{"unknown portal, session", "GET", sessionPath("nope"), nil, 404, api.CodeUnknownPortal},
		{"unknown portal, link", "POST", linkPath("../admin"), nil, 404, ""},
		{"wrong method", "GET", recoveryPath("employeur"), nil, 405, api.CodeMethodNotAllowed},
		{"wrong method, link", "DELETE", linkPath("employeur"), nil, 405, api.CodeMethodNotAllowed},
		{"wrong method, admin", "GET", api.Prefix + "/admin/accounts", nil, 405, api.CodeMethodNotAllowed},
		{"unknown API path", "GET", api.Prefix + "/nope", nil, 404, api.CodeNotFound},
		{"unknown API path, POST", "POST", api.Prefix + "/portals/employeur/nope", nil, 404, api.CodeNotFound},
		{"media type", "POST", recoveryPath("employeur"), []func(*http.Request){sesametest.WithHeader("Content-Type", "application/xml")}, 415, api.CodeUnsupportedMedia},
		{"bad media type", "POST", recoveryPath("employeur"), []func(*http.Request){sesametest.WithHeader("Content-Type", ";;;")}, 415, api.CodeUnsupportedMedia},
	}
	for _, tc := range others {
		var body any
		if tc.method == "POST" {
			body = `{"email":"a@example.fr"}`
		}
		r := b.Do(tc.method, tc.path, body, tc.mods...)
		p := r.AnyProblem(t)
		if r.Status != tc.status || tc.code != "" && p.Code != tc.code {
			t.Errorf("%s: %d %s, want %d %s", tc.name, r.Status, p.Code, tc.status, tc.code)
		}
	}
	if logs := s.Logs.String(); strings.Contains(logs, "request failed") || strings.Contains(logs, "panic") {
		t.Errorf("the server logged failures:\n%s", logs)
	}
}

// TestCookies: the session and flow cookies are HttpOnly and SameSite,
// unprefixed and not Secure in development over http.
func TestCookies(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, employeurAccount)
	b := s.Client(t)
	r := signIn(t, b, "employeur", employeurAccount.Email, *employeurAccount.Password).Want(t, http.StatusOK)
	resp := http.Response{Header: r.Header}
	var sess, flow *http.Cookie
	for _, c := range resp.Cookies() {
		if c.Name == "sesame_session" {
			sess = c
		}
		if strings.HasPrefix(c.Name, "__Host-") {
			t.Errorf("cookie %s is __Host- prefixed over plain http", c.Name)
		}
	}
	if sess == nil {
		t.Fatalf("no sesame_session cookie in %q", r.Header.Values("Set-Cookie"))
	}
	if !sess.HttpOnly || sess.SameSite != http.SameSiteLaxMode || sess.Path != "/" || sess.Secure || sess.Domain != "" {
		t.Errorf("session cookie %q: want HttpOnly; SameSite=Lax; Path=/; no Secure, no Domain", sess.Raw)
	}
	if len(sess.Value) < 43 {
		t.Errorf("session id %q: fewer than 256 bits", sess.Value)
	}
	out := b.Do(http.MethodDelete, sessionPath("employeur"), nil).Want(t, http.StatusNoContent)
	if !strings.Contains(strings.Join(out.Header.Values("Set-Cookie"), "\n"), "sesame_session=;") {
		t.Errorf("sign-out does not clear the cookie: %q", out.Header.Values("Set-Cookie"))
	}
	b.Get(sessionPath("employeur")).Problem(t, http.StatusUnauthorized, api.CodeUnauthenticated)

	fr := b.Post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "55555555"}).Want(t, http.StatusAccepted)
	for _, c := range (&http.Response{Header: fr.Header}).Cookies() {
		if c.Name == "sesame_flow" {
			flow = c
		}
	}
	if flow == nil {
		t.Fatalf("no sesame_flow cookie in %q", fr.Header.Values("Set-Cookie"))
	}
	if !flow.HttpOnly || flow.SameSite == http.SameSiteNoneMode || flow.SameSite == http.SameSiteDefaultMode || flow.Path != "/" || flow.Secure {
		t.Errorf("flow cookie %q: want HttpOnly; SameSite; Path=/; no Secure", flow.Raw)
	}
}

// TestLogsHoldNoSecrets: after every kind of request, the logs hold no
// token, code, password or full e-mail address.
func TestLogsHoldNoSecrets(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{})
	s.ImportAccounts(t, employeurAccount, adherentAccount)
	b := s.Client(t)
	email := employeurAccount.Email
	tok := employeurLink(t, s, b, email)
	b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK)
	setPassword(t, b, "employeur", tok, "court").Want(t, http.StatusUnprocessableEntity)
	setPassword(t, b, "employeur", tok, employeurNew).Want(t, http.StatusOK)
	setPassword(t, b, "employeur", tok, employeurNew).Want(t, http.StatusGone)
	signIn(t, b, "employeur", email, "Mauvais99!pass").Want(t, http.StatusUnauthorized)
	signIn(t, b, "employeur", email, employeurNew).Want(t, http.StatusOK)
	b.Post(recoveryPath("employeur"), api.RecoveryRequest{Email: "inconnu.total@example.fr"}).Want(t, http.StatusAccepted)
	b.Post(recoveryPath("employeur"), `{"email":"leak.in.json@example.fr","x":1}`).Want(t, http.StatusBadRequest)
	b.Post(portalPath("employeur", "/password-check"), api.PasswordCheck{Password: "Secret42!check", Confirm: "Secret42!check"}).Want(t, http.StatusOK)

	ab := s.Client(t)
	flow, code := adherentFlow(t, s, ab, adherentAccount.MemberNumber, adherentAccount.Email)
	ab.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: otherCode(code, 0)}).Want(t, http.StatusUnprocessableEntity)
	var ca api.CodeAccepted
	ab.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Want(t, http.StatusOK).JSON(t, &ca)
	s.Sink.Wait(t, email, mailWait, sesametest.Kind("password_changed"))

	checkLogsClean(t, s.Logs, tok, code, otherCode(code, 0), ca.Token, employeurNew, "Mauvais99!pass", "Secret42!check",
		*employeurAccount.Password, email, adherentAccount.Email, "inconnu.total@example.fr", "leak.in.json@example.fr", sesametest.AdminToken, sesametest.SecretKey)
	if !strings.Contains(s.Logs.String(), "mail delivered") {
		t.Errorf("the logs say nothing of the mails: is the buffer wired?\n%s", s.Logs.String())
	}
}
