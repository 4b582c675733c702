package widget

import (
	"regexp"
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/shared/policy"
)

// render mounts c in go-app's server-side engine, as prerendering does, and
// returns its HTML.
func render(t *testing.T, c app.Composer) string {
	t.Helper()
	d := app.NewServerTester(c)
	defer d.Close()
	// go-app breaks lines between sibling elements.
	return strings.ReplaceAll(app.HTMLString(c), "\n", "")
}

// tag returns the first start tag of html that contains all of attrs
// (go-app prints attributes in map order).
func tag(html, name string, attrs ...string) string {
	for _, m := range regexp.MustCompile(`<`+name+`\b[^>]*>`).FindAllString(html, -1) {
		ok := true
		for _, a := range attrs {
			if !strings.Contains(m, a) {
				ok = false
				break
			}
		}
		if ok {
			return m
		}
	}
	return ""
}

func TestChecklist(t *testing.T) {
	res := policy.Employeur().Check(policy.Input{Password: "abcdefgh1"}, "fr")
	html := render(t, &Checklist{Rules: res.Rules})

	if tag(html, "ul", `id="checklist"`, `aria-live="polite"`) == "" {
		t.Errorf("no polite live list #checklist:\n%s", html)
	}
	for _, rr := range res.Rules {
		li := tag(html, "li", `data-rule="`+rr.ID+`"`)
		if li == "" {
			t.Errorf("no item for rule %s", rr.ID)
			continue
		}
		// go-app prints a "true" attribute without its value on the server.
		if rr.OK != !strings.Contains(li, `data-ok="false"`) {
			t.Errorf("rule %s: ok=%v but %s", rr.ID, rr.OK, li)
		}
	}
	for _, want := range []string{
		`<span class="label">Au moins 8 caractères</span>`,
		`<span class="label">Au moins 2 nombres</span>`,
		`<span class="label">Au moins 1 caractère spécial (@$!%*#?&amp;)</span>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("checklist lacks %s", want)
		}
	}
	// length ✓ (9 characters), digits ✗ (one digit), special ✗.
	for _, want := range []struct{ rule, mark, state string }{
		{"length", "✓", " : respecté"},
		{"digits", "✗", " : non respecté"},
		{"special", "✗", " : non respecté"},
	} {
		re := regexp.MustCompile(`<li[^>]*data-rule="` + want.rule + `"[^>]*>` +
			`<span[^>]*>` + want.mark + `</span><span class="label">[^<]*</span>` +
			`<span class="visually-hidden">` + want.state + `</span></li>`)
		if !re.MatchString(html) {
			t.Errorf("rule %s is not %s %q:\n%s", want.rule, want.mark, want.state, html)
		}
	}
	// go-app prints aria-hidden="true" as a bare aria-hidden on the server.
	if n := len(regexp.MustCompile(`<span (class="mark" aria-hidden|aria-hidden class="mark")>`).FindAllString(html, -1)); n != len(res.Rules) {
		t.Errorf("%d marks hidden from screen readers, want %d", n, len(res.Rules))
	}
}

func TestChecklistEnglish(t *testing.T) {
	res := policy.Employeur().Check(policy.Input{Password: "x"}, "en")
	html := render(t, &Checklist{ID: "rules", Rules: res.Rules, Lang: "en"})
	if !strings.Contains(html, `id="rules"`) || !strings.Contains(html, " : not met") || !strings.Contains(html, "At least 2 digits") {
		t.Errorf("english checklist:\n%s", html)
	}
}

func TestField(t *testing.T) {
	html := render(t, &Field{ID: "email", Label: "Email", Type: "email", Autocomplete: "username", InputMode: "email"})
	in := tag(html, "input", `id="email"`)
	for _, want := range []string{`type="email"`, `autocomplete="username"`, `inputmode="email"`, `aria-invalid="false"`, `name="email"`} {
		if !strings.Contains(in, want) {
			t.Errorf("input lacks %s: %s", want, in)
		}
	}
	if strings.Contains(in, "aria-describedby") || strings.Contains(in, "onpaste") {
		t.Errorf("input: %s", in)
	}
	if !strings.Contains(html, `<label for="email">Email</label>`) {
		t.Errorf("no label for #email:\n%s", html)
	}

	html = render(t, &Field{ID: "email", Label: "Email", Hint: "nom@domaine.fr", Error: "Adresse invalide."})
	in = tag(html, "input", `id="email"`)
	if !strings.Contains(in, `aria-describedby="email-hint email-error"`) || strings.Contains(in, `aria-invalid="false"`) {
		t.Errorf("invalid input: %s", in)
	}
	if !strings.Contains(html, `<p id="email-error" class="error">Adresse invalide.</p>`) &&
		!strings.Contains(html, `<p class="error" id="email-error">Adresse invalide.</p>`) {
		t.Errorf("no error message:\n%s", html)
	}
}

func TestPasswordField(t *testing.T) {
	p := &PasswordField{ID: "password", Label: "Mot de passe", Autocomplete: "new-password", DescribedBy: "checklist"}
	html := render(t, p)
	in := tag(html, "input", `id="password"`)
	for _, want := range []string{`type="password"`, `autocomplete="new-password"`, `aria-describedby="checklist"`} {
		if !strings.Contains(in, want) {
			t.Errorf("input lacks %s: %s", want, in)
		}
	}
	if strings.Contains(in, "value") {
		t.Errorf("a password input must not carry a value: %s", in)
	}
	btn := tag(html, "button", `id="password-toggle"`)
	for _, want := range []string{`type="button"`, `aria-pressed="false"`, `aria-controls="password"`, "disabled"} {
		if !strings.Contains(btn, want) {
			t.Errorf("toggle lacks %s: %s", want, btn)
		}
	}
	if !strings.Contains(html, ">"+ShowPasswordLabel+"</button>") || !strings.Contains(html, `<label for="password">Mot de passe</label>`) {
		t.Errorf("labels:\n%s", html)
	}
}

func TestPasswordToggle(t *testing.T) {
	p := &PasswordField{ID: "pw", Label: "Mot de passe"}
	d := app.NewServerTester(p)
	defer d.Close()
	p.toggle(nil, app.Event{})
	p.Update()
	d.Consume()
	if !p.Shown() {
		t.Fatal("not shown after toggle")
	}
	html := strings.ReplaceAll(app.HTMLString(p), "\n", "")
	if in := tag(html, "input", `id="pw"`); !strings.Contains(in, `type="text"`) {
		t.Errorf("shown password input: %s", in)
	}
	if b := tag(html, "button", `id="pw-toggle"`); strings.Contains(b, `aria-pressed="false"`) || !strings.Contains(b, "aria-pressed") {
		t.Errorf("pressed toggle: %s", b)
	}
}

func TestStrength(t *testing.T) {
	html := render(t, &Strength{Value: policy.Strength{Score: 2, Label: "Moyen"}})
	if !strings.Contains(html, "Niveau indicatif de sécurité : <strong>Moyen</strong>") {
		t.Errorf("strength text:\n%s", html)
	}
	if m := tag(html, "meter", `value="2"`, `max="4"`); m == "" {
		t.Errorf("no meter:\n%s", html)
	}
}

func TestAlert(t *testing.T) {
	if html := render(t, &Alert{ID: "e", Text: "Identifiant ou mot de passe incorrect.", Code: "bad_credentials"}); tag(html, "div", `role="alert"`, `data-code="bad_credentials"`) == "" ||
		!strings.Contains(html, "<p>Identifiant ou mot de passe incorrect.</p>") {
		t.Errorf("error alert:\n%s", html)
	}
	if html := render(t, &Alert{ID: "s", Level: AlertInfo, Text: "Envoyé."}); tag(html, "div", `role="status"`) == "" {
		t.Errorf("info alert:\n%s", html)
	}
	if html := render(t, &Alert{ID: "e"}); !regexp.MustCompile(`^<div[^>]*></div>$`).MatchString(html) {
		t.Errorf("empty alert is not empty: %s", html)
	}
}

func TestButtonDisabledUntilLoaded(t *testing.T) {
	html := render(t, &Button{ID: "submit", Text: "ENVOYER", Primary: true, Submit: true})
	b := tag(html, "button", `id="submit"`)
	if !strings.Contains(b, `type="submit"`) || !strings.Contains(b, "disabled") || strings.Contains(b, `disabled="false"`) {
		t.Errorf("prerendered submit: %s", b)
	}
	if !strings.Contains(html, ">ENVOYER</button>") {
		t.Errorf("text: %s", html)
	}
}

func TestRadios(t *testing.T) {
	html := render(t, &Radios{Name: "role", Legend: "Connexion", Value: "b", Options: []Option{
		{ID: "r-a", Value: "a", Label: "A"}, {ID: "r-b", Value: "b", Label: "B"},
	}})
	if !strings.Contains(html, "<legend>Connexion</legend>") && !strings.Contains(html, ">Connexion</legend>") {
		t.Errorf("legend:\n%s", html)
	}
	if a := tag(html, "input", `id="r-a"`); strings.Contains(a, "checked") {
		t.Errorf("a checked: %s", a)
	}
	if b := tag(html, "input", `id="r-b"`); !strings.Contains(b, "checked") || !strings.Contains(b, `type="radio"`) {
		t.Errorf("b: %s", b)
	}
	if !strings.Contains(html, `<label for="r-a">A</label>`) {
		t.Errorf("label:\n%s", html)
	}
}
