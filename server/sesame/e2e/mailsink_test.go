package e2e

import (
	"bytes"
	"encoding/base64"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
)

// Message is one mail the sink received, decoded.
type Message struct {
	From    string
	To      []string // envelope recipients
	Header  mail.Header
	Subject string // RFC 2047 decoded
	Text    string // text/plain part, transfer-decoded
	HTML    string // text/html part, transfer-decoded
	Raw     []byte
}

// sink is an SMTP server on 127.0.0.1 that keeps every message it gets.
type sink struct {
	Addr string
	srv  *smtp.Server

	// Refuse, with a temporary 451, the next Refuse messages.
	Refuse atomic.Int32

	mu    sync.Mutex
	msgs  []Message
	taken []bool
	news  chan struct{} // closed and replaced at each new message
}

// newSink starts a sink on a free port of 127.0.0.1 and stops it when the
// test ends.
func newSink(t testing.TB) *sink {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatalf("sink: %v", err)
	}
	return serveSink(t, ln)
}

// serveSink runs a sink on ln.
func serveSink(t testing.TB, ln net.Listener) *sink {
	k := &sink{Addr: ln.Addr().String(), news: make(chan struct{})}
	k.srv = smtp.NewServer(k)
	k.srv.Domain = "sink.test"
	k.srv.AllowInsecureAuth = true
	k.srv.ReadTimeout = 10 * time.Second
	k.srv.WriteTimeout = 10 * time.Second
	k.srv.MaxMessageBytes = 4 << 20
	done := make(chan struct{})
	go func() { defer close(done); _ = k.srv.Serve(ln) }()
	t.Cleanup(func() { _ = k.srv.Close(); <-done })
	return k
}

// URL is the SESAME_SMTP_URL that reaches the sink.
func (k *sink) URL() string { return "smtp://" + k.Addr + "?tls=none" }

// NewSession implements smtp.Backend.
func (k *sink) NewSession(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }

type sinkSession struct {
	k    *sink
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

func sentTo(m Message, to string) bool {
	for _, r := range m.To {
		if strings.EqualFold(r, to) {
			return true
		}
	}
	return false
}

// waitMail returns the oldest message to `to` that no earlier call
// returned, waiting up to timeout for it.
func (k *sink) waitMail(t testing.TB, to string, timeout time.Duration) Message {
	t.Helper()
	return k.waitKind(t, to, "", timeout)
}

// waitKind is waitMail for the messages of one kind (X-Sesame-Kind), or
// of any kind when kind is "".
func (k *sink) waitKind(t testing.TB, to, kind string, timeout time.Duration) Message {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	for {
		k.mu.Lock()
		for i, m := range k.msgs {
			if !k.taken[i] && sentTo(m, to) && (kind == "" || m.Header.Get("X-Sesame-Kind") == kind) {
				k.taken[i] = true
				k.mu.Unlock()
				return m
			}
		}
		news := k.news
		n := len(k.msgs)
		k.mu.Unlock()
		select {
		case <-news:
		case <-deadline.C:
			t.Fatalf("no mail %s to %s within %s (the sink holds %d messages)", kind, to, timeout, n)
			return Message{}
		}
	}
}

// count is how many messages went to `to` (every address when to is "").
func (k *sink) count(to string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, m := range k.msgs {
		if to == "" || sentTo(m, to) {
			n++
		}
	}
	return n
}

// all returns a copy of every message received.
func (k *sink) all() []Message {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]Message(nil), k.msgs...)
}

// parseMessage decodes a MIME message: subject, text and HTML bodies.
func parseMessage(raw []byte) (Message, error) {
	msg, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Message{}, err
	}
	dec := new(mime.WordDecoder)
	subject, err := dec.DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		return Message{}, err
	}
	m := Message{Header: msg.Header, Subject: subject, Raw: raw}
	err = walkPart(&m, msg.Header.Get("Content-Type"), msg.Header.Get("Content-Transfer-Encoding"), msg.Body)
	return m, err
}

func walkPart(m *Message, contentType, encoding string, body io.Reader) error {
	if contentType == "" {
		contentType = "text/plain"
	}
	mt, params, err := mime.ParseMediaType(contentType)
	if err != nil {
		return err
	}
	if strings.HasPrefix(mt, "multipart/") {
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return err
			}
			if err := walkPart(m, p.Header.Get("Content-Type"), p.Header.Get("Content-Transfer-Encoding"), p); err != nil {
				return err
			}
		}
	}
	var r io.Reader = body
	switch strings.ToLower(strings.TrimSpace(encoding)) {
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &newlineStripper{r: body})
	}
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	switch mt {
	case "text/plain":
		m.Text += string(b)
	case "text/html":
		m.HTML += string(b)
	}
	return nil
}

// newlineStripper drops CR and LF, which base64 bodies are wrapped with.
type newlineStripper struct{ r io.Reader }

func (n *newlineStripper) Read(p []byte) (int, error) {
	for {
		k, err := n.r.Read(p)
		j := 0
		for _, c := range p[:k] {
			if c != '\r' && c != '\n' {
				p[j] = c
				j++
			}
		}
		if j > 0 || err != nil {
			return j, err
		}
	}
}

var anyResetLink = regexp.MustCompile(`(\S*)/mot-de-passe/reinitialisation#([A-Za-z0-9_-]*)`)

// linkToken returns the token of the reset link of `portal` in m, after
// checking that every reset link of the mail is built on the public URL.
func linkToken(t testing.TB, m Message, portal string) string {
	t.Helper()
	all := anyResetLink.FindAllStringSubmatch(m.Text, -1)
	if len(all) == 0 {
		t.Fatalf("no reset link in the mail %q:\n%s", m.Subject, m.Text)
	}
	want := publicURL + "/" + portal
	tok := ""
	for _, l := range all {
		if !strings.HasSuffix(l[1], want) || !strings.HasPrefix(strings.TrimLeft(l[1], "<(\"'[:"), publicURL) {
			t.Fatalf("reset link %q is not built on %s", l[0], want)
		}
		if tok != "" && l[2] != tok {
			t.Fatalf("two different tokens in one mail: %q and %q", tok, l[2])
		}
		tok = l[2]
	}
	if tok == "" {
		t.Fatalf("empty token in reset link %q", all[0][0])
	}
	if !strings.Contains(m.HTML, want+"/mot-de-passe/reinitialisation#"+tok) {
		t.Errorf("the HTML part does not carry the same link %s/mot-de-passe/reinitialisation#%s", want, tok)
	}
	return tok
}

var sixDigits = regexp.MustCompile(`(?:^|[^0-9])([0-9]{6})(?:[^0-9]|$)`)

// mailCode returns the 6-digit code of a code mail.
func mailCode(t testing.TB, m Message) string {
	t.Helper()
	var codes []string
	for _, s := range sixDigits.FindAllStringSubmatch(m.Text, -1) {
		codes = append(codes, s[1])
	}
	if len(codes) == 0 {
		t.Fatalf("no 6-digit code in the mail %q:\n%s", m.Subject, m.Text)
	}
	for _, c := range codes[1:] {
		if c != codes[0] {
			t.Fatalf("several 6-digit numbers in the mail %q: %v", m.Subject, codes)
		}
	}
	return codes[0]
}
