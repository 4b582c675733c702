package outbox

import (
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	netmail "net/mail"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"

	mail "github.com/wneessen/go-mail"
	"github.com/wneessen/go-mail/smtp"
)

// defaultSMTPTimeout bounds one SMTP command cycle when ctx has no sooner
// deadline.
const defaultSMTPTimeout = 30 * time.Second

// Connection reuse: a connection idle for longer than idleNoop is checked
// with a NOOP before its next mail, and one idle for longer than idleMax is
// closed (servers drop idle clients after a few minutes; RFC 5321 asks
// them to wait at least 5). At most maxIdleConns wait in the pool.
const (
	idleNoop     = 2 * time.Second
	idleMax      = 30 * time.Second
	maxIdleConns = 16
)

// SMTPSender is a Sender speaking SMTP through go-mail. It keeps the
// connections it opened and sends the next mails over them (one mail at a
// time per connection, several connections for concurrent Sends): a fresh
// connection costs a TCP handshake, a greeting, EHLO, often STARTTLS and
// AUTH, for each mail.
type SMTPSender struct {
	url      *url.URL // for String, password redacted
	host     string
	port     int
	from     string
	domain   string // of from, for Message-IDs
	tls      mail.TLSPolicy
	ssl      bool
	insecure bool
	user     string
	pass     string
	auth     mail.SMTPAuthType
	helo     string
	timeout  time.Duration

	mu   sync.Mutex
	idle []*smtpConn // most recently used last
}

// smtpConn is one open SMTP session and the go-mail client that opened it.
type smtpConn struct {
	client *mail.Client
	conn   *smtp.Client
	used   time.Time
}

var authTypes = map[string]mail.SMTPAuthType{
	"plain":         mail.SMTPAuthPlain,
	"login":         mail.SMTPAuthLogin,
	"cram-md5":      mail.SMTPAuthCramMD5,
	"scram-sha-1":   mail.SMTPAuthSCRAMSHA1,
	"scram-sha-256": mail.SMTPAuthSCRAMSHA256,
	"xoauth2":       mail.SMTPAuthXOAUTH2,
	"auto":          mail.SMTPAuthAutoDiscover,
}

// NewSMTPSender parses rawURL and returns a sender using from as the From
// address ("Sésame <no-reply@example.org>" or a bare address).
//
// URL forms:
//
//	smtp://[user:pass@]host[:port]    STARTTLS if the server offers it (port 587 by default)
//	smtps://[user:pass@]host[:port]   implicit TLS (port 465 by default)
//
// Query parameters:
//
//	tls=none        no TLS at all (local test sinks only)
//	tls=required    fail unless the server offers STARTTLS
//	insecure=1      skip certificate verification (development only)
//	auth=NAME       plain, login, cram-md5, scram-sha-1, scram-sha-256, xoauth2;
//	                default: the strongest mechanism the server offers
//	helo=NAME       EHLO name (default: the host name)
//	timeout=30s     bound of each SMTP command cycle
func NewSMTPSender(rawURL string, from string) (*SMTPSender, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		// url errors quote the input, which may hold a password.
		return nil, errors.New("outbox: smtp url: cannot parse")
	}
	s := &SMTPSender{url: u, host: u.Hostname(), timeout: defaultSMTPTimeout, auth: mail.SMTPAuthNoAuth}
	switch u.Scheme {
	case "smtp":
		s.port, s.tls = mail.DefaultPortTLS, mail.TLSOpportunistic
	case "smtps":
		s.port, s.ssl = mail.DefaultPortSSL, true
	default:
		return nil, fmt.Errorf("outbox: smtp url: scheme %q, want smtp or smtps", u.Scheme)
	}
	if s.host == "" {
		return nil, errors.New("outbox: smtp url: missing host")
	}
	if p := u.Port(); p != "" {
		if s.port, err = strconv.Atoi(p); err != nil || s.port < 1 || s.port > 65535 {
			return nil, fmt.Errorf("outbox: smtp url: bad port %q", p)
		}
	}
	q := u.Query()
	switch v := q.Get("tls"); v {
	case "":
	case "none":
		if s.ssl {
			return nil, errors.New("outbox: smtp url: tls=none contradicts smtps")
		}
		s.tls = mail.NoTLS
	case "required":
		s.tls = mail.TLSMandatory
	default:
		return nil, fmt.Errorf("outbox: smtp url: tls=%q, want none or required", v)
	}
	if v := q.Get("insecure"); v != "" {
		if s.insecure, err = strconv.ParseBool(v); err != nil {
			return nil, fmt.Errorf("outbox: smtp url: insecure=%q: %w", v, err)
		}
	}
	if v := q.Get("timeout"); v != "" {
		if s.timeout, err = time.ParseDuration(v); err != nil || s.timeout <= 0 {
			return nil, fmt.Errorf("outbox: smtp url: bad timeout %q", v)
		}
	}
	s.helo = q.Get("helo")
	if u.User != nil {
		s.user = u.User.Username()
		s.pass, _ = u.User.Password()
		s.auth = mail.SMTPAuthAutoDiscover
		if v := q.Get("auth"); v != "" {
			a, ok := authTypes[strings.ToLower(v)]
			if !ok {
				return nil, fmt.Errorf("outbox: smtp url: unknown auth %q", v)
			}
			s.auth = a
		}
	}
	addr, err := netmail.ParseAddress(from)
	if err != nil {
		return nil, fmt.Errorf("outbox: smtp from %q: %w", from, err)
	}
	s.from = addr.String()
	_, s.domain, _ = strings.Cut(addr.Address, "@")
	return s, nil
}

