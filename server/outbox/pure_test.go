package outbox

import (
	"errors"
	"strings"
	"testing"
	"time"

	mail "github.com/wneessen/go-mail"
)

func TestBackoff(t *testing.T) {
	const lo, hi = 2 * time.Second, 5 * time.Minute
	tests := []struct {
		attempts int
		r        float64
		want     time.Duration
	}{
		{1, 0, 2 * time.Second},
		{2, 0, 4 * time.Second},
		{3, 0, 8 * time.Second},
		{8, 0, 256 * time.Second},
		{9, 0, hi}, // 512 s capped
		{1000, 0, hi},
		{1 << 30, 0, hi}, // no overflow
		{1, 0.5, 1800 * time.Millisecond},
		{1000, 0.999999, hi - time.Duration(float64(hi)*0.2*0.999999)},
	}
	for _, tt := range tests {
		if got := backoff(tt.attempts, lo, hi, tt.r); got != tt.want {
			t.Errorf("backoff(%d, r=%v) = %v, want %v", tt.attempts, tt.r, got, tt.want)
		}
	}
	prev := time.Duration(0)
	for n := 1; n < 40; n++ {
		d := backoff(n, lo, hi, 0)
		if d < prev || d > hi {
			t.Fatalf("backoff(%d) = %v after %v: not growing or over the cap", n, d, prev)
		}
		prev = d
	}
}

func TestMask(t *testing.T) {
	tests := []struct{ in, want string }{
		{"alice@example.org", "a***@e***"},
		{"élodie@exemple.fr", "é***@e***"},
		{"x@y", "x***@y***"},
		{"no-at-sign", "n***"},
		{"", "***"},
		{"@domain", "***@d***"},
	}
	for _, tt := range tests {
		if got := mask(tt.in); got != tt.want {
			t.Errorf("mask(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestSanitize(t *testing.T) {
	j := Job{To: "Bob@Example.org", Secret: "s3cr et/+"}
	tests := []struct {
		name, err, want string
	}{
		{"plain", "connection refused", "connection refused"},
		{"secret", "bad code s3cr et/+ here", "bad code [redacted] here"},
		{"query-escaped secret", "GET /r?t=s3cr+et%2F%2B", "GET /r?t=[redacted]"},
		{"address any case", "550 <bob@example.org> unknown", "550 <B***@E***> unknown"},
		{"control chars", "line1\r\nline2", "line1  line2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := sanitize(errors.New(tt.err), j); got != tt.want {
				t.Errorf("sanitize = %q, want %q", got, tt.want)
			}
		})
	}
	long := sanitize(errors.New(strings.Repeat("é", 400)), j)
	if len(long) > maxErrorLen+len("…") || !strings.HasSuffix(long, "…") {
		t.Errorf("long error not truncated: %d bytes", len(long))
	}
}

func TestSealOpen(t *testing.T) {
	db := openDB(t, "")
	o := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, Options{})
	other := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, Options{})
	sealed, err := seal(o.aead, "job1", "secret")
	if err != nil {
		t.Fatal(err)
	}
	tampered := append([]byte(nil), sealed...)
	tampered[len(tampered)-1] ^= 1
	tests := []struct {
		name   string
		o      *Outbox
		id     string
		sealed []byte
		ok     bool
	}{
		{"same job", o, "job1", sealed, true},
		{"other job", o, "job2", sealed, false},
		{"other key", other, "job1", sealed, false},
		{"tampered", o, "job1", tampered, false},
		{"truncated", o, "job1", sealed[:5], false},
		{"empty", o, "job1", nil, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := open(tt.o.aead, tt.id, tt.sealed)
			if tt.ok != (err == nil) || (tt.ok && got != "secret") {
				t.Errorf("open = %q, %v; want ok=%v", got, err, tt.ok)
			}
		})
	}
}

func TestNewIDSortsByCreation(t *testing.T) {
	t0 := time.Unix(1_700_000_000, 0)
	a, err := newID(t0)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := newID(t0.Add(time.Nanosecond))
	c, _ := newID(t0)
	if len(a) != 32 || !(a < b) || a == c {
		t.Errorf("ids %s %s %s: want 32 hex chars, sorted by time, unique", a, b, c)
	}
}

