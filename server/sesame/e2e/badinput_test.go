package e2e

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"sesame/server/problem"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
	"sesame/shared/message"
)

// badInputSeed fixes the generated requests: a failure names the sweep,
// the endpoint and the mutation, and replays the same way.
const badInputSeed = 20260407

// badInputSweeps is how many times every mutation hits every endpoint,
// each time with other random choices.
const badInputSweeps = 2

// TestBadInputGenerated: "bad input gets a clear problem+json error, never
// a crash or a 500". Every endpoint of DESIGN.md's API table (passkeys
// included, routed or not), the captcha files, the admin import with and
// without its token, and /healthz, /readyz and /metrics get, from a fixed
// seed, every mutation of badMutations: broken JSON, wrong types, fields
// over the body cap, invalid UTF-8, NUL bytes, overlong NIRs, unknown
// portals, wrong methods, missing and garbage cookies, wrong media types,
// deep nesting, duplicate keys… Every answer is checked (checkBadAnswer),
// and the server must still be alive and ready after each endpoint.
func TestBadInputGenerated(t *testing.T) {
	t.Parallel()
	s := sesametest.Start(t, sesametest.Options{Env: map[string]string{
		"SESAME_CAPTCHA": "on",
		// Budgets off, so that requests reach the validation behind them.
		"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER":  "off",
		"SESAME_LIMIT_RECOVERY_PER_IP":          "off",
		"SESAME_LIMIT_CODE_SENDS_PER_FLOW":      "off",
		"SESAME_LIMIT_LINK_CHECKS_PER_IP":       "off",
		"SESAME_LIMIT_SIGN_IN_PER_IP":           "off",
		"SESAME_LIMIT_CHANGE_CODES_PER_ACCOUNT": "off",
		"SESAME_LIMIT_PASSKEY_BEGINS_PER_IP":    "off",
	}})
	st := newBadState(t, s)
	client := &http.Client{
		Timeout:       30 * time.Second,
		Transport:     s.HTTP.Transport,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	g := &badGen{rand.New(rand.NewPCG(badInputSeed, 7))}
	start := time.Now()
	var total, problems, plain, accepted, resets int
	for sweep := range badInputSweeps {
		for _, ep := range badEndpoints() {
			st.refresh(t, ep)
			for _, m := range badMutations {
				r := st.request(g, ep)
				r.mutation, r.malformed = m.name, m.malformed
				m.apply(g, &r)
				res, body, err := sendBad(client, s.URL, &r)
				total++
				if err != nil {
					if len(r.body) > problem.MaxBody && isConnReset(err) {
						resets++ // the server answered before reading a body over its cap
						continue
					}
					t.Errorf("sweep %d, %s: %v", sweep, &r, err)
					continue
				}
				switch kind := checkBadAnswer(t, &r, res, body); kind {
				case answerProblem:
					problems++
				case answerPlain:
					plain++
				case answerOK:
					accepted++
				}
			}
			alive(t, s, ep.name)
			if t.Failed() {
				t.FailNow()
			}
		}
	}
	took := time.Since(start)
	if logs := s.Logs.String(); strings.Contains(logs, "request failed") || strings.Contains(logs, "panic") {
		t.Errorf("the server logged failures:\n%s\n%s", grepLines(logs, "request failed"), grepLines(logs, "panic"))
	}
	t.Logf("%d generated requests (%d mutations × %d endpoints × %d sweeps) in %s (%.0f/s): %d problem+json 4xx, %d 2xx/3xx, "+
		"%d plain 4xx of the web app outside /api/v1, %d bodies over the cap cut short by the server",
		total, len(badMutations), len(badEndpoints()), badInputSweeps, took.Round(time.Millisecond), float64(total)/took.Seconds(),
		problems, accepted, plain, resets)
	if total < 500 {
		t.Errorf("only %d requests generated, want at least 500", total)
	}
}

// badState is what the endpoints need to be reached in depth: a session,
// an adherent flow bound to a browser, a captcha challenge.
type badState struct {
	s       *sesametest.Server
	session string // "name=value"
	flowID  string
	flow    string // "name=value"
	captcha string
}

const badSessionPassword = "Sessi0n!Mauve42"

func newBadState(t *testing.T, s *sesametest.Server) *badState {
	t.Helper()
	s.ImportAccounts(t,
		api.Account{Portal: "employeur", Email: "bad.input@example.fr", EmailVerified: true, Password: ptr(badSessionPassword)},
		api.Account{Portal: "adherent", MemberNumber: "24681357", Email: "bad.flow@example.org", EmailVerified: true},
	)
	st := &badState{s: s}
	var ch api.CaptchaChallenge
	s.Client(t).Post(api.Prefix+"/captcha", nil).Want(t, http.StatusCreated).JSON(t, &ch)
	st.captcha = ch.ID
	return st
}

// refresh signs in again if a mutation signed the session out, and opens a
// new flow for the flow endpoints (wrong codes kill one).
func (st *badState) refresh(t *testing.T, ep badEndpoint) {
	t.Helper()
	if st.session == "" || st.s.WhoAmI(t, "employeur", st.session) != http.StatusOK {
		st.session = st.s.SignIn(t, "employeur", "bad.input@example.fr", badSessionPassword)
	}
	if st.flowID == "" || ep.auth == authFlow {
		r := st.s.Call(t, http.MethodPost, recoveryPath("adherent"), api.RecoveryRequest{MemberNumber: "24681357"})
		var acc api.RecoveryAccepted
		r.Want(t, http.StatusAccepted).JSON(t, &acc)
		c := r.Cookie("sesame_flow")
		if c == nil || acc.FlowID == "" {
			t.Fatalf("no flow: %s", r.Body)
		}
		st.flowID, st.flow = acc.FlowID, c.Name+"="+c.Value
	}
}

// alive fails unless the server still answers its health and readiness
// probes.
func alive(t *testing.T, s *sesametest.Server, after string) {
	t.Helper()
	for _, p := range []string{"/healthz", "/readyz"} {
		res, err := s.HTTP.Get(s.URL + p)
		if err != nil {
			t.Fatalf("after %s: GET %s: %v", after, p, err)
		}
		res.Body.Close()
		if res.StatusCode != http.StatusOK {
			t.Fatalf("after %s: GET %s = %d", after, p, res.StatusCode)
		}
	}
}

// badReq is one generated request.
type badReq struct {
	ep         badEndpoint
	mutation   string
	malformed  bool // the body is not a JSON object of the endpoint's type
	method     string
	portal     string
	path       string // with the portal and ids in place
	query      string
	header     http.Header
	fields     map[string]any // the body before encoding; nil: none
	second     map[string]any // the array's second element (badEndpoint.array)
	wantStatus int            // when set, the only right status
	raw        []byte         // the body as sent, when a mutation wrote it
	body       []byte
	chunked    bool     // sent without Content-Length
	secrets    []string // values no answer may echo
}

func (r *badReq) String() string {
	b := r.body
	if len(b) > 120 {
		b = append(append([]byte(nil), b[:120]...), "…"...)
	}
	return fmt.Sprintf("%s [%s] %s %s%s body %q", r.ep.name, r.mutation, r.method, r.path, r.query, b)
}

func sendBad(c *http.Client, base string, r *badReq) (*http.Response, []byte, error) {
	r.body = r.encode()
	if r.raw != nil {
		r.body = r.raw
	}
	var rd io.Reader
	if r.body != nil {
		rd = bytes.NewReader(r.body)
		if r.chunked {
			rd = struct{ io.Reader }{rd} // unknown length: chunked
		}
	}
	req, err := http.NewRequest(r.method, base+r.path+r.query, rd)
	if err != nil {
		return nil, nil, fmt.Errorf("building the request: %w", err)
	}
	for k, v := range r.header {
		req.Header[k] = v
	}
	res, err := c.Do(req)
	if err != nil {
		return nil, nil, err
	}
	defer res.Body.Close()
	body, err := io.ReadAll(res.Body)
	return res, body, err
}

func isConnReset(err error) bool {
	var op *net.OpError
	return errors.As(err, &op) || strings.Contains(err.Error(), "connection reset") || strings.Contains(err.Error(), "broken pipe")
}

type answerKind int

const (
	answerOK answerKind = iota
	answerProblem
	answerPlain
)

// checkBadAnswer checks one answer: no 5xx; a 4xx of the API is a
// problem+json whose code shared/message knows; a malformed body is never
// accepted by an endpoint that decodes one; no answer echoes a secret the
// request carried.
func checkBadAnswer(t *testing.T, r *badReq, res *http.Response, body []byte) answerKind {
	t.Helper()
	status := res.StatusCode
	for _, sec := range r.secrets {
		if len(sec) >= 10 && (bytes.Contains(body, []byte(sec)) || strings.Contains(fmt.Sprint(res.Header), sec)) {
			t.Errorf("%s: the answer echoes the secret %.20q…: %.300s", r, sec, body)
		}
	}
	if status >= 500 {
		t.Errorf("%s: status %d: %.300s", r, status, body)
		return answerOK
	}
	if r.wantStatus != 0 && status != r.wantStatus {
		t.Errorf("%s: status %d, want %d: %.300s", r, status, r.wantStatus, body)
	}
	if status < 400 {
		if r.malformed && r.ep.json && r.method == r.ep.method && status < 300 {
			t.Errorf("%s: malformed body accepted with %d: %.300s", r, status, body)
		}
		return answerOK
	}
	ct := res.Header.Get("Content-Type")
	if !strings.HasPrefix(r.path, api.Prefix+"/") && ct != "application/problem+json" {
		// Outside the API contract: the web app answers a wrong method
		// with a plain 405 and an unknown page with its HTML 404.
		return answerPlain
	}
	if ct != "application/problem+json" {
		t.Errorf("%s: status %d with Content-Type %q, want application/problem+json: %.300s", r, status, ct, body)
		return answerPlain
	}
	if r.method == http.MethodHead {
		return answerProblem // no body to read
	}
	var p api.Problem
	if err := json.Unmarshal(body, &p); err != nil {
		t.Errorf("%s: status %d: undecodable problem %.300s: %v", r, status, body, err)
		return answerProblem
	}
	if p.Status != status || p.Detail == "" || !message.HasProblem(p.Code) {
		t.Errorf("%s: status %d: incomplete problem or code unknown to shared/message: %.300s", r, status, body)
	}
	return answerProblem
}
