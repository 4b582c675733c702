package main

import (
	"crypto/sha256"
	"io"
	"net"
	"regexp"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"

	"sesame/server/mimetext"
)

// sink is the SMTP server the Sésame under test delivers to. It keeps every
// message, and can be stopped and started again on the same address (an
// SMTP outage).
type sink struct {
	addr string // host:port, fixed at the first start

	mu   sync.Mutex
	srv  *smtp.Server
	msgs []message
}

// message is one delivery: what a recipient would find in the mailbox.
type message struct {
	id     string // Message-ID: the outbox job's, which sorts by creation
	to     string
	kind   string // X-Sesame-Kind
	secret string // the reset link's token, or the code; "" for notices
	digest [32]byte
	at     time.Time
}

// start listens on the sink's address (a free port the first time).
func (k *sink) start() error {
	addr := k.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	k.addr = ln.Addr().String()
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &session{k: k}, nil }))
	srv.Domain = "sink.crashtest.invalid"
	srv.ReadTimeout, srv.WriteTimeout = 30*time.Second, 30*time.Second
	srv.MaxMessageBytes = 1 << 20
	srv.ErrorLog = quiet{}
	k.mu.Lock()
	k.srv = srv
	k.mu.Unlock()
	go func() { _ = srv.Serve(ln) }()
	return nil
}

// stop closes the listener and every open SMTP session: from then on,
// delivery fails to connect.
func (k *sink) stop() {
	k.mu.Lock()
	srv := k.srv
	k.srv = nil
	k.mu.Unlock()
	if srv != nil {
		_ = srv.Close()
	}
}

// url is the SESAME_SMTP_URL of the sink.
func (k *sink) url() string { return "smtp://" + k.addr + "?tls=none&timeout=5s" }

// all returns a copy of every message received so far.
func (k *sink) all() []message {
	k.mu.Lock()
	defer k.mu.Unlock()
	return append([]message(nil), k.msgs...)
}

// secrets returns the distinct secrets of the messages of kind to `to`,
// oldest first: in the order their jobs were created (Message-ID), which
// is the order of the requests, whatever order retries delivered them in.
func (k *sink) secrets(to, kind string) []string {
	k.mu.Lock()
	var ms []message
	for _, m := range k.msgs {
		if m.to == to && m.kind == kind && m.secret != "" {
			ms = append(ms, m)
		}
	}
	k.mu.Unlock()
	slices.SortStableFunc(ms, func(a, b message) int { return strings.Compare(a.id, b.id) })
	var out []string
	seen := map[string]bool{}
	for _, m := range ms {
		if !seen[m.secret] {
			seen[m.secret] = true
			out = append(out, m.secret)
		}
	}
	return out
}

// codes returns the codes of the code mails to `to`, in order of arrival,
// a code delivered twice twice.
func (k *sink) codes(to string) []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	var out []string
	for _, m := range k.msgs {
		if m.to == to && m.kind == "reset_code" {
			out = append(out, m.secret)
		}
	}
	return out
}

// count counts the messages of kind to `to`, duplicates included.
func (k *sink) count(to, kind string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	n := 0
	for _, m := range k.msgs {
		if m.to == to && m.kind == kind {
			n++
		}
	}
	return n
}

// distinct counts the different messages of kind to `to` (a message
// delivered twice counts once).
func (k *sink) distinct(to, kind string) int {
	k.mu.Lock()
	defer k.mu.Unlock()
	seen := map[[32]byte]bool{}
	for _, m := range k.msgs {
		if m.to == to && m.kind == kind {
			seen[m.digest] = true
		}
	}
	return len(seen)
}

type session struct {
	k  *sink
	to []string
}

func (s *session) Reset()                               { s.to = nil }
func (s *session) Logout() error                        { return nil }
func (s *session) Mail(string, *smtp.MailOptions) error { return nil }
func (s *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, strings.ToLower(to))
	return nil
}

func (s *session) Data(r io.Reader) error {
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	m, err := parse(raw)
	if err != nil {
		return &smtp.SMTPError{Code: 554, Message: "crashtest sink: " + err.Error()}
	}
	m.at = time.Now()
	s.k.mu.Lock()
	defer s.k.mu.Unlock()
	for _, to := range s.to {
		m.to = to
		s.k.msgs = append(s.k.msgs, m)
	}
	return nil
}

var (
	linkToken = regexp.MustCompile(`/mot-de-passe/reinitialisation#([A-Za-z0-9_-]{43})`)
	codeLine  = regexp.MustCompile(`(?m)^[ \t]*([0-9]{4,10})[ \t]*\r?$`)
)

// parse reads the kind, the text and the secret of a message. Its digest
// covers what the recipient reads (subject and text), not the headers a
// new delivery attempt may change (Date).
func parse(raw []byte) (message, error) {
	msg, err := mimetext.Parse(raw)
	if err != nil {
		return message{}, err
	}
	m := message{kind: msg.Header.Get("X-Sesame-Kind"), id: msg.Header.Get("Message-ID")}
	switch {
	case linkToken.MatchString(msg.Text):
		m.secret = linkToken.FindStringSubmatch(msg.Text)[1]
	case m.kind == "reset_code" || m.kind == "change_code":
		if c := codeLine.FindStringSubmatch(msg.Text); c != nil {
			m.secret = c[1]
		}
	}
	m.digest = sha256.Sum256([]byte(msg.Header.Get("Subject") + "\x00" + msg.Text))
	return m, nil
}

// quiet drops go-smtp's log lines (a killed server leaves broken sessions).
type quiet struct{}

func (quiet) Printf(string, ...any) {}
func (quiet) Println(...any)        {}
