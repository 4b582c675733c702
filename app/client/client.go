// Package client is the one API client every screen uses: typed calls to
// the HTTP API under /api/v1 (shared/api spells the bodies), JSON in and
// out, errors as problem details.
//
// In the browser the calls go through fetch (syscall/js, no net/http in the
// Wasm), same-origin with credentials, so the session and flow cookies
// travel. Natively (prerendering, tests) the default transport always fails:
// tests give their own Transport.
//
// Every call blocks until the answer arrives. In the browser that means it
// must run off the UI goroutine: call it from ctx.Async and come back with
// ctx.Dispatch. Secrets (tokens, passwords, codes) travel in request bodies
// only, never in a request line.
package client

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync/atomic"

	"sesame/shared/api"
	"sesame/shared/message"
	"sesame/shared/portal"
)

// ErrOffline says the request never got an answer: the network is down, the
// server unreachable, or the request timed out. The screens treat it as the
// real offline signal (navigator.onLine lies).
var ErrOffline = errors.New("client: offline")

// ErrNoTransport is what the native default transport answers: there is no
// browser to fetch with.
var ErrNoTransport = errors.New("client: no transport outside the browser")

// Request is one HTTP request as the transport sends it.
type Request struct {
	Method string
	URL    string // path and query, relative to the page's origin
	Header map[string]string
	Body   []byte // nil for no body
}

// Response is what the transport got back.
type Response struct {
	Status      int
	ContentType string
	Body        []byte
}

// Transport sends one request. It returns ErrOffline (possibly wrapped) when
// no answer arrived.
type Transport interface {
	RoundTrip(Request) (Response, error)
}

// Client calls the API. The zero value works: French, the page's origin,
// the browser's fetch.
type Client struct {
	// Lang is the UI language, sent as Accept-Language: "fr" (default) or
	// "en". The problems' details come back in it.
	Lang string
	// Transport sends the requests; nil means the default (fetch in the
	// browser, ErrNoTransport natively).
	Transport Transport
}

// observer is told whether each request got an answer (see Observe).
var observer atomic.Pointer[func(reached bool)]

// Observe registers f, which learns after every request of every Client
// whether an answer arrived: reached is false when the request ended in
// ErrOffline. It is how app/offline learns that the network is down (a
// failed fetch) or back (any answer, even a problem). f runs on the
// caller's goroutine and must not block; nil unregisters.
func Observe(f func(reached bool)) {
	if f == nil {
		observer.Store(nil)
		return
	}
	observer.Store(&f)
}

func notify(reached bool) {
	if f := observer.Load(); f != nil {
		(*f)(reached)
	}
}

// Error is a problem the API answered (RFC 9457). Screens branch on
// Problem.Status and Problem.Code and show Problem.Detail.
type Error struct {
	Problem api.Problem
}

func (e *Error) Error() string {
	return fmt.Sprintf("api: %d %s: %s", e.Problem.Status, e.Problem.Code, e.Problem.Detail)
}

// ProblemOf returns the problem err carries, or nil when err is not an API
// answer (nil, offline, …).
func ProblemOf(err error) *api.Problem {
	var e *Error
	if errors.As(err, &e) {
		return &e.Problem
	}
	return nil
}

func (c *Client) lang() string {
	if c.Lang == "en" {
		return "en"
	}
	return "fr"
}

func (c *Client) transport() Transport {
	if c.Transport != nil {
		return c.Transport
	}
	return defaultTransport
}

// portalPath is /api/v1/portals/{id} followed by the path elements, each
// escaped.
func portalPath(id string, elem ...string) string {
	var b strings.Builder
	b.WriteString(api.Prefix + "/portals/")
	b.WriteString(url.PathEscape(id))
	for _, e := range elem {
		b.WriteByte('/')
		b.WriteString(url.PathEscape(e))
	}
	return b.String()
}

// Without net/http (it weighs 0.85 MB in the Wasm) the methods and statuses
// are spelled out.

