package outbox

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"html"
	"io"
	"log/slog"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// sink is a real SMTP server (go-smtp) recording what it accepts.
// Recipients whose local part starts with "reject" get a 550, with "later"
// a 451, to exercise the permanent and temporary paths.
type sink struct {
	addr string
	user string // if set, PLAIN authentication is required
	pass string

	mu       sync.Mutex
	msgs     []received
	sessions int // connections accepted
}

type received struct {
	From string
	To   []string
	Data []byte
}

func (s *sink) NewSession(*smtp.Conn) (smtp.Session, error) {
	s.mu.Lock()
	s.sessions++
	s.mu.Unlock()
	return &session{sink: s}, nil
}

func (s *sink) connections() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.sessions
}

func (s *sink) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.msgs...)
}

func (s *sink) count() int { return len(s.received()) }

type session struct {
	sink   *sink
	authed bool
	cur    received
}

func (ss *session) AuthMechanisms() []string {
	if ss.sink.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *session) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.sink.user || pass != ss.sink.pass {
			return smtp.ErrAuthFailed
		}
		ss.authed = true
		return nil
	}), nil
}

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	if ss.sink.user != "" && !ss.authed {
		return smtp.ErrAuthRequired
	}
	ss.cur = received{From: from}
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	switch {
	case strings.HasPrefix(to, "reject"):
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "<" + to + ">: no such user"}
	case strings.HasPrefix(to, "later"):
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	ss.cur.To = append(ss.cur.To, to)
	return nil
}

func (ss *session) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.Data = b
	ss.sink.mu.Lock()
	ss.sink.msgs = append(ss.sink.msgs, ss.cur)
	ss.sink.mu.Unlock()
	return nil
}

func (ss *session) Reset()        { ss.cur = received{} }
func (ss *session) Logout() error { return nil }

// startSink serves SMTP on addr ("127.0.0.1:0" for any port) until the
// test ends.
func startSink(t *testing.T, addr string, s *sink) *sink {
	t.Helper()
	if s == nil {
		s = &sink{}
	}
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatalf("listen %s: %v", addr, err)
	}
	return serveSink(t, l, s)
}

// serveSink serves SMTP for s on l until the test ends.
func serveSink(t *testing.T, l net.Listener, s *sink) *sink {
	t.Helper()
	srv := newSMTPServer(s)
	s.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	t.Cleanup(func() { _ = srv.Close() })
	return s
}

func newSMTPServer(s *sink) *smtp.Server {
	srv := smtp.NewServer(s)
	srv.Domain = "localhost"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout = 5 * time.Second
	srv.WriteTimeout = 5 * time.Second
	return srv
}

// closedAddr returns an address where nothing listens (SMTP down).
func closedAddr(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	return addr
}

func smtpSender(t *testing.T, addr string) *SMTPSender {
	t.Helper()
	s, err := NewSMTPSender("smtp://"+addr+"?tls=none&timeout=2s", "Sésame <no-reply@sesame.test>")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func openDB(t *testing.T, dir string) *badger.DB {
	t.Helper()
	opts := badger.DefaultOptions(dir).WithLogger(nil).WithSyncWrites(true)
	if dir == "" {
		opts = opts.WithInMemory(true)
	}
	db, err := badger.Open(opts)
	if err != nil {
		t.Fatalf("open badger: %v", err)
	}
	// Registered before any start, so it runs after Run has stopped.
	t.Cleanup(func() {
		if !db.IsClosed() {
			_ = db.Close()
		}
	})
	return db
}

func newKey(t *testing.T) []byte {
	t.Helper()
	k := make([]byte, 32)
	if _, err := rand.Read(k); err != nil {
		t.Fatal(err)
	}
	return k
}

// testRenderer puts the secret in both bodies.
type testRenderer struct{}

func (testRenderer) Render(j Job) (Mail, error) {
	subject := "Reset your password"
	if j.Lang == "fr" {
		subject = "Réinitialiser le mot de passe"
	}
	return Mail{
		To:      j.To,
		Subject: subject,
		Text:    "Hello " + j.Data["name"] + ",\nyour code: " + j.Secret + "\n",
		HTML:    "<p>Hello " + html.EscapeString(j.Data["name"]) + ",</p><p>your code: <b>" + html.EscapeString(j.Secret) + "</b></p>",
		Headers: map[string]string{"Auto-Submitted": "auto-generated"},
	}, nil
}

// fastOpts keeps retries in milliseconds and logs into the test output.
func fastOpts(t *testing.T) Options {
	return Options{
		MinBackoff:  5 * time.Millisecond,
		MaxBackoff:  20 * time.Millisecond,
		SendTimeout: 3 * time.Second,
		Logger:      slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Helper()
	w.t.Log(strings.TrimRight(string(p), "\n"))
	return len(p), nil
}

func newOutbox(t *testing.T, db *badger.DB, key []byte, r Renderer, s Sender, opts Options) *Outbox {
	t.Helper()
	o, err := New(db, key, r, s, opts)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// start runs o until the returned stop is called (or the test ends); stop
// waits for Run to return.
func start(t *testing.T, o *Outbox) (stop func()) {
	t.Helper()
	ctx, cancel := context.WithCancel(t.Context())
	done := make(chan error, 1)
	go func() { done <- o.Run(ctx) }()
	var once sync.Once
	stop = func() {
		once.Do(func() {
			cancel()
			select {
			case err := <-done:
				if err != nil {
					t.Errorf("Run: %v", err)
				}
			case <-time.After(5 * time.Second):
				t.Error("Run did not return after cancel")
			}
		})
	}
	t.Cleanup(stop)
	return stop
}

// waitFor polls cond until it holds or 5 s have passed.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

func pending(t *testing.T, o *Outbox) int {
	t.Helper()
	n, err := o.Pending(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// stored reads the record of job id under prefix; nil if absent.
func stored(t *testing.T, db *badger.DB, prefix, id string) *record {
	t.Helper()
	var r *record
	err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(prefix + id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			r, err = decodeRecord(v)
			return err
		})
	})
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func enqueue(t *testing.T, db *badger.DB, o *Outbox, j Job) Job {
	t.Helper()
	var out Job
	err := db.Update(func(txn *badger.Txn) error {
		var err error
		out, err = o.Enqueue(txn, j)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	o.Notify()
	return out
}

func randomHex(t *testing.T) string {
	t.Helper()
	b := make([]byte, 12)
	if _, err := rand.Read(b); err != nil {
		t.Fatal(err)
	}
	return fmt.Sprintf("%x", b)
}

// capture is an in-memory Sender for tests that are not about SMTP.
type capture struct {
	mu    sync.Mutex
	mails []Mail
	err   error
}

func (c *capture) Send(_ context.Context, m Mail) error {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.err != nil {
		return c.err
	}
	c.mails = append(c.mails, m)
	return nil
}

func (c *capture) sent() []Mail {
	c.mu.Lock()
	defer c.mu.Unlock()
	return append([]Mail(nil), c.mails...)
}
