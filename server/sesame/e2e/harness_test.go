// Package e2e holds black-box integration tests of the Sésame edge server:
// the real server, started in-process on 127.0.0.1:0, spoken to over real
// HTTP, with its mail delivered over real SMTP to a sink the test starts.
// Each test says which promise of DESIGN.md it checks.
package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sesame/server/config"
	"sesame/server/sesame"
	"sesame/shared/api"
)

const (
	// publicURL is deliberately not the listener's address: links must be
	// built on it.
	publicURL  = "http://sesame.test:8000"
	adminToken = "e2e-admin-token-0123456789abcdefghijklmnop"
	secretKey  = "5e5a3e00112233445566778899aabbccddeeff00112233445566778899aabbcc"
	mailWait   = 10 * time.Second
)

// clock is the wall clock moved by an offset a test controls.
type clock struct{ off atomic.Int64 }

func (c *clock) Now() time.Time          { return time.Now().Add(time.Duration(c.off.Load())) }
func (c *clock) Advance(d time.Duration) { c.off.Add(int64(d)) }

// Set makes the clock read t now, and run on from there.
func (c *clock) Set(t time.Time) { c.off.Store(int64(time.Until(t))) }

// logBuffer collects the server's slog output.
type logBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *logBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *logBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// setup says how to start a server.
type setup struct {
	// Dir is the data directory; "" keeps the database in memory.
	Dir string
	// Env adds or overrides SESAME_* settings ("" values are ignored by
	// config, as in a real environment).
	Env map[string]string
	// SMTP overrides SESAME_SMTP_URL (default: the sink's).
	SMTP  string
	Clock *clock
	// Sink and Logs are reused by Restart; made when nil.
	Sink *sink
	Logs *logBuffer
}

// server is a running Sésame.
type server struct {
	Srv   *sesame.Server
	URL   string // http://127.0.0.1:port
	Sink  *sink
	Logs  *logBuffer
	Clock *clock
	setup setup

	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan error
}

// start runs a server for the test; it stops when the test ends.
func start(t testing.TB, su setup) *server {
	t.Helper()
	if su.Sink == nil && su.SMTP == "" {
		su.Sink = newSink(t)
	}
	if su.Logs == nil {
		su.Logs = &logBuffer{}
	}
	if su.Clock == nil {
		su.Clock = &clock{}
	}
	env := map[string]string{
		"SESAME_DEV":         "1",
		"SESAME_DATA_DIR":    su.Dir,
		"SESAME_SECRET_KEY":  secretKey,
		"SESAME_PUBLIC_URL":  publicURL,
		"SESAME_CAPTCHA":     "off",
		"SESAME_ADMIN_TOKEN": adminToken,
	}
	if su.SMTP != "" {
		env["SESAME_SMTP_URL"] = su.SMTP
	} else {
		env["SESAME_SMTP_URL"] = su.Sink.URL()
	}
	for k, v := range su.Env {
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatalf("config: %v", err)
	}
	if su.Dir == "" {
		cfg.DataDir = "" // SESAME_DATA_DIR cannot say "in memory": "" means unset
	}
	log := slog.New(slog.NewTextHandler(su.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	srv, err := sesame.New(cfg, sesame.Options{Logger: log, Version: "test", WebDir: t.TempDir(), Now: su.Clock.Now})
	if err != nil {
		t.Fatalf("sesame.New: %v", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		_ = srv.Close()
		t.Fatalf("listen: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	s := &server{Srv: srv, URL: "http://" + ln.Addr().String(), Sink: su.Sink, Logs: su.Logs, Clock: su.Clock,
		setup: su, cancel: cancel, done: make(chan error, 1)}
	go func() { s.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() { s.Stop(t) })
	return s
}

// Stop shuts the server down and waits until its database is closed.
func (s *server) Stop(t testing.TB) {
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("server did not stop within 20 s")
		}
	})
}

// Restart stops the server and starts a new one with the same setup
// (same data directory, sink, logs and clock), changed by edit if given.
func (s *server) Restart(t testing.TB, edit func(*setup)) *server {
	t.Helper()
	s.Stop(t)
	su := s.setup
	if edit != nil {
		edit(&su)
	}
	return start(t, su)
}

// reply is an HTTP answer, body read.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
	took   time.Duration
}

// browser is an HTTP client with its own cookies, like one browser. It
// sends neither Origin nor Sec-Fetch-Site, as a plain Go client does.
type browser struct {
	t    testing.TB
	base string
	hc   *http.Client
	lang string
}

func (s *server) browser(t testing.TB) *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &browser{t: t, base: s.URL, hc: &http.Client{Jar: jar, Timeout: 30 * time.Second}}
}

