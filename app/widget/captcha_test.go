package widget

import (
	"strings"
	"testing"
)

func TestCaptchaPrerender(t *testing.T) {
	html := strings.ReplaceAll(render(t, &Captcha{Asterisk: true}), "&#39;", "'")
	for _, want := range []string{
		`>Recopiez les caractères de l'image ou de l'extrait sonore</p>`,
		`>Caractères lus ou entendus *</label>`,
		`>Écouter l'extrait sonore</span>`,
		`>Obtenir une nouvelle série de caractères</span>`,
	} {
		if !strings.Contains(html, want) {
			t.Errorf("captcha lacks %q", want)
		}
	}
	if tag(html, "div", `id="captcha"`, `data-state="loading"`) == "" {
		t.Errorf("no #captcha root in the loading state")
	}
	in := tag(html, "input", `id="captcha-answer"`)
	for _, a := range []string{`inputmode="numeric"`, `autocomplete="off"`, `aria-describedby="captcha-intro"`} {
		if !strings.Contains(in, a) {
			t.Errorf("answer input %s lacks %s", in, a)
		}
	}
	for _, id := range []string{"captcha-listen", "captcha-refresh"} {
		if b := tag(html, "button", `id="`+id+`"`, `type="button"`); b == "" || !strings.Contains(b, "disabled") {
			t.Errorf("%s: want a disabled type=button before the app loads, got %q", id, b)
		}
	}
	if t.Failed() {
		t.Log(html)
	}
}

func TestCaptchaError(t *testing.T) {
	c := &Captcha{}
	c.SetError(nil, "Les caractères ne correspondent pas.")
	html := render(t, c)
	in := tag(html, "input", `id="captcha-answer"`)
	if !strings.Contains(in, `aria-describedby="captcha-answer-error captcha-intro"`) || !strings.Contains(in, `aria-invalid`) {
		t.Errorf("answer input not tied to its error: %s", in)
	}
	if !strings.Contains(html, `id="captcha-answer-error"`) {
		t.Errorf("no error element:\n%s", html)
	}
}
