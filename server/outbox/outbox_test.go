package outbox

import (
	"bytes"
	"context"
	"encoding/hex"
	"errors"
	"io"
	"io/fs"
	"mime"
	"mime/multipart"
	"net"
	netmail "net/mail"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func TestNewValidates(t *testing.T) {
	db := openDB(t, "")
	key := newKey(t)
	tests := []struct {
		name string
		db   *badger.DB
		key  []byte
		r    Renderer
		s    Sender
	}{
		{"nil db", nil, key, testRenderer{}, &capture{}},
		{"short key", db, key[:16], testRenderer{}, &capture{}},
		{"nil renderer", db, key, nil, &capture{}},
		{"nil sender", db, key, testRenderer{}, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, err := New(tt.db, tt.key, tt.r, tt.s, Options{}); err == nil {
				t.Fatal("New succeeded, want error")
			}
		})
	}
}

// A job enqueued in a committed transaction is delivered once over real
// SMTP, as multipart text+HTML with an encoded French subject, then deleted.
func TestDeliverOverSMTP(t *testing.T) {
	db := openDB(t, "")
	sk := startSink(t, "127.0.0.1:0", nil)
	o := newOutbox(t, db, newKey(t), testRenderer{}, smtpSender(t, sk.addr), fastOpts(t))
	stop := start(t, o)

	j := enqueue(t, db, o, Job{Kind: "reset_code", Lang: "fr", To: "alice@example.org",
		Data: map[string]string{"name": "Alice <&>"}, Secret: "123456"})
	if j.ID == "" || j.Created.IsZero() || j.NextAttempt.IsZero() {
		t.Fatalf("Enqueue did not set ID/Created/NextAttempt: %+v", j)
	}
	waitFor(t, "delivery", func() bool { return sk.count() == 1 && pending(t, o) == 0 })
	o.Notify() // a further scan must not send it again
	time.Sleep(50 * time.Millisecond)
	stop()

	msgs := sk.received()
	if len(msgs) != 1 {
		t.Fatalf("got %d mails, want 1", len(msgs))
	}
	if got := msgs[0].To; len(got) != 1 || got[0] != "alice@example.org" {
		t.Errorf("RCPT TO = %v", got)
	}
	if msgs[0].From != "no-reply@sesame.test" {
		t.Errorf("MAIL FROM = %q", msgs[0].From)
	}
	if stored(t, db, jobPrefix, j.ID) != nil {
		t.Error("delivered job still stored")
	}
	if st := o.Stats(); st.Delivered != 1 || st.Retried != 0 || st.Dead != 0 {
		t.Errorf("Stats = %+v", st)
	}

	m, err := netmail.ReadMessage(bytes.NewReader(msgs[0].Data))
	if err != nil {
		t.Fatal(err)
	}
	rawSubject := m.Header.Get("Subject")
	if !strings.HasPrefix(strings.ToLower(rawSubject), "=?utf-8?") {
		t.Errorf("raw Subject %q is not RFC 2047 encoded", rawSubject)
	}
	subject, err := new(mime.WordDecoder).DecodeHeader(rawSubject)
	if err != nil || subject != "Réinitialiser le mot de passe" {
		t.Errorf("Subject = %q (%v)", subject, err)
	}
	for _, h := range []string{"Date", "Message-Id", "From", "To"} {
		if m.Header.Get(h) == "" {
			t.Errorf("header %s missing", h)
		}
	}
	if from, err := netmail.ParseAddress(m.Header.Get("From")); err != nil || from.Name != "Sésame" || from.Address != "no-reply@sesame.test" {
		t.Errorf("From = %q (%v)", m.Header.Get("From"), err)
	}
	if got := m.Header.Get("Auto-Submitted"); got != "auto-generated" {
		t.Errorf("Auto-Submitted = %q", got)
	}
	if id := m.Header.Get("Message-Id"); !strings.HasSuffix(id, "@sesame.test>") {
		t.Errorf("Message-ID = %q, want the From domain", id)
	}

	mt, params, err := mime.ParseMediaType(m.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q (%v)", m.Header.Get("Content-Type"), err)
	}
	parts := map[string]string{}
	mr := multipart.NewReader(m.Body, params["boundary"])
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		pt, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		b, _ := io.ReadAll(p)
		parts[pt] = string(b)
	}
	if !strings.Contains(parts["text/plain"], "your code: 123456") || !strings.Contains(parts["text/plain"], "Alice <&>") {
		t.Errorf("text part = %q", parts["text/plain"])
	}
	if !strings.Contains(parts["text/html"], "<b>123456</b>") || !strings.Contains(parts["text/html"], "Alice &lt;&amp;&gt;") {
		t.Errorf("html part = %q", parts["text/html"])
	}
}

