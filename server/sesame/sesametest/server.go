package sesametest

import (
	"bytes"
	"context"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"testing"
	"time"

	"sesame/server/config"
	"sesame/server/sesame"
	"sesame/shared/api"
)

// Fixed settings of every test server, for tests that check they never leak.
const (
	AdminToken = "test-admin-token-0123456789abcdefghijklmnop"
	SecretKey  = "5e5a3e00112233445566778899aabbccddeeff00112233445566778899aabbcc"
)

// defaultPublicURL is deliberately not the listener's address: links must
// be built on the configured public URL, never on the request's host.
const defaultPublicURL = "http://sesame.test:8000"

// Options say how to start a server. The zero Options run a server in
// development mode, its data in memory, captchas off, mail to a new Sink,
// on a clock that follows the wall clock.
type Options struct {
	// Env adds or overrides SESAME_* settings ("" values count as unset,
	// as in a real environment). The defaults: SESAME_DEV=1,
	// SESAME_SECRET_KEY=SecretKey, SESAME_ADMIN_TOKEN=AdminToken,
	// SESAME_CAPTCHA=off, SESAME_PUBLIC_URL=http://sesame.test:8000 and
	// SESAME_SMTP_URL to the sink.
	Env map[string]string
	// Config is the JSON of a configuration file (SESAME_CONFIG), for the
	// settings that have no variable.
	Config string
	// Dir is the data directory; "" keeps the database in memory.
	Dir string
	// SMTP replaces the sink's SESAME_SMTP_URL; no sink is started then.
	SMTP string
	// Sink, Clock and Logs are made when nil; Restart reuses them.
	Sink  *Sink
	Clock *Clock
	Logs  *Logs
	// Frozen makes the clock Start makes stand still, at the current
	// second, until the test moves it (Clock.Advance, Clock.Set).
	Frozen bool
	// Quiet discards the server's logs instead (benchmarks).
	Quiet bool
	// WebDir holds the web app's files; default an empty directory.
	WebDir string
	// Localhost makes http://localhost:<port> the public URL and the URL
	// to reach the server, as a browser wants it (a secure context, and
	// the origin the cross-origin protection trusts).
	Localhost bool
	// Wrap, if set, wraps the server's handler (to watch what it answers).
	Wrap func(http.Handler) http.Handler
}

// Server is a running Sésame.
type Server struct {
	Srv       *sesame.Server
	URL       string // where it listens: http://127.0.0.1:<port>, or http://localhost:<port> with Options.Localhost
	PublicURL string // the configured public URL, which links are built on
	Sink      *Sink  // nil when Options.SMTP names another server
	Clock     *Clock
	Logs      *Logs // empty when Options.Quiet
	// HTTP is a client with no cookie jar, sharing the server's
	// connections with every Client of the server.
	HTTP *http.Client

	opts     Options
	stopOnce sync.Once
	cancel   context.CancelFunc
	done     chan error
}