func TestNewSMTPSender(t *testing.T) {
	tests := []struct {
		url    string
		ok     bool
		port   int
		tls    mail.TLSPolicy
		ssl    bool
		auth   mail.SMTPAuthType
		noPass bool // String() must not show the password
	}{
		{url: "smtp://mail.example.org", ok: true, port: 587, tls: mail.TLSOpportunistic, auth: mail.SMTPAuthNoAuth},
		{url: "smtp://127.0.0.1:1025?tls=none", ok: true, port: 1025, tls: mail.NoTLS, auth: mail.SMTPAuthNoAuth},
		{url: "smtp://u:pw@mail.example.org:25?tls=required", ok: true, port: 25, tls: mail.TLSMandatory, auth: mail.SMTPAuthAutoDiscover, noPass: true},
		{url: "smtps://u:pw@mail.example.org?auth=LOGIN&insecure=1", ok: true, port: 465, ssl: true, auth: mail.SMTPAuthLogin, noPass: true},
		{url: "smtp://u:pw@h?auth=plain&timeout=5s", ok: true, port: 587, tls: mail.TLSOpportunistic, auth: mail.SMTPAuthPlain, noPass: true},
		{url: "http://mail.example.org"},
		{url: "smtp://:25"},
		{url: "smtp://h:0"},
		{url: "smtp://h:99999"},
		{url: "smtp://h?tls=maybe"},
		{url: "smtps://h?tls=none"},
		{url: "smtp://u:p@h?auth=magic"},
		{url: "smtp://h?timeout=-1s"},
		{url: "smtp://h?insecure=perhaps"},
		{url: "smtp://u:p%zz@h"},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			s, err := NewSMTPSender(tt.url, "Sésame <no-reply@sesame.test>")
			if !tt.ok {
				if err == nil {
					t.Fatal("accepted, want error")
				}
				if strings.Contains(err.Error(), "pw") {
					t.Errorf("error leaks the password: %v", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if s.port != tt.port || s.ssl != tt.ssl || s.auth != tt.auth || (!tt.ssl && s.tls != tt.tls) {
				t.Errorf("got port=%d ssl=%v tls=%v auth=%v", s.port, s.ssl, s.tls, s.auth)
			}
			if tt.noPass && strings.Contains(s.String(), "pw") {
				t.Errorf("String() = %s shows the password", s)
			}
		})
	}
	if _, err := NewSMTPSender("smtp://h", "not an address"); err == nil {
		t.Error("bad From accepted")
	}
}

func TestSMTPMessageHeaders(t *testing.T) {
	s, err := NewSMTPSender("smtp://h", "no-reply@sesame.test")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name    string
		headers map[string]string
		ok      bool
	}{
		{"custom", map[string]string{"Auto-Submitted": "auto-generated", "Reply-To": "help@sesame.test"}, true},
		{"reserved", map[string]string{"Bcc": "eve@evil.test"}, false},
		{"injection", map[string]string{"X-A": "1\r\nBcc: eve@evil.test"}, false},
		{"bad name", map[string]string{"X A": "1"}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := s.message(Mail{To: "a@b.test", Subject: "s", Text: "t", Headers: tt.headers})
			if tt.ok != (err == nil) {
				t.Fatalf("message: %v, want ok=%v", err, tt.ok)
			}
			if err != nil && !errors.Is(err, ErrPermanent) {
				t.Errorf("header error %v is not permanent", err)
			}
		})
	}
	if _, err := s.message(Mail{To: "not an address"}); !errors.Is(err, ErrPermanent) || strings.Contains(err.Error(), "not an address") {
		t.Errorf("bad recipient: %v", err)
	}
}

func TestPermanent(t *testing.T) {
	base := errors.New("boom")
	if !errors.Is(Permanent(base), ErrPermanent) || !errors.Is(Permanent(base), base) {
		t.Error("Permanent does not wrap both")
	}
	if Permanent(nil) != nil {
		t.Error("Permanent(nil) != nil")
	}
}