func TestSMTPAuthPlain(t *testing.T) {
	db := openDB(t, "")
	sk := startSink(t, "127.0.0.1:0", &sink{user: "sesame", pass: "s3cr3t"})
	s, err := NewSMTPSender("smtp://sesame:s3cr3t@"+sk.addr+"?tls=none&auth=plain", "no-reply@sesame.test")
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(s.String(), "s3cr3t") {
		t.Errorf("String() leaks the password: %s", s)
	}
	o := newOutbox(t, db, newKey(t), testRenderer{}, s, fastOpts(t))
	start(t, o)
	enqueue(t, db, o, Job{Kind: "reset_code", Lang: "en", To: "bob@example.org", Secret: "654321"})
	waitFor(t, "authenticated delivery", func() bool { return sk.count() == 1 && pending(t, o) == 0 })
}

// Discarding the caller's transaction discards the job with it.
func TestEnqueueFollowsCallerTransaction(t *testing.T) {
	db := openDB(t, "")
	o := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, fastOpts(t))
	tests := []struct {
		name   string
		commit bool
		want   int
	}{
		{"discarded", false, 0},
		{"committed", true, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			txn := db.NewTransaction(true)
			if err := txn.Set([]byte("token/x"), []byte("hash")); err != nil {
				t.Fatal(err)
			}
			if _, err := o.Enqueue(txn, Job{Kind: "reset_link", To: "a@b.c", Secret: "s"}); err != nil {
				t.Fatal(err)
			}
			if tt.commit {
				if err := txn.Commit(); err != nil {
					t.Fatal(err)
				}
			} else {
				txn.Discard()
			}
			if got := pending(t, o); got != tt.want {
				t.Fatalf("Pending = %d, want %d", got, tt.want)
			}
		})
	}
}

func TestEnqueueRejectsIncompleteJob(t *testing.T) {
	db := openDB(t, "")
	o := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, fastOpts(t))
	for _, j := range []Job{{Kind: "reset_link"}, {To: "a@b.c"}} {
		if _, err := o.EnqueueNow(t.Context(), j); err == nil {
			t.Errorf("EnqueueNow(%+v) succeeded", j)
		}
	}
}

// With SMTP down the job is kept and retried; after a stop and a restart
// with SMTP up, it is delivered exactly once and the queue is empty.
func TestSurvivesSMTPDownAndRestart(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t)
	const to = "carol@example.org"

	db := openDB(t, dir)
	o := newOutbox(t, db, key, testRenderer{}, smtpSender(t, closedAddr(t)), fastOpts(t))
	j, err := o.EnqueueNow(t.Context(), Job{Kind: "reset_link", Lang: "en", To: to, Secret: "tok-" + randomHex(t)})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, o)
	waitFor(t, "two failed attempts", func() bool {
		r := stored(t, db, jobPrefix, j.ID)
		return r != nil && r.Attempts >= 2
	})
	stop()
	r := stored(t, db, jobPrefix, j.ID)
	if r.LastError == "" || strings.Contains(r.LastError, to) {
		t.Errorf("LastError = %q, want a failure text without the address", r.LastError)
	}
	if o.Stats().Retried < 2 {
		t.Errorf("Stats = %+v, want Retried >= 2", o.Stats())
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = openDB(t, dir)
	sk := startSink(t, "127.0.0.1:0", nil)
	o = newOutbox(t, db, key, testRenderer{}, smtpSender(t, sk.addr), fastOpts(t))
	if got := pending(t, o); got != 1 {
		t.Fatalf("after restart Pending = %d, want 1", got)
	}
	stop = start(t, o)
	waitFor(t, "delivery after restart", func() bool { return sk.count() == 1 && pending(t, o) == 0 })
	o.Notify()
	time.Sleep(50 * time.Millisecond)
	stop()
	if n := sk.count(); n != 1 {
		t.Fatalf("delivered %d times, want 1", n)
	}
}