// Start runs a server for the test; it stops when the test ends, and a
// failed test shows its logs.
func Start(t testing.TB, o Options) *Server {
	t.Helper()
	if o.Sink == nil && o.SMTP == "" {
		o.Sink = StartSink(t)
	}
	if o.Clock == nil {
		o.Clock = &Clock{frozen: o.Frozen, at: time.Now().Truncate(time.Second)}
	}
	if o.Logs == nil {
		logs := &Logs{}
		o.Logs = logs
		t.Cleanup(func() {
			if t.Failed() && logs.String() != "" {
				t.Logf("server log:\n%s", logs)
			}
		})
	}
	if o.WebDir == "" {
		o.WebDir = t.TempDir()
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("listen: %v", err)
	}
	url := "http://" + ln.Addr().String()
	vars := map[string]string{
		"SESAME_DEV":         "1",
		"SESAME_DATA_DIR":    o.Dir,
		"SESAME_SECRET_KEY":  SecretKey,
		"SESAME_ADMIN_TOKEN": AdminToken,
		"SESAME_CAPTCHA":     "off",
		"SESAME_PUBLIC_URL":  defaultPublicURL,
	}
	if o.Localhost {
		url = "http://localhost:" + strconv.Itoa(ln.Addr().(*net.TCPAddr).Port)
		vars["SESAME_PUBLIC_URL"] = url
	}
	if o.SMTP != "" {
		vars["SESAME_SMTP_URL"] = o.SMTP
	} else {
		vars["SESAME_SMTP_URL"] = o.Sink.URL()
	}
	if o.Config != "" {
		path := filepath.Join(t.TempDir(), "sesame.json")
		if err := os.WriteFile(path, []byte(o.Config), 0o600); err != nil {
			ln.Close()
			t.Fatal(err)
		}
		vars["SESAME_CONFIG"] = path
	}
	for k, v := range o.Env {
		vars[k] = v
	}
	cfg, err := config.Load(func(k string) string { return vars[k] })
	if err != nil {
		ln.Close()
		t.Fatalf("config: %v", err)
	}
	if vars["SESAME_DATA_DIR"] == "" {
		cfg.DataDir = "" // in memory: the variable cannot say so ("" is unset)
	}
	log := slog.New(slog.DiscardHandler)
	if !o.Quiet {
		log = slog.New(slog.NewTextHandler(o.Logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	srv, err := sesame.New(cfg, sesame.Options{Logger: log, Version: "test", WebDir: o.WebDir, Now: o.Clock.Now})
	if err != nil {
		ln.Close()
		t.Fatalf("sesame.New: %v", err)
	}
	if o.Wrap != nil {
		srv.Handler = o.Wrap(srv.Handler)
	}
	transport := &http.Transport{MaxIdleConnsPerHost: 1024}
	ctx, cancel := context.WithCancel(context.Background())
	s := &Server{
		Srv: srv, URL: url, PublicURL: cfg.PublicURL, Sink: o.Sink, Clock: o.Clock, Logs: o.Logs,
		HTTP: &http.Client{Timeout: 30 * time.Second, Transport: transport},
		opts: o, cancel: cancel, done: make(chan error, 1),
	}
	go func() { s.done <- srv.Serve(ctx, ln) }()
	t.Cleanup(func() {
		s.Stop(t)
		transport.CloseIdleConnections()
	})
	return s
}

// Stop shuts the server down and waits until its database is closed.
func (s *Server) Stop(t testing.TB) {
	s.stopOnce.Do(func() {
		s.cancel()
		select {
		case err := <-s.done:
			if err != nil {
				t.Errorf("Serve: %v", err)
			}
		case <-time.After(20 * time.Second):
			t.Errorf("the server did not stop within 20 s")
		}
	})
}

// Restart stops the server and starts another with the same options (the
// same data directory, sink, clock and logs), changed by edit if given.
func (s *Server) Restart(t testing.TB, edit func(*Options)) *Server {
	t.Helper()
	s.Stop(t)
	o := s.opts
	if edit != nil {
		edit(&o)
	}
	return Start(t, o)
}

// ImportAccounts creates accounts through the admin endpoint (one account
// is sent as an object, several as an array) and checks they all were.
func (s *Server) ImportAccounts(t testing.TB, accounts ...api.Account) {
	t.Helper()
	var body any = accounts
	if len(accounts) == 1 {
		body = accounts[0]
	}
	r := s.Client(t).Post(api.Prefix+"/admin/accounts", body, WithHeader("Authorization", "Bearer "+AdminToken))
	r.Want(t, http.StatusCreated)
	var c api.Created
	r.JSON(t, &c)
	if c.Created != len(accounts) {
		t.Fatalf("created %d accounts, want %d", c.Created, len(accounts))
	}
}

// Call sends one request with cookies handled by hand: body as Client.Do
// sends it, and only the cookies given ("name=value"; "" ones are skipped).
// What the server sets is in the Reply (Reply.Cookie).
func (s *Server) Call(t testing.TB, method, path string, body any, cookies ...string) Reply {
	t.Helper()
	c := &Client{t: t, base: s.URL, HTTP: s.HTTP}
	return c.Do(method, path, body, func(r *http.Request) {
		for _, ck := range cookies {
			if ck != "" {
				r.Header.Add("Cookie", ck)
			}
		}
	})
}

// SignIn signs in by hand (Call) and returns the session cookie as
// "name=value"; anything but a 200 with that cookie fails the test.
func (s *Server) SignIn(t testing.TB, portal, identifier, password string, cookies ...string) string {
	t.Helper()
	r := s.Call(t, http.MethodPost, sessionPath(portal), api.SignIn{Identifier: identifier, Password: password}, cookies...)
	if r.Status != http.StatusOK {
		t.Fatalf("sign in %s/%s: %d %s", portal, identifier, r.Status, r.Body)
	}
	c := r.Cookie(s.Srv.Sessions.Cookie())
	if c == nil || c.Value == "" {
		t.Fatalf("sign in %s/%s: no session cookie in %q", portal, identifier, r.Header.Values("Set-Cookie"))
	}
	return c.Name + "=" + c.Value
}

// WhoAmI is the status of GET /session on portal with the cookie
// ("name=value"), by hand.
func (s *Server) WhoAmI(t testing.TB, portal, cookie string) int {
	t.Helper()
	return s.Call(t, http.MethodGet, sessionPath(portal), nil, cookie).Status
}

func sessionPath(portal string) string { return api.Prefix + "/portals/" + portal + "/session" }

// Clock is the server's time source, under the test's control. The zero
// Clock follows the wall clock, moved by what Advance and Set add; the
// clock of a server started with Options.Frozen stands still but for them.
type Clock struct {
	mu     sync.Mutex
	frozen bool
	at     time.Time     // frozen: what it reads
	off    time.Duration // running: added to the wall clock
}

// Now is the clock's time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.frozen {
		return c.at
	}
	return time.Now().Add(c.off)
}

// Advance moves the clock by d (backwards when d < 0).
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = c.at.Add(d)
	c.off += d
}

// Set makes the clock read t now (and run on from there, unless frozen).
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.at = t
	c.off = time.Until(t)
}

// Logs collects the server's log lines; it is safe for concurrent use.
type Logs struct {
	mu sync.Mutex
	b  bytes.Buffer
}

// Write adds p to the logs.
func (l *Logs) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

// String is everything logged so far.
func (l *Logs) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// NIR completes the first 13 digits of a NIR with their key, making a
// valid one.
func NIR(first13 string) string {
	n, err := strconv.ParseInt(first13, 10, 64)
	if err != nil {
		panic(err)
	}
	return fmt.Sprintf("%s%02d", first13, 97-n%97)
}