// do sends in (when not nil) as JSON and decodes a 2xx answer into out
// (when not nil). Other answers become *Error.
func (c *Client) do(method, path string, in, out any) error {
	req := Request{Method: method, URL: path, Header: map[string]string{
		"Accept":          "application/json, application/problem+json",
		"Accept-Language": c.lang(),
	}}
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return fmt.Errorf("client: encoding %s %s: %w", method, path, err)
		}
		req.Body = b
		req.Header["Content-Type"] = "application/json"
	}
	res, err := c.transport().RoundTrip(req)
	notify(!errors.Is(err, ErrOffline))
	if err != nil {
		return err
	}
	if res.Status < 200 || res.Status > 299 {
		return c.problem(res)
	}
	if out == nil || res.Status == 204 || len(res.Body) == 0 {
		return nil
	}
	if err := json.Unmarshal(res.Body, out); err != nil {
		return fmt.Errorf("client: decoding the answer of %s %s: %w", method, path, err)
	}
	return nil
}

// problem decodes an error answer. Anything that is not a problem (a
// proxy's HTML page, say) still becomes one, with a detail in the UI
// language.
func (c *Client) problem(res Response) error {
	var p api.Problem
	if isJSON(res.ContentType) {
		_ = json.Unmarshal(res.Body, &p)
	}
	p.Status = res.Status
	if p.Code == "" {
		switch {
		case res.Status == 429:
			p.Code = api.CodeRateLimited
		case res.Status == 502, res.Status == 503, res.Status == 504:
			p.Code = api.CodeUnavailable
		case res.Status == 404:
			p.Code = api.CodeNotFound
		default:
			p.Code = api.CodeInternal
		}
	}
	if p.Detail == "" {
		p.Detail = message.Problem(p.Code, c.lang())
	}
	return &Error{Problem: p}
}

func isJSON(ct string) bool {
	ct = strings.ToLower(strings.TrimSpace(strings.SplitN(ct, ";", 2)[0]))
	return ct == "application/json" || ct == "application/problem+json"
}

// Portal is GET /portals/{portal}: the portal's public configuration.
func (c *Client) Portal(id string) (portal.Config, error) {
	var p portal.Config
	err := c.do("GET", portalPath(id), nil, &p)
	return p, err
}

// StartRecovery is POST /portals/{portal}/recovery with the portal's proof
// fields. The answer says the same whether or not an account matched.
func (c *Client) StartRecovery(portalID string, req api.RecoveryRequest) (api.RecoveryAccepted, error) {
	if req.Lang == "" {
		req.Lang = c.lang()
	}
	var a api.RecoveryAccepted
	err := c.do("POST", portalPath(portalID, "recovery"), req, &a)
	return a, err
}

// CheckLink is POST /recovery/link: can the link's token still be used?
// 410 problems say why not (link_expired, link_used, link_superseded,
// link_invalid).
func (c *Client) CheckLink(portalID, token string) (api.LinkStatus, error) {
	var s api.LinkStatus
	err := c.do("POST", portalPath(portalID, "recovery", "link"), api.LinkCheck{Token: token}, &s)
	return s, err
}

// SetPassword is POST /recovery/link/password. A 422 carries the failing
// rules in Problem.Rules.
func (c *Client) SetPassword(portalID, token, password, confirm string) (api.Done, error) {
	var d api.Done
	err := c.do("POST", portalPath(portalID, "recovery", "link", "password"),
		api.NewPassword{Token: token, Password: password, Confirm: confirm}, &d)
	return d, err
}

// SendCode is POST /recovery/flows/{flow}/send: e-mail the flow's code.
func (c *Client) SendCode(portalID, flowID string) (api.RecoveryAccepted, error) {
	var a api.RecoveryAccepted
	err := c.do("POST", portalPath(portalID, "recovery", "flows", flowID, "send"), struct{}{}, &a)
	return a, err
}

// SubmitCode is POST /recovery/flows/{flow}/code. A right code gives a token
// usable with CheckLink and SetPassword; a 422 carries AttemptsLeft.
func (c *Client) SubmitCode(portalID, flowID, code string) (api.CodeAccepted, error) {
	var a api.CodeAccepted
	err := c.do("POST", portalPath(portalID, "recovery", "flows", flowID, "code"), api.CodeSubmit{Code: code}, &a)
	return a, err
}