// A running worker keeps retrying and delivers once SMTP comes up.
func TestRetriesUntilSMTPComesUp(t *testing.T) {
	db := openDB(t, "")
	addr := closedAddr(t)
	o := newOutbox(t, db, newKey(t), testRenderer{}, smtpSender(t, addr), fastOpts(t))
	start(t, o)
	j, err := o.EnqueueNow(t.Context(), Job{Kind: "reset_code", To: "dan@example.org", Secret: "1"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a failed attempt", func() bool {
		r := stored(t, db, jobPrefix, j.ID)
		return r != nil && r.Attempts >= 1
	})
	l, err := net.Listen("tcp", addr)
	if err != nil {
		t.Skipf("port %s taken meanwhile: %v", addr, err)
	}
	sk := serveSink(t, l, &sink{})
	waitFor(t, "delivery once SMTP is up", func() bool { return sk.count() == 1 && pending(t, o) == 0 })
}

// The secret is in the mail but nowhere in the data directory, even when
// a careless Sender puts it in its error text.
func TestSecretNeverStoredInClear(t *testing.T) {
	dir := t.TempDir()
	key := newKey(t)
	hexPart := randomHex(t)
	secret := "TOPSECRET-" + hexPart
	const to = "erin@example.org"

	db := openDB(t, dir)
	leaky := &capture{err: errors.New("relay said: cannot deliver code " + secret + " to " + to)}
	o := newOutbox(t, db, key, testRenderer{}, leaky, fastOpts(t))
	j, err := o.EnqueueNow(t.Context(), Job{Kind: "reset_code", To: to, Secret: secret})
	if err != nil {
		t.Fatal(err)
	}
	stop := start(t, o)
	waitFor(t, "a failed attempt", func() bool {
		r := stored(t, db, jobPrefix, j.ID)
		return r != nil && r.Attempts >= 1
	})
	stop()
	r := stored(t, db, jobPrefix, j.ID)
	if !strings.Contains(r.LastError, "[redacted]") || strings.Contains(r.LastError, to) {
		t.Errorf("LastError = %q, want the secret redacted and the address masked", r.LastError)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	needles := [][]byte{[]byte(secret), []byte(hexPart), []byte(hex.EncodeToString([]byte(secret)))}
	files := 0
	err = filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		for _, n := range needles {
			if bytes.Contains(b, n) {
				t.Errorf("%s contains the secret (%q)", filepath.Base(path), n)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 {
		t.Fatal("no file in the data directory")
	}

	db = openDB(t, dir)
	good := &capture{}
	o = newOutbox(t, db, key, testRenderer{}, good, fastOpts(t))
	start(t, o)
	waitFor(t, "delivery", func() bool { return len(good.sent()) == 1 })
	if m := good.sent()[0]; !strings.Contains(m.Text, secret) || !strings.Contains(m.HTML, secret) {
		t.Errorf("rendered mail lacks the secret: %+v", m)
	}
}

// A sealed secret moved to another job does not open: the job fails
// without panic, and is retried or dead-lettered; the other job is fine.
func TestSealedSecretBoundToJob(t *testing.T) {
	tests := []struct {
		name        string
		maxAttempts int
		wantDead    bool
	}{
		{"retry forever", 0, false},
		{"dead letter", 3, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t, "")
			out := &capture{}
			opts := fastOpts(t)
			opts.MaxAttempts = tt.maxAttempts
			opts.MaxBackoff = time.Hour
			o := newOutbox(t, db, newKey(t), testRenderer{}, out, opts)
			a := enqueue(t, db, o, Job{Kind: "reset_code", To: "a@example.org", Secret: "AAAA"})
			b := enqueue(t, db, o, Job{Kind: "reset_code", To: "b@example.org", Secret: "BBBB"})
			// Move a's sealed secret into b.
			err := db.Update(func(txn *badger.Txn) error {
				ra, rb := stored(t, db, jobPrefix, a.ID), stored(t, db, jobPrefix, b.ID)
				rb.Sealed = ra.Sealed
				v, err := encodeRecord(rb)
				if err != nil {
					return err
				}
				return txn.Set(jobKey(b.ID), v)
			})
			if err != nil {
				t.Fatal(err)
			}
			start(t, o)
			waitFor(t, "a delivered, b failed", func() bool {
				if len(out.sent()) != 1 {
					return false
				}
				if tt.wantDead {
					return stored(t, db, deadPrefix, b.ID) != nil
				}
				r := stored(t, db, jobPrefix, b.ID)
				return r != nil && r.Attempts >= 1
			})
			if m := out.sent()[0]; m.To != "a@example.org" || !strings.Contains(m.Text, "AAAA") {
				t.Errorf("delivered %+v, want a's mail", m)
			}
			var r *record
			if tt.wantDead {
				r = stored(t, db, deadPrefix, b.ID)
				if stored(t, db, jobPrefix, b.ID) != nil {
					t.Error("dead job still queued")
				}
			} else {
				r = stored(t, db, jobPrefix, b.ID)
				// Permanent failure, retried forever: at the slowest pace.
				if wait := time.Until(r.NextAttempt); wait < 30*time.Minute {
					t.Errorf("next attempt in %v, want about MaxBackoff", wait)
				}
			}
			if !strings.Contains(r.LastError, "cannot open sealed secret") {
				t.Errorf("LastError = %q", r.LastError)
			}
		})
	}
}

// SMTP 5xx is permanent (dead at once with MaxAttempts), 4xx is retried up
// to MaxAttempts.
func TestDeadLetters(t *testing.T) {
	tests := []struct {
		name         string
		to           string
		maxAttempts  int
		wantAttempts int
	}{
		{"550 recipient rejected", "reject@example.org", 5, 1},
		{"451 until max attempts", "later@example.org", 3, 3},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openDB(t, "")
			sk := startSink(t, "127.0.0.1:0", nil)
			opts := fastOpts(t)
			opts.MaxAttempts = tt.maxAttempts
			o := newOutbox(t, db, newKey(t), testRenderer{}, smtpSender(t, sk.addr), opts)
			start(t, o)
			j := enqueue(t, db, o, Job{Kind: "reset_link", To: tt.to, Secret: "x"})
			waitFor(t, "dead letter", func() bool { return stored(t, db, deadPrefix, j.ID) != nil })
			r := stored(t, db, deadPrefix, j.ID)
			if r.Attempts != tt.wantAttempts {
				t.Errorf("Attempts = %d, want %d", r.Attempts, tt.wantAttempts)
			}
			if strings.Contains(r.LastError, tt.to) || !strings.Contains(r.LastError, "RCPT") {
				t.Errorf("LastError = %q", r.LastError)
			}
			if got := pending(t, o); got != 0 {
				t.Errorf("Pending = %d, want 0", got)
			}
			if n, err := o.DeadLetters(t.Context()); err != nil || n != 1 {
				t.Errorf("DeadLetters = %d, %v; want 1", n, err)
			}
			if st := o.Stats(); st.Dead != 1 || st.Delivered != 0 || st.Retried != uint64(tt.wantAttempts-1) {
				t.Errorf("Stats = %+v", st)
			}
			if sk.count() != 0 {
				t.Error("the sink accepted a mail")
			}
		})
	}
}

