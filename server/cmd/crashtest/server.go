package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// server is the Sésame binary under test, run as a child process on one
// data directory and one address across its restarts.
type server struct {
	bin, dir, addr string
	env            []string
	log            *os.File // the output of every run, appended

	cmd    *exec.Cmd
	exited chan struct{} // closed when cmd has exited
	killed bool          // the exit was ours
	starts int
}

// adminToken lets the test import its accounts.
const adminToken = "crashtest-admin-token-0123456789abcdef"

func newServer(bin, dir, smtpURL string, secret string) (*server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, err
	}
	addr := ln.Addr().String()
	ln.Close()
	log, err := os.Create(filepath.Join(dir, "sesame.log"))
	if err != nil {
		return nil, err
	}
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "SESAME_") {
			env = append(env, kv)
		}
	}
	env = append(env,
		"SESAME_DEV=1", // http public URL; the demo accounts are harmless
		"SESAME_DATA_DIR="+filepath.Join(dir, "data"),
		"SESAME_SYNC_WRITES=1",
		"SESAME_SECRET_KEY="+secret,
		"SESAME_ADMIN_TOKEN="+adminToken,
		"SESAME_CAPTCHA=off",
		"SESAME_ADDR="+addr,
		"SESAME_PUBLIC_URL=http://localhost:"+port(addr), // a host name, as passkeys want
		"SESAME_SMTP_URL="+smtpURL,
	)
	for _, l := range []string{"RECOVERY_PER_IDENTIFIER", "RECOVERY_PER_IP", "CODE_SENDS_PER_FLOW", "LINK_CHECKS_PER_IP",
		"SIGN_IN_PER_IP", "CHANGE_CODES_PER_ACCOUNT", "PASSKEY_BEGINS_PER_IP"} {
		env = append(env, "SESAME_LIMIT_"+l+"=off")
	}
	return &server{bin: bin, dir: dir, addr: addr, env: env, log: log}, nil
}

func (s *server) base() string { return "http://" + s.addr }

// start runs the binary; it does not wait for it to be ready.
func (s *server) start() error {
	fmt.Fprintf(s.log, "\n===== crashtest: start %d at %s\n", s.starts+1, time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(s.bin)
	cmd.Env, cmd.Dir = s.env, s.dir
	cmd.Stdout, cmd.Stderr = s.log, s.log // in our process group: a ^C stops it too
	if err := cmd.Start(); err != nil {
		return fmt.Errorf("start %s: %w", s.bin, err)
	}
	s.cmd, s.exited, s.killed = cmd, make(chan struct{}), false
	s.starts++
	go func(c *exec.Cmd, done chan struct{}) { _ = c.Wait(); close(done) }(cmd, s.exited)
	return nil
}

// kill sends SIGKILL and waits until the process is gone.
func (s *server) kill() {
	if s.cmd == nil {
		return
	}
	s.killed = true
	_ = s.cmd.Process.Kill() // SIGKILL
	<-s.exited
	fmt.Fprintf(s.log, "===== crashtest: SIGKILL at %s\n", time.Now().Format(time.RFC3339Nano))
	s.cmd = nil
}

// waitReady waits for /readyz to answer 200: Badger opened and answers.
func (s *server) waitReady(ctx context.Context, limit time.Duration) (time.Duration, error) {
	t0 := time.Now()
	ctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	hc := &http.Client{Timeout: time.Second}
	for {
		if res, err := hc.Get(s.base() + "/readyz"); err == nil {
			res.Body.Close()
			if res.StatusCode == http.StatusOK {
				return time.Since(t0), nil
			}
		}
		select {
		case <-s.exited:
			return 0, fmt.Errorf("the server exited while starting (start %d): %s", s.starts, s.tail())
		case <-ctx.Done():
			return 0, fmt.Errorf("not ready within %s (start %d): %s", limit, s.starts, s.tail())
		case <-time.After(20 * time.Millisecond):
		}
	}
}

// died reports an exit that was not ours.
func (s *server) died() bool {
	if s.cmd == nil || s.killed {
		return false
	}
	select {
	case <-s.exited:
		return true
	default:
		return false
	}
}

// tail is the end of the server's output, for error messages.
func (s *server) tail() string {
	b, _ := os.ReadFile(s.log.Name())
	if len(b) > 3000 {
		b = b[len(b)-3000:]
	}
	return "\n" + string(b)
}

// client speaks to the server like a browser without cookie jar: one
// connection per request, so that a kill never leaves a dead idle
// connection behind.
type client struct {
	base string
	hc   *http.Client
}

func newClient(base string) *client {
	return &client{base: base, hc: &http.Client{Timeout: 15 * time.Second, Transport: &http.Transport{DisableKeepAlives: true}}}
}

type reply struct {
	status int
	body   []byte
	header http.Header
}

// problemCode is the code of a problem+json answer.
func (r reply) problemCode() string {
	var p struct {
		Code string `json:"code"`
	}
	_ = json.Unmarshal(r.body, &p)
	return p.Code
}

// errNotSent says a request never reached the server (nothing listened):
// it certainly had no effect.
var errNotSent = errors.New("not sent")

// post sends body as JSON with the headers given as "Name: value".
func (c *client) do(method, path string, body any, headers ...string) (reply, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return reply{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, c.base+path, rd)
	if err != nil {
		return reply{}, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for _, h := range headers {
		k, v, _ := strings.Cut(h, ": ")
		req.Header.Set(k, v)
	}
	res, err := c.hc.Do(req)
	if err != nil {
		var op *net.OpError
		if errors.As(err, &op) && op.Op == "dial" {
			return reply{}, fmt.Errorf("%w: %w", errNotSent, err)
		}
		return reply{}, err
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{status: res.StatusCode, body: b, header: res.Header}, nil
}

func (c *client) post(path string, body any, headers ...string) (reply, error) {
	return c.do(http.MethodPost, path, body, headers...)
}

// cookie returns "name=value" of the cookie the answer sets, if any.
func (r reply) cookie(name string) string {
	for _, c := range (&http.Response{Header: r.header}).Cookies() {
		if c.Name == name {
			return c.Name + "=" + c.Value
		}
	}
	return ""
}

// metric reads a counter or gauge without labels from /metrics; -1 if
// unknown.
func (c *client) metric(name string) int {
	r, err := c.do(http.MethodGet, "/metrics", nil)
	if err != nil || r.status != http.StatusOK {
		return -1
	}
	for _, l := range strings.Split(string(r.body), "\n") {
		if v, ok := strings.CutPrefix(l, name+" "); ok {
			var n float64
			if _, err := fmt.Sscan(v, &n); err == nil {
				return int(n)
			}
		}
	}
	return -1
}

func port(addr string) string {
	_, p, _ := net.SplitHostPort(addr)
	return p
}