// do sends a request. body may be nil, []byte or string (sent as is), or
// any value (sent as JSON). mods change the request before it leaves.
func (b *browser) do(method, path string, body any, mods ...func(*http.Request)) reply {
	b.t.Helper()
	var rd io.Reader
	switch v := body.(type) {
	case nil:
	case []byte:
		rd = bytes.NewReader(v)
	case string:
		rd = strings.NewReader(v)
	default:
		j, err := json.Marshal(v)
		if err != nil {
			b.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, b.base+path, rd)
	if err != nil {
		b.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if b.lang != "" {
		req.Header.Set("Accept-Language", b.lang)
	}
	for _, m := range mods {
		m(req)
	}
	t0 := time.Now()
	resp, err := b.hc.Do(req)
	if err != nil {
		b.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	out, err := io.ReadAll(resp.Body)
	if err != nil {
		b.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: out, took: time.Since(t0)}
}

func (b *browser) post(path string, body any, mods ...func(*http.Request)) reply {
	b.t.Helper()
	return b.do(http.MethodPost, path, body, mods...)
}

func (b *browser) get(path string, mods ...func(*http.Request)) reply {
	b.t.Helper()
	return b.do(http.MethodGet, path, nil, mods...)
}

// cookie returns the browser's cookie called name for the server, if any.
func (b *browser) cookie(name string) *http.Cookie {
	req, _ := http.NewRequest(http.MethodGet, b.base+"/", nil)
	for _, c := range b.hc.Jar.Cookies(req.URL) {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// setCookie plants a cookie in the browser.
func (b *browser) setCookie(c *http.Cookie) {
	req, _ := http.NewRequest(http.MethodGet, b.base+"/", nil)
	b.hc.Jar.SetCookies(req.URL, []*http.Cookie{c})
}

func header(k, v string) func(*http.Request) { return func(r *http.Request) { r.Header.Set(k, v) } }

// want fails the test unless the answer has the status.
func (r reply) want(t testing.TB, status int) reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// json decodes the answer, which must be application/json.
func (r reply) json(t testing.TB, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body: %s", ct, r.Body)
	}
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// problem decodes a problem+json answer and checks its code.
func (r reply) problem(t testing.TB, status int, code string) api.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d (%s); body: %s", r.Status, status, code, r.Body)
	}
	p := r.anyProblem(t)
	if p.Code != code {
		t.Fatalf("problem code %q, want %q; body: %s", p.Code, code, r.Body)
	}
	return p
}

// anyProblem decodes a problem+json answer with a non-empty code and a
// status matching the HTTP one.
func (r reply) anyProblem(t testing.TB) api.Problem {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); ct != "application/problem+json" {
		t.Fatalf("Content-Type %q, want application/problem+json (status %d); body: %s", ct, r.Status, r.Body)
	}
	var p api.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("decoding the problem %s: %v", r.Body, err)
	}
	if p.Code == "" || p.Status != r.Status || p.Detail == "" {
		t.Fatalf("incomplete problem (status %d): %s", r.Status, r.Body)
	}
	return p
}

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

// importAccounts creates accounts through the admin endpoint.
func (s *server) importAccounts(t testing.TB, accounts ...api.Account) {
	t.Helper()
	var body any = accounts
	if len(accounts) == 1 {
		body = accounts[0]
	}
	r := s.browser(t).post(api.Prefix+"/admin/accounts", body, header("Authorization", "Bearer "+adminToken))
	r.want(t, http.StatusCreated)
	var c api.Created
	r.json(t, &c)
	if c.Created != len(accounts) {
		t.Fatalf("created %d accounts, want %d", c.Created, len(accounts))
	}
}

// employeurLink starts an employeur recovery and returns the token of the
// link it mails.
func (s *server) employeurLink(t testing.TB, b *browser, email string) string {
	t.Helper()
	b.post(recoveryPath("employeur"), api.RecoveryRequest{Email: email}).want(t, http.StatusAccepted)
	return linkToken(t, s.Sink.waitKind(t, email, "reset_link", mailWait), "employeur")
}

// adherentFlow starts an adherent recovery in b, has the code sent and
// returns the flow id and the code.
func (s *server) adherentFlow(t testing.TB, b *browser, number, email string) (flow, code string) {
	t.Helper()
	var acc api.RecoveryAccepted
	b.post(recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: number}).want(t, http.StatusAccepted).json(t, &acc)
	if acc.FlowID == "" {
		t.Fatalf("no flow id in %+v", acc)
	}
	b.post(flowPath("adherent", acc.FlowID, "send"), nil).want(t, http.StatusAccepted)
	return acc.FlowID, mailCode(t, s.Sink.waitKind(t, email, "reset_code", mailWait))
}

// setPassword resets a password with a token.
func setPassword(t testing.TB, b *browser, portal, token, password string) reply {
	t.Helper()
	return b.post(linkPasswordPath(portal), api.NewPassword{Token: token, Password: password, Confirm: password})
}

// signIn signs b in.
func signIn(t testing.TB, b *browser, portal, identifier, password string) reply {
	t.Helper()
	return b.post(sessionPath(portal), api.SignIn{Identifier: identifier, Password: password})
}

// checkLogsClean fails if the logs hold any of the secrets.
func checkLogsClean(t testing.TB, logs *logBuffer, secrets ...string) {
	t.Helper()
	text := logs.String()
	for _, s := range secrets {
		if s != "" && strings.Contains(text, s) {
			t.Errorf("the logs contain the secret %q:\n%s", s, text)
		}
	}
}

// nirWithKey completes 13 NIR digits with their key.
func nirWithKey(first13 string) string {
	var n uint64
	for _, c := range first13 {
		n = n*10 + uint64(c-'0')
	}
	return fmt.Sprintf("%s%02d", first13, 97-n%97)
}

// approx fails unless got is within tol of want.
func approx(t testing.TB, what string, got, want time.Time, tol time.Duration) {
	t.Helper()
	if d := got.Sub(want); d < -tol || d > tol {
		t.Errorf("%s = %s, want %s ± %s", what, got.Format(time.RFC3339), want.Format(time.RFC3339), tol)
	}
}

// json2 decodes any JSON answer (problem or not).
func (r reply) json2(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}