// slowSender counts concurrent sends of the same mail.
type slowSender struct {
	calls, active, maxActive atomic.Int32
}

func (s *slowSender) Send(ctx context.Context, _ Mail) error {
	s.calls.Add(1)
	n := s.active.Add(1)
	defer s.active.Add(-1)
	for {
		m := s.maxActive.Load()
		if n <= m || s.maxActive.CompareAndSwap(m, n) {
			break
		}
	}
	select {
	case <-time.After(100 * time.Millisecond):
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Many wake-ups and workers never deliver one job twice at once.
func TestOneWorkerPerJob(t *testing.T) {
	db := openDB(t, "")
	s := &slowSender{}
	opts := fastOpts(t)
	opts.Workers = 8
	o := newOutbox(t, db, newKey(t), testRenderer{}, s, opts)
	start(t, o)
	enqueue(t, db, o, Job{Kind: "reset_code", To: "f@example.org", Secret: "1"})
	for range 50 {
		o.Notify()
		time.Sleep(time.Millisecond)
	}
	waitFor(t, "delivery", func() bool { return pending(t, o) == 0 })
	if c, m := s.calls.Load(), s.maxActive.Load(); c != 1 || m != 1 {
		t.Errorf("calls = %d, max concurrent = %d; want 1 and 1", c, m)
	}
}

// Cancelling Run lets an in-flight send finish and record its result.
func TestRunFinishesInFlightSend(t *testing.T) {
	db := openDB(t, "")
	s := &slowSender{}
	o := newOutbox(t, db, newKey(t), testRenderer{}, s, fastOpts(t))
	stop := start(t, o)
	enqueue(t, db, o, Job{Kind: "reset_code", To: "g@example.org", Secret: "1"})
	waitFor(t, "send started", func() bool { return s.calls.Load() == 1 })
	stop()
	if got := pending(t, o); got != 0 {
		t.Errorf("Pending = %d after stop, want 0 (in-flight send completed)", got)
	}
}

func TestRunOnlyOnce(t *testing.T) {
	db := openDB(t, "")
	o := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, fastOpts(t))
	start(t, o)
	waitFor(t, "Run active", func() bool {
		o.mu.Lock()
		defer o.mu.Unlock()
		return o.running
	})
	if err := o.Run(t.Context()); err == nil {
		t.Fatal("second concurrent Run succeeded")
	}
}

// A corrupt record is moved aside instead of blocking the queue.
func TestCorruptRecordDeadLettered(t *testing.T) {
	db := openDB(t, "")
	o := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, fastOpts(t))
	err := db.Update(func(txn *badger.Txn) error { return txn.Set(jobKey("bad"), []byte("{not json")) })
	if err != nil {
		t.Fatal(err)
	}
	start(t, o)
	waitFor(t, "corrupt job moved", func() bool { return pending(t, o) == 0 && o.Stats().Dead == 1 })
}

