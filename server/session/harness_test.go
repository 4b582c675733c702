package session_test

// A small harness: the real server started in-process on 127.0.0.1:0, a
// real SMTP sink (go-smtp), a controllable clock, and raw HTTP calls with
// cookies handled by hand (so attributes, rotation and Secure cookies over
// plain http can be checked). The same file lives in server/account.

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"mime/multipart"
	"net"
	"net/http"
	"net/mail"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
	_ "time/tzdata"

	"github.com/emersion/go-smtp"

	"sesame/server/config"
	"sesame/server/sesame"
	"sesame/shared/api"
)

const (
	testSecret = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"
	adminToken = "test-admin-token-0123456789abcdef0123"
)

// clock is a controllable time source.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *clock) Advance(d time.Duration) {
	c.mu.Lock()
	c.t = c.t.Add(d)
	c.mu.Unlock()
}

// sink is a real SMTP server keeping what it receives.
type sink struct {
	addr string
	mu   sync.Mutex
	msgs []msg
	cond chan struct{}
}

// msg is a received mail, decoded.
type msg struct {
	To      []string
	Subject string
	Text    string
	HTML    string
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{sink: s}, nil }

type smtpSession struct {
	sink *sink
	to   []string
}

func (ss *smtpSession) Mail(string, *smtp.MailOptions) error { return nil }
func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	ss.to = append(ss.to, to)
	return nil
}
func (ss *smtpSession) Reset()        { ss.to = nil }
func (ss *smtpSession) Logout() error { return nil }
func (ss *smtpSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := decodeMail(raw)
	if err != nil {
		return err
	}
	m.To = ss.to
	ss.sink.mu.Lock()
	ss.sink.msgs = append(ss.sink.msgs, m)
	close(ss.sink.cond)
	ss.sink.cond = make(chan struct{})
	ss.sink.mu.Unlock()
	return nil
}

func decodeMail(raw []byte) (msg, error) {
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return msg{}, err
	}
	var out msg
	dec := new(mime.WordDecoder)
	if out.Subject, err = dec.DecodeHeader(m.Header.Get("Subject")); err != nil {
		return msg{}, err
	}
	err = walkPart(m.Header, m.Body, &out)
	return out, err
}

type header interface{ Get(string) string }

func decodeBase64(b []byte) ([]byte, error) {
	return base64.StdEncoding.DecodeString(strings.Join(strings.Fields(string(b)), ""))
}

// walkPart collects the text and HTML parts (multipart decodes
// quoted-printable by itself).
func walkPart(h header, body io.Reader, out *msg) error {
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil {
		mt = "text/plain"
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(p.Header, p, out); err != nil {
				return err
			}
		}
	}
	b, err := io.ReadAll(body)
	if err != nil {
		return err
	}
	if strings.EqualFold(h.Get("Content-Transfer-Encoding"), "base64") {
		b, err = decodeBase64(b)
		if err != nil {
			return err
		}
	}
	switch mt {
	case "text/plain":
		out.Text += string(b)
	case "text/html":
		out.HTML += string(b)
	}
	return nil
}

func (s *sink) all() []msg {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]msg(nil), s.msgs...)
}

// wait returns the first mail to addr, after the first skip ones to it,
// whose subject contains subject.
func (s *sink) wait(t *testing.T, addr, subject string, skip int) msg {
	t.Helper()
	deadline := time.After(15 * time.Second)
	for {
		s.mu.Lock()
		n := 0
		for _, m := range s.msgs {
			if len(m.To) > 0 && strings.EqualFold(m.To[0], addr) && strings.Contains(m.Subject, subject) {
				if n == skip {
					s.mu.Unlock()
					return m
				}
				n++
			}
		}
		c := s.cond
		s.mu.Unlock()
		select {
		case <-c:
		case <-deadline:
			t.Fatalf("no mail %q #%d to %s; got %d mails", subject, skip, addr, len(s.all()))
		}
	}
}

// count is the number of mails to addr whose subject contains subject.
func (s *sink) count(addr, subject string) int {
	n := 0
	for _, m := range s.all() {
		if len(m.To) > 0 && strings.EqualFold(m.To[0], addr) && strings.Contains(m.Subject, subject) {
			n++
		}
	}
	return n
}

