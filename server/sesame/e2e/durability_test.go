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

	"sesame/server/sesame/sesametest"
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
	s := sesametest.Start(t, sesametest.Options{Dir: dir, SMTP: "smtp://" + closedPort(t) + "?tls=none&timeout=2s"})
	s.ImportAccounts(t, employeurAccount)
	s.Client(t).Post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email}).Want(t, http.StatusAccepted)
	time.Sleep(300 * time.Millisecond) // let a delivery fail
	s.Stop(t)

	k := sesametest.StartSink(t)
	s = s.Restart(t, func(su *sesametest.Options) { su.SMTP, su.Sink = "", k })
	m := k.Wait(t, employeurAccount.Email, 15*time.Second)
	tok := m.Token(t, s.PublicURL+"/employeur")
	time.Sleep(time.Second)
	if n := k.Count(""); n != 1 {
		t.Errorf("%d mails delivered, want exactly 1", n)
	}
	b := s.Client(t)
	b.Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK)
	setPassword(t, b, "employeur", tok, employeurNew).Want(t, http.StatusOK)
	k.Wait(t, employeurAccount.Email, mailWait, sesametest.Kind("password_changed"))

	// A third process finds nothing left to send.
	s = s.Restart(t, nil)
	time.Sleep(time.Second)
	if n := k.Count(""); n != 2 {
		t.Errorf("%d mails after another restart, want 2 (nothing sent again)", n)
	}
	s.Client(t).Get("/metrics").Want(t, http.StatusOK)
}

// TestOutboxRetries: a mail the SMTP server refuses for now is retried
// until it passes, and delivered once.
func TestOutboxRetries(t *testing.T) {
	t.Parallel()
	k := sesametest.StartSink(t)
	k.Refuse.Store(1)
	s := sesametest.Start(t, sesametest.Options{Sink: k})
	s.ImportAccounts(t, api.Account{Portal: "employeur", Email: employeurAccount.Email, EmailVerified: true})
	s.Client(t).Post(recoveryPath("employeur"), api.RecoveryRequest{Email: employeurAccount.Email}).Want(t, http.StatusAccepted)
	tok := k.Wait(t, employeurAccount.Email, 20*time.Second).Token(t, s.PublicURL+"/employeur")
	time.Sleep(500 * time.Millisecond)
	if n := k.Count(""); n != 1 {
		t.Errorf("%d mails delivered, want 1", n)
	}
	s.Client(t).Post(linkPath("employeur"), api.LinkCheck{Token: tok}).Want(t, http.StatusOK)
	m := string(s.Client(t).Get("/metrics").Want(t, http.StatusOK).Body)
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
	s := sesametest.Start(t, sesametest.Options{Dir: dir})
	s.ImportAccounts(t, employeurAccount, adherentAccount)
	b := s.Client(t)
	link := employeurLink(t, s, b, employeurAccount.Email)
	setPassword(t, b, "employeur", link, employeurNew).Want(t, http.StatusOK)
	pendingLink := employeurLink(t, s, b, employeurAccount.Email) // left unused

	flow, code := adherentFlow(t, s, b, adherentAccount.MemberNumber, adherentAccount.Email)
	var ca api.CodeAccepted
	b.Post(flowPath("adherent", flow, "code"), api.CodeSubmit{Code: code}).Want(t, http.StatusOK).JSON(t, &ca)
	_, pendingCode := adherentFlow(t, s, s.Client(t), adherentAccount.MemberNumber, adherentAccount.Email) // left unused
	s.Sink.Wait(t, employeurAccount.Email, mailWait, sesametest.Kind("password_changed"))
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
