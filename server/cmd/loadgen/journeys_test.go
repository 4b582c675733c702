package main

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"sesame/server/config"
	"sesame/server/recovery"
	"sesame/server/store"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// The bench passwords pass the employeur policy for the bench accounts,
// as the server checks it (context words included), each as the change
// from the other.
func TestBenchPasswordsPassTheEmployeurPolicy(t *testing.T) {
	cfg, err := config.Load(func(k string) string {
		return map[string]string{"SESAME_DEV": "1", "SESAME_SECRET_KEY": strings.Repeat("ab", 32), "SESAME_DATA_DIR": t.TempDir()}[k]
	})
	if err != nil {
		t.Fatal(err)
	}
	p, ok := portal.Find(cfg.PortalList(), "employeur")
	if !ok {
		t.Fatal("no employeur portal")
	}
	if benchPassword != benchPasswords[0] || benchPasswords[0] == benchPasswords[1] {
		t.Fatal("the bench passwords must differ, the first being benchPassword")
	}
	for _, i := range []int{0, 1, 15, 999, maxAccounts - 1} {
		ctx := recovery.PolicyContext(p, store.Account{Portal: "employeur", Email: employeurEmail(i), EmailKey: employeurEmail(i)})
		for k, pw := range benchPasswords {
			res := p.Policy.Check(policy.Input{Password: pw, Confirm: pw, Current: benchPasswords[1-k], HasCurrent: true, Context: ctx}, "fr")
			if !res.OK {
				t.Errorf("account %d: %q refused: %+v", i, pw, res.Rules)
			}
		}
	}
}

func TestMemberNumbersAreValidAndDistinct(t *testing.T) {
	seen := map[string]bool{}
	for _, i := range []int{0, 1, 999, 1000, maxAccounts - 1} {
		n, err := identity.ParseMemberNumber(memberNumber(i))
		if err != nil || n != memberNumber(i) || seen[n] {
			t.Errorf("account %d: %q: %v (seen %v)", i, memberNumber(i), err, seen[n])
		}
		seen[n] = true
	}
}

