package offline

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// fresh empties the storage, the outcomes and the retry timer, and puts the
// network back up.
func fresh(t *testing.T) *memStore {
	t.Helper()
	m := store.(*memStore)
	reset := func() {
		m.Lock()
		m.m = nil
		m.Unlock()
		outcomes.Lock()
		outcomes.m = map[string]Outcome{}
		outcomes.Unlock()
		retry.Lock()
		if retry.timer != nil {
			retry.timer.Stop()
			retry.timer = nil
		}
		retry.delay = 0
		retry.Unlock()
		state.Lock()
		state.navOnline, state.fetchFailed = true, false
		state.Unlock()
		SetSender(nil)
		now = time.Now
	}
	reset()
	t.Cleanup(reset)
	return m
}

// dump is everything stored, for "never stored" checks.
func dump(m *memStore) string {
	m.Lock()
	defer m.Unlock()
	return fmt.Sprint(m.m)
}

func TestDraft(t *testing.T) {
	m := fresh(t)
	d := Draft{Portal: "employeur", Screen: "mot-de-passe-oublie"}
	if got := d.Load(); len(got) != 0 {
		t.Fatalf("empty draft: %v", got)
	}
	d.Save(portal.FieldEmail, "claire@example.fr")
	d.Save(portal.FieldNIR, "1 84 12 75 123 456 78")
	for _, secret := range []string{"password", "confirm", "current", "code", "token", "captcha_answer", "captcha_id"} {
		d.Save(secret, "Secret#123"+secret)
	}
	d.Save(portal.FieldMemberNumber, strings.Repeat("9", maxValue+1))
	got := d.Load()
	if len(got) != 2 || got[portal.FieldEmail] != "claire@example.fr" || got[portal.FieldNIR] != "1 84 12 75 123 456 78" {
		t.Errorf("draft = %v", got)
	}
	if s := dump(m); strings.Contains(s, "Secret#") || strings.Contains(s, "999999") {
		t.Errorf("a refused field was stored: %s", s)
	}
	// Another screen or portal has its own draft.
	if other := (Draft{Portal: "assure", Screen: "mot-de-passe-oublie"}).Load(); len(other) != 0 {
		t.Errorf("drafts leak between portals: %v", other)
	}

	d.Save(portal.FieldNIR, "")
	if got := d.Load(); len(got) != 1 {
		t.Errorf("an emptied field stays: %v", got)
	}
	d.Clear()
	if got := d.Load(); len(got) != 0 {
		t.Errorf("after Clear: %v", got)
	}
	if s := dump(m); s != "map[]" {
		t.Errorf("Clear left %s", s)
	}

	// A day later, the draft is gone.
	d.Save(portal.FieldEmail, "claire@example.fr")
	now = func() time.Time { return time.Now().Add(draftTTL + time.Minute) }
	if got := d.Load(); len(got) != 0 {
		t.Errorf("an old draft is restored: %v", got)
	}
}

func TestQueueable(t *testing.T) {
	for _, c := range []struct {
		p    portal.Config
		want bool
	}{
		{portal.Employeur(), true},
		{portal.Assure(), false},   // live captcha
		{portal.Adherent(), false}, // a code bound to this page's flow
	} {
		if got := Queueable(c.p); got != c.want {
			t.Errorf("Queueable(%s) = %v, want %v", c.p.ID, got, c.want)
		}
	}
	fresh(t)
	err := Enqueue(portal.Assure(), api.RecoveryRequest{Email: "a@example.fr", CaptchaID: "c", CaptchaAnswer: "12345"})
	if !errors.Is(err, ErrNotQueueable) {
		t.Errorf("assure queued: %v", err)
	}
	if _, ok := Pending("assure"); ok {
		t.Error("assure has a pending request")
	}
}

