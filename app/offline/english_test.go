package offline

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"
)

func TestComponentsInEnglish(t *testing.T) {
	if got := BannerTextFor("/assure/mot-de-passe-oublie", "en"); !strings.HasPrefix(got, "You are offline.") || !strings.Contains(got, "anti-robot check") {
		t.Errorf("English captcha banner: %q", got)
	}
	if got := BannerTextFor("/employeur/mot-de-passe-oublie", "fr"); got != BannerText {
		t.Errorf("French banner: %q", got)
	}

	b := &Banner{Lang: "en"}
	d := app.NewServerTester(b)
	b.offline, b.path = true, "/employeur/mot-de-passe-oublie"
	b.Update()
	d.Consume()
	if html := app.HTMLString(b); !strings.Contains(html, "your request will be sent as soon as the network is back") {
		t.Errorf("English offline banner: %s", html)
	}
	d.Close()

	u := &UpdatePrompt{Lang: "en"}
	d = app.NewServerTester(u)
	defer d.Close()
	u.available = true
	u.Update()
	d.Consume()
	html := app.HTMLString(u)
	for _, want := range []string{"Update available", "A new version of Sésame is ready.", ">Update</button>"} {
		if !strings.Contains(html, want) {
			t.Errorf("English update prompt lacks %q: %s", want, html)
		}
	}
	if PendingWording.FR != PendingText || PendingWording.EN == "" {
		t.Errorf("pending wording: %+v", PendingWording)
	}
}