// String describes the sender for logs, password redacted.
func (s *SMTPSender) String() string { return s.url.Redacted() }

// Send delivers m, over a connection left open by an earlier Send if
// there is one. Errors never contain the message body or the full
// recipient address. 5xx replies to MAIL, RCPT or DATA wrap ErrPermanent;
// connection, TLS and authentication failures stay temporary, since they
// concern every mail and are fixed by configuration.
func (s *SMTPSender) Send(ctx context.Context, m Mail) error {
	msg, err := s.message(m)
	if err != nil {
		return err
	}
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("smtp: %w", err)
	}
	for {
		sc, reused := s.take()
		if sc == nil {
			if sc, err = s.dial(ctx); err != nil {
				return err
			}
		}
		// A dialogue outliving ctx is cut, as a fresh connection's dial is.
		stop := context.AfterFunc(ctx, func() { _ = sc.conn.Close() })
		err = sc.client.SendWithSMTPClient(sc.conn, msg)
		cut := !stop()
		delivered := err == nil || msg.IsDelivered() // a failing reset after DATA does not undo it
		if err == nil && !cut {
			sc.used = time.Now()
			s.put(sc)
		} else {
			_ = sc.conn.Close()
		}
		switch {
		case delivered:
			return nil
		case reused && !cut && beforeMail(err):
			// The server dropped the idle connection: nothing was sent,
			// try once on a fresh one.
			continue
		case cut:
			return fmt.Errorf("smtp: %w", ctx.Err())
		}
		return classify(err, m.To)
	}
}

// beforeMail says whether a send failed before the server accepted MAIL
// FROM, so that no part of the mail can have been delivered.
func beforeMail(err error) bool {
	var se *mail.SendError
	return errors.As(err, &se) && (se.Reason == mail.ErrConnCheck || se.Reason == mail.ErrSMTPMailFrom)
}

// take returns an idle connection (the most recently used), or nil. A
// connection idle too long is closed, one idle a little is checked.
func (s *SMTPSender) take() (*smtpConn, bool) {
	for {
		s.mu.Lock()
		n := len(s.idle)
		if n == 0 {
			s.mu.Unlock()
			return nil, false
		}
		sc := s.idle[n-1]
		s.idle[n-1] = nil
		s.idle = s.idle[:n-1]
		s.mu.Unlock()
		idle := time.Since(sc.used)
		switch {
		case idle > idleMax:
			sc.quit()
		case idle > idleNoop && sc.conn.Noop() != nil:
			_ = sc.conn.Close()
		default:
			return sc, true
		}
	}
}

// put keeps sc for a later Send, or closes it if enough are kept.
func (s *SMTPSender) put(sc *smtpConn) {
	s.mu.Lock()
	if len(s.idle) < maxIdleConns {
		s.idle = append(s.idle, sc)
		sc = nil
	}
	s.mu.Unlock()
	if sc != nil {
		sc.quit()
	}
}

// CloseIdle says goodbye (QUIT) on every idle connection. The outbox calls
// it when its Run stops.
func (s *SMTPSender) CloseIdle() {
	s.mu.Lock()
	idle := s.idle
	s.idle = nil
	s.mu.Unlock()
	for _, sc := range idle {
		sc.quit()
	}
}

func (sc *smtpConn) quit() {
	_ = sc.conn.UpdateDeadline(time.Second)
	_ = sc.conn.Quit()
	_ = sc.conn.Close()
}

// dial opens a new SMTP session: greeting, EHLO, STARTTLS, AUTH.
func (s *SMTPSender) dial(ctx context.Context) (*smtpConn, error) {
	// The dial honours ctx; later commands on the connection have
	// s.timeout each, and Send cuts a dialogue outliving its ctx.
	if dl, ok := ctx.Deadline(); ok && time.Until(dl) <= 0 {
		return nil, fmt.Errorf("smtp: %w", context.DeadlineExceeded)
	}
	opts := []mail.Option{
		mail.WithPort(s.port),
		mail.WithTimeout(s.timeout),
		mail.WithTLSPolicy(s.tls),
		mail.WithTLSConfig(&tls.Config{ServerName: s.host, MinVersion: tls.VersionTLS12, InsecureSkipVerify: s.insecure}), //nolint:gosec // opt-in for development
		// The pool checks connections idle for a while itself, and a
		// session that ended with DATA needs no RSET.
		mail.WithoutNoop(),
		mail.WithoutRset(),
	}
	if s.ssl {
		opts = append(opts, mail.WithSSL())
	}
	if s.helo != "" {
		opts = append(opts, mail.WithHELO(s.helo))
	}
	if s.auth != mail.SMTPAuthNoAuth {
		opts = append(opts, mail.WithSMTPAuth(s.auth), mail.WithUsername(s.user), mail.WithPassword(s.pass))
	}
	c, err := mail.NewClient(s.host, opts...)
	if err != nil {
		return nil, fmt.Errorf("smtp client: %w", err)
	}
	conn, err := c.DialToSMTPClientWithContext(ctx)
	if err != nil {
		return nil, &smtpError{text: "smtp connect to " + s.host + ":" + strconv.Itoa(s.port) + ": " + err.Error()}
	}
	return &smtpConn{client: c, conn: conn, used: time.Now()}, nil
}