func TestQueueSendsWhenBack(t *testing.T) {
	m := fresh(t)
	var sent []api.RecoveryRequest
	answer := error(client.ErrOffline)
	SetSender(func(id string, req api.RecoveryRequest) (api.RecoveryAccepted, error) {
		if id != "employeur" {
			t.Errorf("sent to %s", id)
		}
		sent = append(sent, req)
		return api.RecoveryAccepted{Status: "accepted"}, answer
	})
	changes := 0
	defer Subscribe(func() { changes++ })()

	req := api.RecoveryRequest{Email: "claire@example.fr", CaptchaID: "x", CaptchaAnswer: "99999", Lang: "fr"}
	if err := Enqueue(portal.Employeur(), req); err != nil {
		t.Fatal(err)
	}
	if s := dump(m); strings.Contains(s, "99999") || !strings.Contains(s, "claire@example.fr") {
		t.Errorf("queue stores %s", s)
	}
	got, ok := Pending("employeur")
	if !ok || got.Email != "claire@example.fr" || got.CaptchaAnswer != "" || got.Lang != "fr" {
		t.Errorf("Pending = %+v %v", got, ok)
	}

	// Still offline: it stays, and a retry is planned.
	Flush()
	if _, ok := Pending("employeur"); !ok || len(sent) != 1 {
		t.Fatalf("an unsent request left the queue (sent %d)", len(sent))
	}
	if _, ok := TakeOutcome("employeur"); ok {
		t.Error("an outcome for an unsent request")
	}
	retry.Lock()
	planned := retry.timer != nil
	retry.Unlock()
	if !planned {
		t.Error("no retry planned")
	}

	// A 503 is no answer either.
	answer = &client.Error{Problem: api.Problem{Status: 503, Code: api.CodeUnavailable}}
	Flush()
	if _, ok := Pending("employeur"); !ok {
		t.Fatal("a 503 dropped the request")
	}

	// Back: sent once, out of the queue, the outcome waits for the screen.
	answer = nil
	Flush()
	if _, ok := Pending("employeur"); ok {
		t.Error("a sent request stays queued")
	}
	o, ok := TakeOutcome("employeur")
	if !ok || o.Err != nil || o.Request.Email != "claire@example.fr" || o.Accepted.Status != "accepted" {
		t.Errorf("outcome = %+v %v", o, ok)
	}
	if _, ok := TakeOutcome("employeur"); ok {
		t.Error("an outcome is given twice")
	}
	if len(sent) != 3 || sent[2].Email != "claire@example.fr" || sent[2].CaptchaAnswer != "" {
		t.Errorf("sent %+v", sent)
	}
	if changes == 0 {
		t.Error("subscribers were never told")
	}
	if s := dump(m); s != "map[]" {
		t.Errorf("storage after sending: %s", s)
	}

	// Refused by the server: out of the queue, the outcome carries why.
	Enqueue(portal.Employeur(), req)
	answer = &client.Error{Problem: api.Problem{Status: 429, Code: api.CodeRateLimited, Detail: "bloqué"}}
	Flush()
	o, ok = TakeOutcome("employeur")
	if p := client.ProblemOf(o.Err); !ok || p == nil || p.Code != api.CodeRateLimited {
		t.Errorf("refused outcome = %+v", o)
	}
	if _, ok := Pending("employeur"); ok {
		t.Error("a refused request stays queued")
	}

	Enqueue(portal.Employeur(), req)
	Cancel("employeur")
	if _, ok := Pending("employeur"); ok {
		t.Error("Cancel kept the request")
	}
}

func TestOnline(t *testing.T) {
	fresh(t)
	if !Online() {
		t.Fatal("offline at start")
	}
	changes := 0
	defer Subscribe(func() { changes++ })()
	reported(false)
	if Online() || changes != 1 {
		t.Errorf("after a failed request: online %v, %d changes", Online(), changes)
	}
	reported(false)
	if changes != 1 {
		t.Errorf("no change, yet %d changes", changes)
	}
	setNavOnline(false)
	setNavOnline(true) // the event alone does not clear the failure
	if Online() {
		t.Error("online after the event, before any answer")
	}
	reported(true)
	if !Online() {
		t.Error("still offline after an answer")
	}

	// The client tells the package about every request.
	c := &client.Client{Transport: failing{}}
	c.Portal("employeur")
	if Online() {
		t.Error("the client's failed request went unnoticed")
	}
}

type failing struct{}

func (failing) RoundTrip(client.Request) (client.Response, error) {
	return client.Response{}, fmt.Errorf("%w: test", client.ErrOffline)
}

func TestBannerText(t *testing.T) {
	for path, want := range map[string]string{
		"/employeur/mot-de-passe-oublie":           BannerText,
		"/assure/mot-de-passe-oublie":              BannerTextCaptcha,
		"/adherent/mot-de-passe-oublie":            BannerTextOther,
		"/employeur/connexion":                     BannerTextOther,
		"/employeur/mot-de-passe/reinitialisation": BannerTextOther,
		"/":                            BannerTextOther,
		"/inconnu/mot-de-passe-oublie": BannerTextOther,
	} {
		if got := BannerTextFor(path, "fr"); got != want {
			t.Errorf("BannerTextFor(%s) = %q, want %q", path, got, want)
		}
	}
}

func TestComponents(t *testing.T) {
	b := &Banner{}
	html := app.HTMLString(b)
	if !strings.Contains(html, `id="offline-status"`) || !strings.Contains(html, `role="status"`) || strings.Contains(html, "hors connexion") {
		t.Errorf("online banner: %s", html)
	}
	d := app.NewServerTester(b)
	b.offline, b.path = true, "/employeur/mot-de-passe-oublie"
	b.Update()
	d.Consume()
	if html := app.HTMLString(b); !strings.Contains(html, BannerText) || !strings.Contains(html, `aria-live="polite"`) {
		t.Errorf("offline banner: %s", html)
	}
	d.Close()

	u := &UpdatePrompt{}
	if html := app.HTMLString(u); !strings.Contains(html, `id="update-status"`) || strings.Contains(html, UpdateButton) {
		t.Errorf("no update: %s", html)
	}
	d = app.NewServerTester(u)
	defer d.Close()
	u.available = true
	u.Update()
	d.Consume()
	html = app.HTMLString(u)
	for _, want := range []string{UpdateTitle, ">" + UpdateButton + "</button>", `id="update-apply"`, `type="button"`} {
		if !strings.Contains(html, want) {
			t.Errorf("update prompt lacks %q: %s", want, html)
		}
	}
}
