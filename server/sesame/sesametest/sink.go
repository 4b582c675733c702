package sesametest

import (
	"io"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"

	"sesame/server/mimetext"
	"sesame/server/token"
)

// Sink is an SMTP server on 127.0.0.1 that keeps every message it gets.
type Sink struct {
	Addr string // host:port
	// Refuse, with a temporary 451, the next Refuse messages.
	Refuse atomic.Int32

	srv       *smtp.Server
	done      chan struct{}
	closeOnce sync.Once

	mu    sync.Mutex
	msgs  []Message
	taken []bool
	news  chan struct{} // closed and replaced at each new message
}

// Message is one mail the sink received, decoded.
type Message struct {
	From    string
	To      []string // envelope recipients
	Header  mail.Header
	Subject string // RFC 2047 decoded
	Text    string // text/plain parts, transfer-decoded
	HTML    string // text/html parts, transfer-decoded
	Raw     []byte
}

// StartSink starts a sink on a free port of 127.0.0.1; it stops when the
// test ends.
func StartSink(t testing.TB) *Sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("mail sink: %v", err)
	}
	k := &Sink{Addr: ln.Addr().String(), done: make(chan struct{}), news: make(chan struct{})}
	k.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }))
	k.srv.Domain = "sink.test"
	k.srv.AllowInsecureAuth = true
	k.srv.ReadTimeout = 10 * time.Second
	k.srv.WriteTimeout = 10 * time.Second
	k.srv.MaxMessageBytes = 4 << 20
	go func() { defer close(k.done); _ = k.srv.Serve(ln) }()
	t.Cleanup(k.Close)
	return k
}

// Close stops the sink: from then on, mail to it fails to connect.
func (k *Sink) Close() {
	k.closeOnce.Do(func() { _ = k.srv.Close(); <-k.done })
}

// URL is the SESAME_SMTP_URL that reaches the sink.
func (k *Sink) URL() string { return "smtp://" + k.Addr + "?tls=none" }

// Kind matches the messages of one kind (their X-Sesame-Kind header).
func Kind(kind string) func(Message) bool {
	return func(m Message) bool { return m.Header.Get("X-Sesame-Kind") == kind }
}

// Subject matches the messages whose subject contains s.
func Subject(s string) func(Message) bool {
	return func(m Message) bool { return strings.Contains(m.Subject, s) }
}

// Wait returns the oldest message to `to` that every match accepts and no
// earlier Wait returned, waiting up to timeout for it; else it fails the
// test.
func (k *Sink) Wait(t testing.TB, to string, timeout time.Duration, match ...func(Message) bool) Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		k.mu.Lock()
		for i, m := range k.msgs {
			if !k.taken[i] && matches(m, to, match) {
				k.taken[i] = true
				k.mu.Unlock()
				return m
			}
		}
		news, n := k.news, len(k.msgs)
		k.mu.Unlock()
		select {
		case <-news:
		case <-deadline.C:
			t.Fatalf("no mail to %s within %s (the sink holds %d messages)", to, timeout, n)
			return Message{}
		}
	}
}

// Count is how many messages went to `to` (to every address when to is
// "") that every match accepts, whether Wait returned them or not.
func (k *Sink) Count(to string, match ...func(Message) bool) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, m := range k.msgs {
		if matches(m, to, match) {
			n++
		}
	}
	return n
}

// Messages returns every message received so far.
func (k *Sink) Messages() []Message {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Message(nil), k.msgs...)
}

// matches reports whether m went to `to` ("": to anyone) and every match
// accepts it.
func matches(m Message, to string, match []func(Message) bool) bool {
	sent := to == ""
	for _, r := range m.To {
		sent = sent || strings.EqualFold(r, to)
	}
	for _, f := range match {
		sent = sent && f(m)
	}
	return sent
}

type sinkSession struct {
	k    *Sink
	from string
	to   []string
}

func (s *sinkSession) Reset()        { s.from, s.to = "", nil }
func (s *sinkSession) Logout() error { return nil }

func (s *sinkSession) Mail(from string, _ *smtp.MailOptions) error {
	s.from = from
	return nil
}

func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, to)
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	if s.k.Refuse.Add(-1) >= 0 {
		return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "try again later"}
	}
	s.k.Refuse.Store(0)
	m, err := parseMessage(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "sink cannot parse: " + err.Error()}
	}
	m.From, m.To = s.from, append([]string(nil), s.to...)
	s.k.mu.Lock()
	s.k.msgs = append(s.k.msgs, m)
	s.k.taken = append(s.k.taken, false)
	close(s.k.news)
	s.k.news = make(chan struct{})
	s.k.mu.Unlock()
	return nil
}

// parseMessage decodes a MIME message: subject, text and HTML bodies.
func parseMessage(raw []byte) (Message, error) {
	pm, err := mimetext.Parse(raw)
	if err != nil {
		return Message{}, err
	}
	return Message{Header: pm.Header, Subject: pm.Subject, Text: pm.Text, HTML: pm.HTML, Raw: raw}, nil
}

var resetLink = regexp.MustCompile(`(\S*)/mot-de-passe/reinitialisation#([A-Za-z0-9_-]*)`)

// Link returns the reset link of the mail, portalURL +
// "/mot-de-passe/reinitialisation#" + token, portalURL being the portal's
// root on the public URL (such as s.PublicURL+"/employeur"). It fails the
// test unless the text part has a reset link and every one is built on
// portalURL with the same well-formed token, and reports an error unless
// the HTML part carries the same link.
func (m Message) Link(t testing.TB, portalURL string) string {
	t.Helper()
	all := resetLink.FindAllStringSubmatch(m.Text, -1)
	if len(all) == 0 {
		t.Fatalf("no reset link in the mail %q:\n%s", m.Subject, m.Text)
	}
	tok := all[0][2]
	for _, l := range all {
		if strings.TrimLeft(l[1], "<(\"'[:") != portalURL {
			t.Fatalf("reset link %q is not built on %s", l[0], portalURL)
		}
		if l[2] != tok {
			t.Fatalf("two different tokens in one mail: %q and %q", tok, l[2])
		}
	}
	if !token.WellFormedLink(tok) {
		t.Fatalf("malformed token in the reset link %q", all[0][0])
	}
	link := portalURL + "/mot-de-passe/reinitialisation#" + tok
	if !strings.Contains(m.HTML, link) {
		t.Errorf("the HTML part does not carry the same link %s", link)
	}
	return link
}

// Token returns the token of the mail's reset link: what follows "#"
// (see Link for what it checks).
func (m Message) Token(t testing.TB, portalURL string) string {
	t.Helper()
	_, tok, _ := strings.Cut(m.Link(t, portalURL), "#")
	return tok
}

var (
	codeLine = regexp.MustCompile(`(?m)^ {4}([0-9]{4,10})\r?$`)
	number   = regexp.MustCompile(`[0-9]+`)
)

// Code returns the code of a code mail: the number alone on its indented
// line in the text part. It fails the test unless there is one such code
// and no other number of its length in the text.
func (m Message) Code(t testing.TB) string {
	t.Helper()
	lines := codeLine.FindAllStringSubmatch(m.Text, -1)
	if len(lines) == 0 {
		t.Fatalf("no code in the mail %q:\n%s", m.Subject, m.Text)
	}
	code := lines[0][1]
	var others []string
	for _, n := range number.FindAllString(m.Text, -1) {
		if len(n) == len(code) && n != code {
			others = append(others, n)
		}
	}
	if len(others) > 0 {
		t.Fatalf("the mail %q has other %d-digit numbers than its code %s: %v", m.Subject, len(code), code, others)
	}
	return code
}
