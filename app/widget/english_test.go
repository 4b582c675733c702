package widget

import (
	"strings"
	"testing"

	"sesame/shared/policy"
)

func TestWidgetsInEnglish(t *testing.T) {
	c := &Captcha{Asterisk: true, Lang: "en"}
	c.SetMissing(nil)
	html := strings.ReplaceAll(render(t, c), "&#39;", "'")
	for _, want := range []string{
		">Type the characters of the image or of the audio clip</p>",
		">Characters seen or heard *</label>",
		">Listen to the audio clip</span>",
		">Get a new series of characters</span>",
		`id="captcha-answer-error"`, ">Type the characters of the image or of the audio clip.</p>",
	} {
		if !strings.Contains(html, want) {
			t.Errorf("English captcha lacks %q:\n%s", want, html)
		}
	}
	if in := tag(html, "input", `id="captcha-answer"`); !strings.Contains(in, `aria-describedby="captcha-answer-error captcha-intro"`) {
		t.Errorf("the missing answer is not tied to the input: %s", in)
	}

	html = render(t, &PasswordField{ID: "pw", Label: "Password", Lang: "en"})
	if !strings.Contains(html, ">Show password</button>") {
		t.Errorf("English password toggle:\n%s", html)
	}

	res := policy.Employeur().Check(policy.Input{Password: "abc"}, "en")
	html = render(t, &Strength{Value: res.Strength, Lang: "en"})
	if !strings.Contains(html, "Indicative security level: <strong>") {
		t.Errorf("English strength:\n%s", html)
	}
	html = render(t, &Strength{Value: res.Strength})
	if !strings.Contains(html, StrengthLabel+" : <strong>") {
		t.Errorf("French strength:\n%s", html)
	}
}
