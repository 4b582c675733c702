package mail

import (
	"errors"
	"strings"
	"testing"
	"time"

	"sesame/server/outbox"
	"sesame/shared/portal"
)

func TestLinkLifetimeFromPortal(t *testing.T) {
	for _, tc := range []struct {
		ttl  time.Duration
		data string
		want string
	}{
		{time.Hour, "", "(ce lien expirera au bout d'une heure)"},
		{30 * time.Minute, "", "(ce lien expirera au bout de 30 minutes)"},
		{2 * time.Hour, "", "(ce lien expirera au bout de 2 heures)"},
		{time.Minute, "", "(ce lien expirera au bout de 1 minute)"},
		{time.Hour, "20", "(ce lien expirera au bout de 20 minutes)"}, // the job's own lifetime wins
		{time.Hour, "abc", "(ce lien expirera au bout d'une heure)"},  // malformed: the portal's
		{time.Hour, "-5", "(ce lien expirera au bout d'une heure)"},   // negative: the portal's
	} {
		p := portal.Employeur()
		p.LinkTTL = portal.Duration(tc.ttl)
		j := job(KindResetLink, "employeur", "fr")
		if tc.data != "" {
			j.Data["ttl_minutes"] = tc.data
		}
		m, err := newRenderer(t, p).Render(j)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(m.Text, tc.want) {
			t.Errorf("ttl %v/%q: want %q in\n%s", tc.ttl, tc.data, tc.want, m.Text)
		}
	}
}

func TestHostileDataIsEscaped(t *testing.T) {
	r := newRenderer(t)
	hostile := `<script>alert(1)</script>`
	for _, kind := range Kinds() {
		for _, p := range portalIDs {
			j := job(kind, p, "fr")
			j.To = `"` + hostile + `"@evil.example`
			j.Data["name"] = hostile + "\r\nBcc: x@evil.example"
			j.Data["passkeys"] = hostile + "\n<img src=x onerror=alert(2)>"
			j.Data["how"] = hostile
			m, err := r.Render(j)
			if err != nil {
				t.Fatal(err)
			}
			if strings.Contains(m.HTML, "<script") || strings.Contains(m.HTML, "<img") {
				t.Errorf("%s/%s: unescaped markup in HTML", kind, p)
			}
			if !strings.Contains(m.HTML, "&lt;script&gt;") {
				t.Errorf("%s/%s: escaped recipient missing from HTML", kind, p)
			}
			if strings.Contains(m.Subject, "<") || strings.Contains(m.Text, "\r") {
				t.Errorf("%s/%s: data leaked into subject or raw CR in text", kind, p)
			}
		}
	}
	m, _ := r.Render(func() outbox.Job {
		j := job(KindPasskeyAdded, "assure", "fr")
		j.Data["name"] = hostile
		return j
	}())
	if !strings.Contains(m.HTML, "« &lt;script&gt;alert(1)&lt;/script&gt; »") {
		t.Errorf("passkey name not shown escaped:\n%s", m.HTML)
	}
}

func TestRenderErrors(t *testing.T) {
	r := newRenderer(t)
	for name, mutate := range map[string]func(j *outbox.Job){
		"unknown kind":        func(j *outbox.Job) { j.Kind = "welcome" },
		"empty kind":          func(j *outbox.Job) { j.Kind = "" },
		"unknown portal":      func(j *outbox.Job) { j.Data["portal"] = "nope" },
		"no portal":           func(j *outbox.Job) { delete(j.Data, "portal") },
		"nil data":            func(j *outbox.Job) { j.Data = nil },
		"no token":            func(j *outbox.Job) { j.Secret = "" },
		"token with query":    func(j *outbox.Job) { j.Secret = "abc?x=1" },
		"token with space":    func(j *outbox.Job) { j.Secret = "abc def" },
		"token with fragment": func(j *outbox.Job) { j.Secret = "abc#def" },
		"no recipient":        func(j *outbox.Job) { j.To = "" },
		"recipient with CRLF": func(j *outbox.Job) { j.To = "a@b.fr\r\nBcc: c@d.fr" },
	} {
		j := job(KindResetLink, "assure", "fr")
		j.Secret = "s3cr3tTOKEN"
		mutate(&j)
		m, err := r.Render(j)
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		if !errors.Is(err, outbox.ErrPermanent) {
			t.Errorf("%s: %v is not permanent", name, err)
		}
		if strings.Contains(err.Error(), "s3cr3t") || strings.Contains(err.Error(), "@") {
			t.Errorf("%s: error %q leaks the secret or the address", name, err)
		}
		if m.Text != "" || m.HTML != "" {
			t.Errorf("%s: mail returned with the error", name)
		}
	}
	if _, err := r.Render(outbox.Job{Kind: "nope"}); !errors.Is(err, ErrUnknownKind) {
		t.Errorf("unknown kind: %v", err)
	}
	if _, err := r.Render(outbox.Job{Kind: KindResetLink, Data: map[string]string{"portal": "x"}}); !errors.Is(err, ErrUnknownPortal) {
		t.Errorf("unknown portal: %v", err)
	}
	for _, kind := range []string{KindResetCode, KindChangeCode} {
		j := job(kind, "adherent", "fr")
		j.Secret = " "
		if _, err := r.Render(j); !errors.Is(err, ErrBadJob) {
			t.Errorf("%s without code: %v", kind, err)
		}
	}
}