// SignIn is POST /portals/{portal}/session.
func (c *Client) SignIn(portalID string, req api.SignIn) (api.Session, error) {
	var s api.Session
	err := c.do("POST", portalPath(portalID, "session"), req, &s)
	return s, err
}

// Session is GET /portals/{portal}/session: who is signed in (401 when
// nobody).
func (c *Client) Session(portalID string) (api.Session, error) {
	var s api.Session
	err := c.do("GET", portalPath(portalID, "session"), nil, &s)
	return s, err
}

// SignOut is DELETE /portals/{portal}/session.
func (c *Client) SignOut(portalID string) error {
	return c.do("DELETE", portalPath(portalID, "session"), nil, nil)
}

// ChangePasswordCode is POST /account/password/code: e-mail a confirmation
// code to the signed-in member (again: the previous code dies).
func (c *Client) ChangePasswordCode(portalID string) (api.ChangeCodeSent, error) {
	var s api.ChangeCodeSent
	err := c.do("POST", portalPath(portalID, "account", "password", "code"), struct{}{}, &s)
	return s, err
}

// ChangePassword is POST /account/password. Every session of the account
// ends on success.
func (c *Client) ChangePassword(portalID string, req api.ChangePassword) (api.Done, error) {
	var d api.Done
	err := c.do("POST", portalPath(portalID, "account", "password"), req, &d)
	return d, err
}

// PasskeyRegisterBegin is POST /passkeys/register/begin: the creation
// options (go-webauthn's JSON, as it is) for a new passkey of the signed-in
// member, named name (empty: the server names it). The ceremony is bound to
// this browser by a cookie.
func (c *Client) PasskeyRegisterBegin(portalID, name string) (json.RawMessage, error) {
	var o json.RawMessage
	err := c.do("POST", portalPath(portalID, "passkeys", "register", "begin"), api.PasskeyBegin{Name: name}, &o)
	return o, err
}

// PasskeyRegisterFinish is POST /passkeys/register/finish with the
// browser's new credential (app/passkey.Create); 201 gives the passkey.
func (c *Client) PasskeyRegisterFinish(portalID string, credential json.RawMessage) (api.Passkey, error) {
	var p api.Passkey
	err := c.do("POST", portalPath(portalID, "passkeys", "register", "finish"), credential, &p)
	return p, err
}

// Passkeys is GET /passkeys: the signed-in member's passkeys.
func (c *Client) Passkeys(portalID string) (api.Passkeys, error) {
	var p api.Passkeys
	err := c.do("GET", portalPath(portalID, "passkeys"), nil, &p)
	return p, err
}

// DeletePasskey is DELETE /passkeys/{id}. The password may be empty: the
// server then answers 403 reauthentication_required unless the session was
// opened with another passkey a moment ago.
func (c *Client) DeletePasskey(portalID, id, password string) error {
	return c.do("DELETE", portalPath(portalID, "passkeys", id), api.PasskeyDelete{Password: password}, nil)
}

// PasskeySignInBegin is POST /session/passkey/begin: the request options
// of a discoverable sign-in (no account named), bound to this browser by a
// cookie.
func (c *Client) PasskeySignInBegin(portalID string) (json.RawMessage, error) {
	var o json.RawMessage
	err := c.do("POST", portalPath(portalID, "session", "passkey", "begin"), struct{}{}, &o)
	return o, err
}

// PasskeySignInFinish is POST /session/passkey/finish with the browser's
// assertion (app/passkey.Get): signed in as with a password, or 401
// passkey_failed, 410 ceremony_expired.
func (c *Client) PasskeySignInFinish(portalID string, assertion json.RawMessage) (api.Session, error) {
	var s api.Session
	err := c.do("POST", portalPath(portalID, "session", "passkey", "finish"), assertion, &s)
	return s, err
}

// Captcha is POST /captcha: a new image and audio challenge.
func (c *Client) Captcha() (api.CaptchaChallenge, error) {
	var ch api.CaptchaChallenge
	err := c.do("POST", api.Prefix+"/captcha", struct{}{}, &ch)
	return ch, err
}