// flaky fails its first send (temporary) and records every attempt.
type flaky struct {
	mu       sync.Mutex
	attempts []Mail
}

func (f *flaky) Send(_ context.Context, m Mail) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.attempts = append(f.attempts, m)
	if len(f.attempts) == 1 {
		return errors.New("451 try again later")
	}
	return nil
}

func (f *flaky) sent() []Mail {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.attempts)
}

// Every attempt at a job carries the same Message-ID, so a resend after a
// failure or a crash is a duplicate receivers can recognise.
func TestMessageIDStableAcrossAttempts(t *testing.T) {
	db := openDB(t, "")
	f := &flaky{}
	o := newOutbox(t, db, newKey(t), testRenderer{}, f, fastOpts(t))
	start(t, o)
	j, err := o.EnqueueNow(t.Context(), Job{Kind: "reset_code", To: "dan@example.org", Secret: "1"})
	if err != nil {
		t.Fatal(err)
	}
	waitFor(t, "a second attempt", func() bool { return len(f.sent()) >= 2 && pending(t, o) == 0 })
	for i, m := range f.sent() {
		if got := m.Headers["Message-ID"]; got != j.ID {
			t.Errorf("attempt %d: Message-ID %q, want the job id %q", i+1, got, j.ID)
		}
	}

	s, err := NewSMTPSender("smtp://h", "no-reply@sesame.test")
	if err != nil {
		t.Fatal(err)
	}
	msg, err := s.message(Mail{To: "a@b.test", Subject: "s", Text: "t", Headers: map[string]string{"Message-ID": j.ID}})
	if err != nil {
		t.Fatal(err)
	}
	if got, want := msg.GetGenHeader("Message-ID"), "<"+j.ID+"@sesame.test>"; len(got) != 1 || got[0] != want {
		t.Errorf("SMTP Message-ID %q, want %q", got, want)
	}
}