func TestNotificationDate(t *testing.T) {
	r := newRenderer(t)
	// Without changed_at, the job's creation time (same transaction) is used.
	j := job(KindPasswordChanged, "assure", "fr")
	delete(j.Data, "changed_at")
	j.Created = utc("2022-07-14T10:00:42Z")
	m, err := r.Render(j)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "modifié le 14/07/2022 à 12h00 (heure de Paris)") {
		t.Errorf("fallback date:\n%s", m.Text)
	}
	// Neither: a permanent error rather than a wrong date.
	for _, kind := range []string{KindPasswordChanged, KindPasskeyAdded, KindPasskeyRemoved} {
		j := job(kind, "assure", "fr")
		j.Data["changed_at"], j.Data["at"], j.Created = "yesterday", "", time.Time{}
		if _, err := r.Render(j); !errors.Is(err, ErrBadJob) || !errors.Is(err, outbox.ErrPermanent) {
			t.Errorf("%s without date: %v", kind, err)
		}
	}
	// Optional parts.
	j = job(KindPasswordChanged, "adherent", "fr")
	j.Data["passkeys"], j.Data["how"] = " \n \n", "reset"
	m, _ = r.Render(j)
	if strings.Contains(m.Text, "clés d'accès restent actives") || !strings.Contains(m.Text, "mot de passe oublié") {
		t.Errorf("optional parts:\n%s", m.Text)
	}
}

func TestLanguageFallback(t *testing.T) {
	r := newRenderer(t)
	for lang, want := range map[string]string{"de": `lang="fr"`, "en-GB": `lang="en"`, "FR": `lang="fr"`} {
		m, err := r.Render(job(KindResetCode, "adherent", lang))
		if err != nil || !strings.Contains(m.HTML, want) {
			t.Errorf("lang %q: %v, want %s", lang, err, want)
		}
	}
}

func TestNew(t *testing.T) {
	loc := paris(t)
	dup := append(portal.Presets(), portal.Assure())
	bad := portal.Assure()
	bad.ID = "a/b"
	for name, tc := range map[string]struct {
		url     string
		portals []portal.Config
		loc     *time.Location
	}{
		"no scheme":  {"localhost:8000", portal.Presets(), loc},
		"javascript": {"javascript:alert(1)", portal.Presets(), loc},
		"query":      {"http://localhost:8000/?a=b", portal.Presets(), loc},
		"fragment":   {"http://localhost:8000/#x", portal.Presets(), loc},
		"user":       {"http://u:p@localhost:8000", portal.Presets(), loc},
		"no host":    {"http:///x", portal.Presets(), loc},
		"empty":      {"", portal.Presets(), loc},
		"nil loc":    {base, portal.Presets(), nil},
		"no portal":  {base, nil, loc},
		"duplicate":  {base, dup, loc},
		"bad id":     {base, []portal.Config{bad}, loc},
	} {
		if _, err := New(tc.url, tc.portals, tc.loc); err == nil {
			t.Errorf("%s: no error", name)
		}
	}
}

func TestFromName(t *testing.T) {
	custom := portal.Adherent()
	custom.ID, custom.Name = "autre", "Autre portail"
	r := newRenderer(t, append(portal.Presets(), custom)...)
	for id, want := range map[string]string{
		"assure": "Votre Assurance Maladie", "employeur": "Votre Assurance Maladie",
		"adherent": "Mutuelle des agents publics", "autre": "Autre portail", "nope": "",
	} {
		if got := r.FromName(id); got != want {
			t.Errorf("FromName(%q) = %q, want %q", id, got, want)
		}
	}
	// A custom portal renders with the generic wording.
	m, err := r.Render(job(KindResetLink, "autre", "fr"))
	if err != nil || !strings.Contains(m.Text, "Choisir un nouveau mot de passe") {
		t.Errorf("custom portal: %v\n%s", err, m.Text)
	}
}

func TestResetURL(t *testing.T) {
	r := newRenderer(t)
	got, err := r.ResetURL("assure", "abc_DEF-123")
	if err != nil || got != base+"/assure/mot-de-passe/reinitialisation#abc_DEF-123" {
		t.Errorf("ResetURL = %q, %v", got, err)
	}
	if _, err := r.ResetURL("nope", "abc"); !errors.Is(err, ErrUnknownPortal) {
		t.Errorf("unknown portal: %v", err)
	}
}

func TestCodeIsReadable(t *testing.T) {
	m, err := newRenderer(t).Render(job(KindResetCode, "adherent", "fr"))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(m.Text, "\n    482915\n") || !strings.Contains(m.HTML, `aria-label="4 8 2 9 1 5">482915<`) {
		t.Errorf("code not shown prominently:\n%s\n%s", m.Text, m.HTML)
	}
}