// fakeAdherent answers like the server's adherent recovery: a flow bound
// to a cookie, then "send" checks the cookie.
func fakeAdherent(t *testing.T) *httptest.Server {
	mux := http.NewServeMux()
	var mu sync.Mutex
	flows := map[string]string{} // flow → browser cookie
	n := 0
	mux.HandleFunc("POST /api/v1/portals/adherent/recovery", func(w http.ResponseWriter, r *http.Request) {
		var req api.RecoveryRequest
		if err := json.NewDecoder(r.Body).Decode(&req); err != nil || req.MemberNumber == "" {
			http.Error(w, "bad", http.StatusUnprocessableEntity)
			return
		}
		mu.Lock()
		n++
		id, browser := fmt.Sprintf("flow%d", n), fmt.Sprintf("b%d", n)
		flows[id] = browser
		mu.Unlock()
		http.SetCookie(w, &http.Cookie{Name: "sesame_flow", Value: browser, Path: "/", HttpOnly: true})
		w.WriteHeader(http.StatusAccepted)
		_ = json.NewEncoder(w).Encode(api.RecoveryAccepted{Status: "accepted", FlowID: id})
	})
	mux.HandleFunc("POST /api/v1/portals/adherent/recovery/flows/{flow}/send", func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie("sesame_flow")
		mu.Lock()
		want := flows[r.PathValue("flow")]
		mu.Unlock()
		if err != nil || c.Value != want {
			http.Error(w, "foreign", http.StatusForbidden)
			return
		}
		w.WriteHeader(http.StatusAccepted)
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv
}

func TestAdherentRecoveryKeepsTheFlowCookie(t *testing.T) {
	srv := fakeAdherent(t)
	users := newUsers(1, srv.URL, []*http.Transport{newTransport(nil, 1)}, true, newSink())
	u := users[0]
	u.steps = map[string]*histogram{}
	op := adherentRecovery(10)
	for range 3 {
		if status, err := op(context.Background(), u); err != nil || status != http.StatusAccepted {
			t.Fatalf("status %d, %v", status, err)
		}
	}
	if u.steps["recovery"] == nil || u.steps["recovery"].n != 3 || u.steps["send"] == nil || u.steps["send"].n != 3 {
		t.Errorf("steps: %v", u.steps)
	}
	// Without cookies the flow is foreign.
	users = newUsers(1, srv.URL, []*http.Transport{newTransport(nil, 1)}, false, newSink())
	if status, _ := op(context.Background(), users[0]); status != http.StatusForbidden {
		t.Errorf("without a cookie jar: status %d, want 403", status)
	}
}

// codeMail is a change-code mail as the server renders it: a code on a
// line of its own in the text part, quoted-printable.
func codeMail(to, kind, code string) []byte {
	return []byte("From: x@localhost\r\nTo: " + to + "\r\nX-Sesame-Kind: " + kind + "\r\nMIME-Version: 1.0\r\n" +
		"Content-Type: multipart/alternative; boundary=B\r\n\r\n" +
		"--B\r\nContent-Type: text/plain; charset=UTF-8\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n" +
		"Bonjour,\r\nVoici votre code de confirmation =C3=A0 saisir :\r\n    " + code + "\r\nIl est valable 10 minutes.\r\n" +
		"--B\r\nContent-Type: text/html; charset=UTF-8\r\n\r\n<p>" + code + "</p>\r\n--B--\r\n")
}

func TestMailSecret(t *testing.T) {
	if kind, s := mailSecret(codeMail("a@b.example", "change_code", "042917")); kind != secretCode || s != "042917" {
		t.Errorf("change code: %d %q", kind, s)
	}
	if kind, s := mailSecret(codeMail("a@b.example", "reset_code", "1234")); kind != secretCode || s != "1234" {
		t.Errorf("reset code: %d %q", kind, s)
	}
	if kind, s := mailSecret(codeMail("a@b.example", "password_changed", "042917")); kind != secretNone || s != "" {
		t.Errorf("a notification carries no secret: %d %q", kind, s)
	}
}

// A client waiting for its code gets the next code mail to its address,
// and only that.
func TestSinkHandsCodesToWhoWaits(t *testing.T) {
	k := newSink()
	ch := k.await("User1@Bench.example")
	k.received([]string{"user2@bench.example"}, codeMail("user2@bench.example", "change_code", "111111"))
	k.received([]string{"user1@bench.example"}, codeMail("user1@bench.example", "password_changed", ""))
	select {
	case c := <-ch:
		t.Fatalf("got %q before its own code mail", c)
	default:
	}
	k.received([]string{"user1@bench.example"}, codeMail("user1@bench.example", "change_code", "222222"))
	if c := <-ch; c != "222222" {
		t.Errorf("code %q", c)
	}
	if k.waiting.Load() != 0 {
		t.Errorf("%d still waiting", k.waiting.Load())
	}
	ch = k.await("user3@bench.example")
	k.forget("user3@bench.example", ch)
	if k.waiting.Load() != 0 || len(k.waiters) != 0 {
		t.Error("forget should stop the wait")
	}
	// Links are kept only while capturing.
	link := []byte("X-Sesame-Kind: reset_link\r\n\r\nhttp://h/employeur/mot-de-passe/reinitialisation#AbCdEfGhIjKlMnOpQrStUv\r\n")
	k.received([]string{"user4@bench.example"}, link)
	if k.tokenCount() != 0 {
		t.Error("a link kept without capture")
	}
	k.capture.Store(true)
	k.received([]string{"user4@bench.example"}, link)
	if l := k.tokenList(); len(l) != 1 || l[0] != "AbCdEfGhIjKlMnOpQrStUv" {
		t.Errorf("links %v", l)
	}
}

// fakeAccount answers like the server's sign-in and password change, and
// "mails" the code to the sink.
func fakeAccount(t *testing.T, k *sink) (*httptest.Server, *string) {
	mux := http.NewServeMux()
	var mu sync.Mutex
	password, code := benchPasswords[0], ""
	mux.HandleFunc("POST /api/v1/portals/employeur/session", func(w http.ResponseWriter, r *http.Request) {
		var req api.SignIn
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		defer mu.Unlock()
		if req.Password != password {
			http.Error(w, "wrong", http.StatusUnauthorized)
			return
		}
		http.SetCookie(w, &http.Cookie{Name: "sesame_session", Value: "s", Path: "/"})
	})
	mux.HandleFunc("POST /api/v1/portals/employeur/account/password/code", func(w http.ResponseWriter, r *http.Request) {
		if _, err := r.Cookie("sesame_session"); err != nil {
			http.Error(w, "signed out", http.StatusUnauthorized)
			return
		}
		mu.Lock()
		code = fmt.Sprintf("%06d", time.Now().UnixNano()%1000000)
		c := code
		mu.Unlock()
		w.WriteHeader(http.StatusAccepted)
		go k.received([]string{employeurEmail(0)}, codeMail(employeurEmail(0), "change_code", c))
	})
	mux.HandleFunc("POST /api/v1/portals/employeur/account/password", func(w http.ResponseWriter, r *http.Request) {
		var req api.ChangePassword
		_ = json.NewDecoder(r.Body).Decode(&req)
		mu.Lock()
		defer mu.Unlock()
		if req.Code != code || req.Current != password || req.Password != req.Confirm || req.Password == password {
			http.Error(w, "no", http.StatusUnprocessableEntity)
			return
		}
		password = req.Password
		http.SetCookie(w, &http.Cookie{Name: "sesame_session", Value: "", Path: "/", MaxAge: -1})
	})
	srv := httptest.NewServer(mux)
	t.Cleanup(srv.Close)
	return srv, &password
}

func TestChangePasswordJourney(t *testing.T) {
	k := newSink()
	srv, password := fakeAccount(t, k)
	users := newUsers(1, srv.URL, []*http.Transport{newTransport(nil, 1)}, true, k)
	u := users[0]
	u.steps = map[string]*histogram{}
	for i := range 3 {
		if status, err := changePassword(context.Background(), u); err != nil || status != http.StatusOK {
			t.Fatalf("journey %d: status %d, %v", i, status, err)
		}
		if *password != benchPasswords[u.pw] {
			t.Fatalf("journey %d: the server has %q, the client thinks %q", i, *password, benchPasswords[u.pw])
		}
	}
	for _, step := range []string{"sign-in", "code", "mail", "change"} {
		if h := u.steps[step]; h == nil || h.n != 3 {
			t.Errorf("step %s: %v", step, h)
		}
	}
	if k.waiting.Load() != 0 {
		t.Error("a wait left behind")
	}
}

func TestReadTokensAndSecret(t *testing.T) {
	dir := t.TempDir()
	p := filepath.Join(dir, "tokens.txt")
	if err := os.WriteFile(p, []byte("a\n\n b \n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if got, err := readTokens(p); err != nil || len(got) != 2 || got[1] != "b" {
		t.Errorf("readTokens = %q, %v", got, err)
	}
	if _, err := readTokens(filepath.Join(dir, "none")); err == nil {
		t.Error("a missing file should be refused")
	}
	secretPath := filepath.Join(dir, "secret")
	s, err := seedSecret(secretPath)
	if err != nil || len(s) != 64 {
		t.Fatalf("seedSecret = %q, %v", s, err)
	}
	if again, err := readSecret(secretPath); err != nil || again != s {
		t.Errorf("readSecret = %q, %v; want the same secret", again, err)
	}
	if err := os.WriteFile(secretPath, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := readSecret(secretPath); err == nil {
		t.Error("a short secret should be refused")
	}
}

func TestDiskUsage(t *testing.T) {
	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "sub"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub", "f"), make([]byte, 100_000), 0o600); err != nil {
		t.Fatal(err)
	}
	n, err := diskUsage(dir)
	if err != nil || n < 100_000 || n > 200_000 {
		t.Errorf("diskUsage = %d, %v; want about 100 kB", n, err)
	}
}
