package page

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/portal"
)

// render mounts c in go-app's server-side engine (the one the handler uses to
// prerender) and returns its HTML.
func render(t *testing.T, c app.Composer) string {
	t.Helper()
	d := app.NewServerTester(c)
	defer d.Close()
	return app.HTMLString(c)
}

func TestHomeRender(t *testing.T) {
	html := render(t, &Home{})

	for _, want := range []string{
		"<h1>" + HomeTitle + "</h1>",
		`<nav aria-labelledby="portails-titre">`,
		`<footer class="site-footer">`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("home lacks %q:\n%s", want, html)
		}
	}
	if n := strings.Count(html, "<main"); n != 1 {
		t.Errorf("home has %d <main>, want 1", n)
	}
	if n := strings.Count(html, "<h1"); n != 1 {
		t.Errorf("home has %d <h1>, want 1", n)
	}
	for _, p := range portal.Summaries() {
		link := `href="/` + p.ID + `/connexion"`
		if !strings.Contains(html, link) {
			t.Errorf("home lacks the link %s", link)
		}
		if !strings.Contains(html, p.Name) || !strings.Contains(html, p.Tagline) {
			t.Errorf("home lacks %q or its tagline", p.Name)
		}
	}
}

func TestHomeMatch(t *testing.T) {
	h := &Home{}
	d := app.NewServerTester(h)
	defer d.Close()

	// <div.page> → [header, main, footer]; main → [h1, p.lead, nav].
	if err := app.TestMatch(h, app.TestUIDescriptor{
		Path:     app.TestPath(0, 1, 0, 0),
		Expected: app.Text(HomeTitle),
	}); err != nil {
		t.Error(err)
	}
	first := portal.Summaries()[0]
	// nav → [h2, ul]; ul → li; li → a; a → [span.portal-name, span.portal-tagline].
	if err := app.TestMatch(h, app.TestUIDescriptor{
		Path:     app.TestPath(0, 1, 2, 1, 0, 0),
		Expected: app.A().Class("portal-card").Href("/" + first.ID + "/connexion"),
	}); err != nil {
		t.Error(err)
	}
}

func TestNotFoundRender(t *testing.T) {
	html := render(t, &NotFound{})
	for _, want := range []string{"<h1>Page introuvable</h1>", `href="/"`, "Retour à l’accueil"} {
		if !strings.Contains(html, want) {
			t.Errorf("not-found page lacks %q:\n%s", want, html)
		}
	}
}

func TestExists(t *testing.T) {
	Routes()
	Routes() // idempotent
	for path, want := range map[string]bool{
		"/":                 true,
		"/nope":             false,
		"/assure/connexion": true,
		"":                  false,
	} {
		if got := Exists(path); got != want {
			t.Errorf("Exists(%q) = %v, want %v", path, got, want)
		}
	}
}

func TestPortalPath(t *testing.T) {
	if got := PortalPath("assure", "connexion"); got != "/assure/connexion" {
		t.Errorf("PortalPath = %q", got)
	}
	if got := PortalPath("a/b", "connexion"); got != "/a%2Fb/connexion" {
		t.Errorf("PortalPath escapes nothing: %q", got)
	}
}