// message builds a multipart/alternative message (or a single part when
// only one body is given).
func (s *SMTPSender) message(m Mail) (*mail.Msg, error) {
	msg := mail.NewMsg(mail.WithNoDefaultUserAgent())
	if err := msg.From(s.from); err != nil {
		return nil, Permanent(fmt.Errorf("smtp from: %w", err))
	}
	if err := msg.To(m.To); err != nil {
		return nil, Permanent(fmt.Errorf("smtp recipient %s: invalid address", mask(m.To)))
	}
	msg.Subject(m.Subject)
	msg.SetDateWithValue(time.Now())
	id, err := messageID(s.domain)
	if err != nil {
		return nil, err
	}
	msg.SetMessageIDWithValue(id)
	for k, v := range m.Headers {
		if err := setHeader(msg, k, v, s.domain); err != nil {
			return nil, Permanent(err)
		}
	}
	switch {
	case m.Text != "" && m.HTML != "":
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
		msg.AddAlternativeString(mail.TypeTextHTML, m.HTML)
	case m.HTML != "":
		msg.SetBodyString(mail.TypeTextHTML, m.HTML)
	default:
		msg.SetBodyString(mail.TypeTextPlain, m.Text)
	}
	return msg, nil
}

var headerName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9-]*$`)

// reservedHeaders are written by the sender itself.
var reservedHeaders = map[string]bool{
	"to": true, "from": true, "cc": true, "bcc": true, "sender": true, "subject": true, "date": true,
	"mime-version": true, "content-type": true, "content-transfer-encoding": true, "return-path": true,
}

func setHeader(msg *mail.Msg, k, v, domain string) error {
	lk := strings.ToLower(k)
	switch {
	case !headerName.MatchString(k) || reservedHeaders[lk]:
		return fmt.Errorf("smtp header %q not allowed", k)
	case strings.ContainsAny(v, "\r\n"):
		return fmt.Errorf("smtp header %q: line break in value", k)
	case lk == "reply-to":
		if err := msg.ReplyTo(v); err != nil {
			return errors.New("smtp header Reply-To: invalid address")
		}
	case lk == "message-id":
		v = strings.Trim(v, "<>")
		if !strings.Contains(v, "@") {
			if domain == "" {
				domain = "localhost"
			}
			v += "@" + domain
		}
		msg.SetMessageIDWithValue(v)
	default:
		msg.SetGenHeader(mail.Header(k), v)
	}
	return nil
}

func messageID(domain string) (string, error) {
	var b [16]byte
	if _, err := rand.Read(b[:]); err != nil {
		return "", fmt.Errorf("smtp message-id: %w", err)
	}
	if domain == "" {
		domain = "localhost"
	}
	return hex.EncodeToString(b[:]) + "@" + domain, nil
}

// smtpError carries a sanitized description; permanent ones match
// ErrPermanent.
type smtpError struct {
	text      string
	permanent bool
}

func (e *smtpError) Error() string { return e.text }

func (e *smtpError) Unwrap() error {
	if e.permanent {
		return ErrPermanent
	}
	return nil
}

// classify turns a go-mail error into an smtpError. go-mail's SendError
// text lists the full recipients and the Message-ID; both are cut, and the
// recipient is masked where the server's reply quotes it.
func classify(err error, to string) error {
	var se *mail.SendError
	if !errors.As(err, &se) {
		return &smtpError{text: "smtp: " + maskIn(err.Error(), to)}
	}
	text := se.Error()
	for _, cut := range []string{", affected recipient(s): ", ", affected message ID: "} {
		if i := strings.Index(text, cut); i >= 0 {
			text = text[:i]
		}
	}
	perm := false
	switch se.Reason {
	case mail.ErrGetSender, mail.ErrGetRcpts, mail.ErrNoUnencoded:
		perm = true // the message itself is unacceptable
	case mail.ErrSMTPMailFrom, mail.ErrSMTPRcptTo, mail.ErrSMTPData, mail.ErrSMTPDataClose:
		perm = !se.IsTemp() && se.ErrorCode() >= 500 && se.ErrorCode() < 600
	}
	return &smtpError{text: "smtp: " + maskIn(text, to), permanent: perm}
}

func maskIn(s, addr string) string {
	if addr == "" {
		return s
	}
	return regexp.MustCompile("(?i)"+regexp.QuoteMeta(addr)).ReplaceAllLiteralString(s, mask(addr))
}
