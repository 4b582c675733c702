package sesametest

import (
	"bytes"
	"encoding/json"
	"io"
	"net/http"
	"net/http/cookiejar"
	"strings"
	"testing"
	"time"

	"sesame/shared/api"
)

// Client speaks to one server like one browser: it keeps its own cookies,
// and sends neither Origin nor Sec-Fetch-Site, as a plain Go client does.
// It fails its test on a transport error.
type Client struct {
	t    testing.TB
	base string
	HTTP *http.Client
}

// Client returns a new client of the server, with its own cookie jar.
func (s *Server) Client(t testing.TB) *Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &Client{t: t, base: s.URL, HTTP: &http.Client{Jar: jar, Timeout: s.HTTP.Timeout, Transport: s.HTTP.Transport}}
}

// WithHeader sets a request header (a mod of Client.Do).
func WithHeader(k, v string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set(k, v) }
}

// Do sends a request to the server's path. body may be nil, []byte or
// string (sent as is), or any other value (sent as JSON); a body goes as
// application/json. mods change the request before it leaves.
func (c *Client) Do(method, path string, body any, mods ...func(*http.Request)) Reply {
	c.t.Helper()
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
			c.t.Fatal(err)
		}
		rd = bytes.NewReader(j)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		c.t.Fatal(err)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, m := range mods {
		m(req)
	}
	t0 := time.Now()
	res, err := c.HTTP.Do(req)
	if err != nil {
		c.t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	out, err := io.ReadAll(res.Body)
	if err != nil {
		c.t.Fatalf("%s %s: reading the answer: %v", method, path, err)
	}
	return Reply{Status: res.StatusCode, Header: res.Header, Body: out, Took: time.Since(t0)}
}

// Get sends a GET.
func (c *Client) Get(path string, mods ...func(*http.Request)) Reply {
	c.t.Helper()
	return c.Do(http.MethodGet, path, nil, mods...)
}

// Post sends a POST with body (see Do).
func (c *Client) Post(path string, body any, mods ...func(*http.Request)) Reply {
	c.t.Helper()
	return c.Do(http.MethodPost, path, body, mods...)
}

// Delete sends a DELETE.
func (c *Client) Delete(path string, mods ...func(*http.Request)) Reply {
	c.t.Helper()
	return c.Do(http.MethodDelete, path, nil, mods...)
}

// Cookie returns the client's cookie called name for the server, if any.
func (c *Client) Cookie(name string) *http.Cookie {
	req, _ := http.NewRequest(http.MethodGet, c.base+"/", nil)
	for _, ck := range c.HTTP.Jar.Cookies(req.URL) {
		if ck.Name == name {
			return ck
		}
	}
	return nil
}

// SetCookie plants a cookie in the client's jar.
func (c *Client) SetCookie(ck *http.Cookie) {
	req, _ := http.NewRequest(http.MethodGet, c.base+"/", nil)
	c.HTTP.Jar.SetCookies(req.URL, []*http.Cookie{ck})
}

// Reply is an HTTP answer, its body read.
type Reply struct {
	Status int
	Header http.Header
	Body   []byte
	Took   time.Duration // from sending the request to the end of the answer
}

// Want fails the test unless the answer has the status.
func (r Reply) Want(t testing.TB, status int) Reply {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d; body: %s", r.Status, status, r.Body)
	}
	return r
}

// JSON decodes the answer, which must be application/json.
func (r Reply) JSON(t testing.TB, v any) {
	t.Helper()
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Fatalf("Content-Type %q, want application/json; body: %s", ct, r.Body)
	}
	r.Decode(t, v)
}

// Decode decodes any JSON answer, problem or not.
func (r Reply) Decode(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("decoding %s: %v", r.Body, err)
	}
}

// Problem fails the test unless the answer is a complete problem (see
// AnyProblem) with the status and code, and returns it.
func (r Reply) Problem(t testing.TB, status int, code string) api.Problem {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d (%s); body: %s", r.Status, status, code, r.Body)
	}
	p := r.AnyProblem(t)
	if p.Code != code {
		t.Fatalf("problem code %q, want %q; body: %s", p.Code, code, r.Body)
	}
	return p
}

// AnyProblem decodes an application/problem+json answer, failing the test
// unless it has a code, a detail and the HTTP status.
func (r Reply) AnyProblem(t testing.TB) api.Problem {
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

// Cookie returns the cookie called name that the answer sets, if any.
func (r Reply) Cookie(name string) *http.Cookie {
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == name {
			return c
		}
	}
	return nil
}
