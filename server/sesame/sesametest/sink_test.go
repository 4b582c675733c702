package sesametest

import (
	"encoding/base64"
	"fmt"
	"net/smtp"
	"runtime"
	"strings"
	"testing"
	"time"
)

const tok = "peXz0iRRCFR1AJx1DVqZjjWj0uC0ZGSGSd2wsHaxcCA" // well formed

// mimeMail builds a multipart/alternative mail: quoted-printable text, base64
// HTML.
func mimeMail(kind, text, html string) string {
	crlf := func(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }
	b64 := base64.StdEncoding.EncodeToString([]byte(html))
	var wrapped []string
	for len(b64) > 20 {
		wrapped, b64 = append(wrapped, b64[:20]), b64[20:]
	}
	wrapped = append(wrapped, b64)
	return crlf(`From: no-reply@sesame.test
To: lea@example.fr
Subject: =?UTF-8?q?R=C3=A9initialiser_le_mot_de_passe?=
X-Sesame-Kind: ` + kind + `
MIME-Version: 1.0
Content-Type: multipart/alternative; boundary=b1

--b1
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

` + text + `
--b1
Content-Type: text/html; charset=utf-8
Content-Transfer-Encoding: base64

` + strings.Join(wrapped, "\n") + `
--b1--
`)
}

func send(t *testing.T, k *Sink, to, msg string) error {
	t.Helper()
	return smtp.SendMail(k.Addr, nil, "no-reply@sesame.test", []string{to}, []byte(msg))
}

func TestSink(t *testing.T) {
	k := StartSink(t)
	link := "http://sesame.test:8000/employeur/mot-de-passe/reinitialisation#" + tok
	text := "Bonjour L=C3=A9a,\n\nR=C3=A9initialiser le mot de passe :\n" +
		strings.Replace(link, "reinitialisation", "reinitia=\nlisation", 1) + "\n\nLe 22/11/2026 =C3=A0 05h41.\n"
	k.Refuse.Store(1)
	if err := send(t, k, "lea@example.fr", mimeMail("reset_link", text, `<a href="`+link+`">lien</a>`)); err == nil || !strings.Contains(err.Error(), "451") {
		t.Fatalf("refused mail: %v, want a 451", err)
	}
	if err := send(t, k, "lea@example.fr", mimeMail("reset_link", text, `<a href="`+link+`">lien</a>`)); err != nil {
		t.Fatal(err)
	}
	code := "Votre code :\n\n    123456\n\nIl est valable 15 minutes.\n"
	if err := send(t, k, "lea@example.fr", mimeMail("reset_code", code, "<p>123456</p>")); err != nil {
		t.Fatal(err)
	}

	m := k.Wait(t, "LEA@example.fr", time.Second, Kind("reset_code"))
	if got := m.Code(t); got != "123456" {
		t.Errorf("code %q", got)
	}
	m = k.Wait(t, "lea@example.fr", time.Second)
	if m.Subject != "Réinitialiser le mot de passe" || m.From != "no-reply@sesame.test" {
		t.Errorf("subject %q, from %q", m.Subject, m.From)
	}
	if !strings.Contains(m.Text, "Bonjour Léa,") || !strings.Contains(m.HTML, `<a href="`+link) {
		t.Errorf("text %q, HTML %q", m.Text, m.HTML)
	}
	if got := m.Link(t, "http://sesame.test:8000/employeur"); got != link {
		t.Errorf("link %q, want %q", got, link)
	}
	if got := m.Token(t, "http://sesame.test:8000/employeur"); got != tok {
		t.Errorf("token %q", got)
	}
	if n, all := k.Count("lea@example.fr"), k.Count("", Subject("initialiser"), Kind("reset_code")); n != 2 || all != 1 {
		t.Errorf("counts %d and %d, want 2 and 1", n, all)
	}
	if len(k.Messages()) != 2 {
		t.Errorf("%d messages", len(k.Messages()))
	}
	if ok, msg := fails(func(t testing.TB) { k.Wait(t, "lea@example.fr", 50*time.Millisecond) }); !ok {
		t.Errorf("a third Wait returned a mail already returned: %s", msg)
	}
}

// TestMessageChecks: Link and Code refuse what a test must not accept.
func TestMessageChecks(t *testing.T) {
	base := "http://sesame.test:8000/employeur"
	link := base + "/mot-de-passe/reinitialisation#" + tok
	for _, tc := range []struct {
		name  string
		m     Message
		check func(testing.TB, Message)
	}{
		{"no link", Message{Text: "rien"}, func(t testing.TB, m Message) { m.Link(t, base) }},
		{"other host", Message{Text: "http://evil.example/employeur/mot-de-passe/reinitialisation#" + tok, HTML: link},
			func(t testing.TB, m Message) { m.Link(t, base) }},
		{"other portal", Message{Text: "http://sesame.test:8000/assure/mot-de-passe/reinitialisation#" + tok},
			func(t testing.TB, m Message) { m.Link(t, base) }},
		{"two tokens", Message{Text: link + "\n" + link[:len(link)-1] + "B", HTML: link}, func(t testing.TB, m Message) { m.Link(t, base) }},
		{"malformed token", Message{Text: link + "x", HTML: link + "x"}, func(t testing.TB, m Message) { m.Link(t, base) }},
		{"not in the HTML", Message{Text: link}, func(t testing.TB, m Message) { m.Link(t, base) }},
		{"no code", Message{Text: "Votre code : 123456"}, func(t testing.TB, m Message) { m.Code(t) }},
		{"another number", Message{Text: "    123456\nou 654321"}, func(t testing.TB, m Message) { m.Code(t) }},
	} {
		if ok, _ := fails(func(t testing.TB) { tc.check(t, tc.m) }); !ok {
			t.Errorf("%s: accepted", tc.name)
		}
	}
	if ok, msg := fails(func(t testing.TB) { Message{Text: "<" + link + ">", HTML: link}.Link(t, base) }); ok {
		t.Errorf("a link in <…> refused: %s", msg)
	}
}

// fails runs f with a TB that records a failure instead of failing.
func fails(f func(testing.TB)) (bool, string) {
	r := &recorder{}
	done := make(chan struct{})
	go func() { defer close(done); f(r) }()
	<-done
	return r.failed, r.msg
}

type recorder struct {
	testing.TB
	failed bool
	msg    string
}

func (r *recorder) Helper() {}
func (r *recorder) Errorf(format string, a ...any) {
	r.failed, r.msg = true, fmt.Sprintf(format, a...)
}
func (r *recorder) Fatalf(format string, a ...any) {
	r.Errorf(format, a...)
	runtime.Goexit()
}