func startSink(t testing.TB) *sink {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	s := &sink{addr: l.Addr().String(), cond: make(chan struct{})}
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.ReadTimeout = 10 * time.Second
	srv.WriteTimeout = 10 * time.Second
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

// env is one running server.
type env struct {
	t     testing.TB
	base  string
	srv   *sesame.Server
	clock *clock
	mail  *sink
	http  *http.Client
}

// start runs a server with captchas off unless env says otherwise; env
// adds or overrides SESAME_* variables, and the key "config" holds the
// JSON of a configuration file.
func start(t testing.TB, extra map[string]string) *env {
	t.Helper()
	s := startSink(t)
	vars := map[string]string{
		"SESAME_DEV":         "1",
		"SESAME_SECRET_KEY":  testSecret,
		"SESAME_SMTP_URL":    "smtp://" + s.addr + "?tls=none",
		"SESAME_CAPTCHA":     "off",
		"SESAME_ADMIN_TOKEN": adminToken,
		"SESAME_SYNC_WRITES": "off",
	}
	for k, v := range extra {
		vars[k] = v
	}
	if js, ok := vars["config"]; ok {
		path := filepath.Join(t.TempDir(), "sesame.json")
		if err := os.WriteFile(path, []byte(js), 0o600); err != nil {
			t.Fatal(err)
		}
		vars["SESAME_CONFIG"] = path
		delete(vars, "config")
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		t.Fatal(err)
	}
	cfg.DataDir = "" // in memory
	c := &clock{t: time.Now().Truncate(time.Second)}
	srv, err := sesame.New(cfg, sesame.Options{Now: c.Now, WebDir: t.TempDir(), Logger: slog.New(slog.DiscardHandler)})
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			t.Errorf("serve: %v", err)
		}
	})
	return &env{
		t: t, base: "http://" + ln.Addr().String(), srv: srv, clock: c, mail: s,
		http: &http.Client{Timeout: 30 * time.Second, Transport: &http.Transport{MaxIdleConnsPerHost: 1024, MaxConnsPerHost: 0}},
	}
}

// resp is an answer, read.
type resp struct {
	Status  int
	Header  http.Header
	Body    []byte
	Cookies []*http.Cookie
}

func (r resp) problem(t testing.TB) api.Problem {
	t.Helper()
	var p api.Problem
	if err := json.Unmarshal(r.Body, &p); err != nil {
		t.Fatalf("not a problem (%d): %s", r.Status, r.Body)
	}
	return p
}

func (r resp) cookie(name string) *http.Cookie {
	for _, c := range r.Cookies {
		if c.Name == name {
			return c
		}
	}
	return nil
}

// call sends body as JSON with the given cookies ("name=value").
func (e *env) call(method, path string, body any, cookies ...string) resp {
	e.t.Helper()
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			e.t.Fatal(err)
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, e.base+path, rd)
	if err != nil {
		e.t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, c := range cookies {
		if c != "" {
			req.Header.Add("Cookie", c)
		}
	}
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp{Status: res.StatusCode, Header: res.Header, Body: b, Cookies: res.Cookies()}
}

// importAccounts creates accounts through the admin API.
func (e *env) importAccounts(accounts ...api.Account) {
	e.t.Helper()
	req, _ := http.NewRequest("POST", e.base+api.Prefix+"/admin/accounts", bytes.NewReader(mustJSON(e.t, accounts)))
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+adminToken)
	res, err := e.http.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	if res.StatusCode != http.StatusCreated {
		e.t.Fatalf("import: %d %s", res.StatusCode, b)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func sessionPath(portal string) string { return api.Prefix + "/portals/" + portal + "/session" }

// signIn signs in and returns the session cookie as "name=value"; it fails
// the test on anything but 200.
func (e *env) signIn(portal, identifier, password string, cookies ...string) string {
	e.t.Helper()
	r := e.call("POST", sessionPath(portal), api.SignIn{Identifier: identifier, Password: password}, cookies...)
	if r.Status != http.StatusOK {
		e.t.Fatalf("sign in %s/%s: %d %s", portal, identifier, r.Status, r.Body)
	}
	c := r.cookie(e.srv.Sessions.Cookie())
	if c == nil || c.Value == "" {
		e.t.Fatalf("sign in: no session cookie")
	}
	return c.Name + "=" + c.Value
}

// whoAmI is GET /session's status.
func (e *env) whoAmI(portal, cookie string) int {
	e.t.Helper()
	return e.call("GET", sessionPath(portal), nil, cookie).Status
}

// nir builds a valid NIR (with its key) from its first 13 digits.
func nir(first13 string) string {
	n, err := strconv.ParseInt(first13, 10, 64)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s%02d", first13, 97-n%97)
}

var (
	codeLine = regexp.MustCompile(`(?m)^ {4}(\d{4,10})\r?$`)
	linkRe   = regexp.MustCompile(`reinitialisation#([A-Za-z0-9_-]{43})`)
)

// codeIn returns the code a mail carries.
func codeIn(t testing.TB, m msg) string {
	t.Helper()
	c := codeLine.FindStringSubmatch(m.Text)
	if c == nil {
		t.Fatalf("no code in mail %q:\n%s", m.Subject, m.Text)
	}
	return c[1]
}

func ptr(s string) *string { return &s }
