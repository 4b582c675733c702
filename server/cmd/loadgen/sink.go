package main

import (
	"context"
	"io"
	"net"
	"regexp"
	"sesame/server/mimetext"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/emersion/go-smtp"
)

// sink is an SMTP server on loopback that accepts every mail and counts
// it. When capturing, it also keeps, per recipient, the reset token of the
// newest mail (for the link-check and password-set scenarios); a client
// waiting for a code (change-password) gets the code of the next code
// mail to its address.
type sink struct {
	srv       *smtp.Server
	ln        net.Listener
	delivered atomic.Int64
	capture   atomic.Bool
	waiting   atomic.Int64 // entries in waiters

	mu      sync.Mutex
	tokens  map[string]string      // recipient → newest reset token
	waiters map[string]chan string // recipient → who waits for its next code
}

func startSink(host string) (*sink, error) {
	ln, err := net.Listen("tcp", net.JoinHostPort(host, "0"))
	if err != nil {
		return nil, err
	}
	k := newSink()
	k.ln = ln
	k.srv = smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return &sinkSession{k: k}, nil }))
	k.srv.Domain = "sink.loadgen.invalid"
	k.srv.ReadTimeout = 30 * time.Second
	k.srv.WriteTimeout = 30 * time.Second
	k.srv.MaxMessageBytes = 1 << 20
	k.srv.MaxRecipients = 10
	k.srv.ErrorLog = discardLogger{}
	go func() { _ = k.srv.Serve(ln) }()
	return k, nil
}

func newSink() *sink {
	return &sink{tokens: make(map[string]string), waiters: make(map[string]chan string)}
}

// url is the SESAME_SMTP_URL that reaches the sink.
func (k *sink) url() string {
	return "smtp://" + k.ln.Addr().String() + "?tls=none&timeout=10s"
}

func (k *sink) close() {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
	defer cancel()
	if err := k.srv.Shutdown(ctx); err != nil {
		_ = k.srv.Close()
	}
}

// tokenCount is how many recipients have a captured token.
func (k *sink) tokenCount() int {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.tokens)
}

func (k *sink) tokenList() []string {
	k.mu.Lock()
	defer k.mu.Unlock()
	out := make([]string, 0, len(k.tokens))
	for _, t := range k.tokens {
		out = append(out, t)
	}
	return out
}

// await returns a channel that receives the code of the next code mail
// to rcpt. Call it before the request that sends the mail, and forget
// after.
func (k *sink) await(rcpt string) <-chan string {
	ch := make(chan string, 1)
	k.mu.Lock()
	if _, ok := k.waiters[strings.ToLower(rcpt)]; !ok {
		k.waiting.Add(1)
	}
	k.waiters[strings.ToLower(rcpt)] = ch
	k.mu.Unlock()
	return ch
}

// forget stops waiting for rcpt's code, unless a later await replaced ch.
func (k *sink) forget(rcpt string, ch <-chan string) {
	k.mu.Lock()
	defer k.mu.Unlock()
	if w, ok := k.waiters[strings.ToLower(rcpt)]; ok && w == ch {
		delete(k.waiters, strings.ToLower(rcpt))
		k.waiting.Add(-1)
	}
}

// received handles one mail: a reset link is kept when capturing, a code
// goes to whoever waits for it.
func (k *sink) received(to []string, raw []byte) {
	kind, secret := mailSecret(raw)
	if secret == "" {
		return
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	for _, rcpt := range to {
		if kind == secretLink {
			if k.capture.Load() {
				k.tokens[rcpt] = secret
			}
			continue
		}
		if w, ok := k.waiters[rcpt]; ok {
			select {
			case w <- secret:
			default: // a code is already there: the newest wins only if read first
			}
			delete(k.waiters, rcpt)
			k.waiting.Add(-1)
		}
	}
}

type discardLogger struct{}

func (discardLogger) Printf(string, ...any) {}
func (discardLogger) Println(...any)        {}

type sinkSession struct {
	k  *sink
	to []string
}

func (s *sinkSession) Reset()                               { s.to = nil }
func (s *sinkSession) Logout() error                        { return nil }
func (s *sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *sinkSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	s.to = append(s.to, strings.ToLower(to))
	return nil
}

func (s *sinkSession) Data(r io.Reader) error {
	if !s.k.capture.Load() && s.k.waiting.Load() == 0 {
		_, err := io.Copy(io.Discard, r)
		if err == nil {
			s.k.delivered.Add(1)
		}
		return err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.k.delivered.Add(1)
	s.k.received(s.to, raw)
	return nil
}

// Kinds of secret a mail carries.
const (
	secretNone = iota
	secretLink
	secretCode
)

// resetLink finds the token in a reset link: …/mot-de-passe/reinitialisation#<token>.
var resetLink = regexp.MustCompile(`/mot-de-passe/reinitialisation#([A-Za-z0-9_-]{16,512})`)

// codeLine is a code in the text part of a code mail: a line of its own,
// indented by four spaces.
var codeLine = regexp.MustCompile(`(?m)^    ([0-9]{4,10})\r?$`)

// resetToken returns the reset token of a mail, looking through its
// decoded text parts; "" if there is none.
func resetToken(raw []byte) string {
	if kind, s := mailSecret(raw); kind == secretLink {
		return s
	}
	return ""
}

// mailSecret returns the reset token or the code a mail carries, by its
// X-Sesame-Kind header (a mail without one is looked at for a link).
func mailSecret(raw []byte) (kind int, secret string) {
	m, err := mimetext.Parse(raw)
	if err != nil {
		return secretNone, ""
	}
	want, re := secretLink, resetLink
	switch m.Header.Get("X-Sesame-Kind") {
	case "change_code", "reset_code":
		want, re = secretCode, codeLine
	case "", "reset_link":
	default:
		return secretNone, ""
	}
	for _, text := range []string{m.Text, m.HTML} {
		if sub := re.FindStringSubmatch(text); sub != nil {
			return want, sub[1]
		}
	}
	return secretNone, ""
}
