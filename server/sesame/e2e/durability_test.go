package e2e

import (
	"bytes"
	"io/fs"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sesame/shared/api"
)

// closedPort returns an address of 127.0.0.1 where nothing listens.
func closedPort(t testing.TB) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()
	return addr
}

// TestOutboxDurability: a request accepted while the SMTP server is down
// is delivered, once, by the next process on the same data directory.
func TestOutboxDurability(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() + "/data"
	s := start(t, setup{Dir: dir, SMTP: "smtp://" + closedPort(t) + "?tls=none&timeout=2s"})
	s.importAccounts(t, employeurAccount)
	s.browser(t).post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email}).want(t, http.StatusAccepted)
	time.Sleep(300 * time.Millisecond) // let a delivery fail
	s.Stop(t)

	k := newSink(t)
	s = s.Restart(t, func(su *setup) { su.SMTP, su.Sink = "", k })
	m := k.waitMail(t, employeurAccount.Email, 15*time.Second)
	tok := linkToken(t, m, "employeur")
	time.Sleep(time.Second)
	if n := k.count(""); n != 1 {
		t.Errorf("%d mails delivered, want exactly 1", n)
	}
	b := s.browser(t)
	b.post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK)
	setPassword(t, b, "employeur", tok, employeurNew).want(t, http.StatusOK)
	k.waitKind(t, employeurAccount.Email, "password_changed", mailWait)

	// A third process finds nothing left to send.
	s = s.Restart(t, nil)
	time.Sleep(time.Second)
	if n := k.count(""); n != 2 {
		t.Errorf("%d mails after another restart, want 2 (nothing sent again)", n)
	}
	s.browser(t).get("/metrics").want(t, http.StatusOK)
}

// TestOutboxRetries: a mail the SMTP server refuses for now is retried
// until it passes, and delivered once.
func TestOutboxRetries(t *testing.T) {
	t.Parallel()
	k := newSink(t)
	k.Refuse.Store(1)
	s := start(t, setup{Sink: k})
	s.importAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	s.browser(t).post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email}).want(t, http.StatusAccepted)
	tok := linkToken(t, k.waitMail(t, employeurAccount.Email, 20*time.Second), "employeur")
	time.Sleep(500 * time.Millisecond)
	if n := k.count(""); n != 1 {
		t.Errorf("%d mails delivered, want 1", n)
	}
	s.browser(t).post(linkPath("employeur"), api.LinkCheck{Token: tok}).want(t, http.StatusOK)
	m := string(s.browser(t).get("/metrics").want(t, http.StatusOK).Body)
	if !strings.Contains(m, "sesame_mail_retried_total 1") {
		t.Errorf("/metrics does not count the retry:\n%s", grepLines(m, "sesame_mail"))
	}
	checkLogsClean(t, s.Logs, tok, employeurAccount.Email)
}

// grepLines keeps the lines of text that contain s.
func grepLines(text, s string) string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if strings.Contains(l, s) {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}

// TestNoRawSecretsOnDisk: no link token, code or password is written to the
// data directory in clear, not even in the outbox or Badger's logs.
func TestNoRawSecretsOnDisk(t *testing.T) {
	t.Parallel()
	dir := t.TempDir() + "/data"
	s := start(t, setup{Dir: dir})
	s.importAccounts(t, employeurAccount, adherentAccount)
	b := s.browser(t)
	link := s.employeurLink(t, b, employeurAccount.Email)
	setPassword(t, b, "employeur", link, employeurNew).want(t, http.StatusOK)
	pendingLink := s.employeurLink(t, b, employeurAccount.Email) // left unused

	flow, code := s.adherentFlow(t, b, adherentAccount.MemberNumber, adherentAccount.Email)
	var ca api.CodeAccepted
	b.post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).want(t, http.StatusOK).json(t, &ca)
	_, pendingCode := s.adherentFlow(t, s.browser(t), adherentAccount.MemberNumber, adherentAccount.Email) // left unused
	s.Sink.waitKind(t, employeurAccount.Email, "password_changed", mailWait)
	time.Sleep(200 * time.Millisecond) // the outbox deletes delivered jobs

	secrets := []secret{{code, true}, {pendingCode, true}}
	for _, s := range []string{link, pendingLink, ca.Token, employeurNew, *employeurAccount.Password, *adherentAccount.Password} {
		secrets = append(secrets, secret{s, false})
	}
	// While the server runs, Badger's write-ahead log holds every record
	// as written; once stopped, its tables (compressed) do.
	scanForSecrets(t, dir, secrets, true)
	s.Stop(t)
	scanForSecrets(t, dir, secrets, false)
}

// scanForSecrets fails if a file under dir matches a secret. With control
// set, it also requires an account's address (stored in clear) to be
// found, proving that the scan sees the records.
func scanForSecrets(t *testing.T, dir string, secrets []secret, control bool) {
	t.Helper()
	files, seen := 0, false
	err := filepath.WalkDir(dir, func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		files++
		// Positive control: an account's address is stored as is, so the
		// scan does see the records.
		seen = seen || bytes.Contains(b, []byte(adherentAccount.Email))
		for _, s := range secrets {
			if i := s.find(b); i >= 0 {
				lo, hi := max(i-40, 0), min(i+len(s.text)+40, len(b))
				t.Errorf("%s holds the secret %q: …%q…", path, s.text, b[lo:hi])
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if files == 0 || control && !seen {
		t.Fatalf("the scan of %d files never saw a stored account address: it proves nothing", files)
	}
}

// secret is a string that must not be stored.
type secret struct {
	text string
	// digits: only an occurrence not inside a longer number counts (a
	// 6-digit code may occur by chance inside a timestamp).
	digits bool
}

// find returns the offset of the secret in b, or -1.
func (s secret) find(b []byte) int {
	needle := []byte(s.text)
	isDigit := func(i int) bool { return i >= 0 && i < len(b) && '0' <= b[i] && b[i] <= '9' }
	for off := 0; ; {
		i := bytes.Index(b[off:], needle)
		if i < 0 {
			return -1
		}
		i += off
		if !s.digits || !isDigit(i-1) && !isDigit(i+len(needle)) {
			return i
		}
		off = i + 1
	}
}
