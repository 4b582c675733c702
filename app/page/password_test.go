package page

import (
	"strings"
	"testing"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/portal"
)

func TestPasswordPrerender(t *testing.T) {
	html := flat(t, &Password{Portal: portal.Assure()})
	wantAll(t, "modifier votre mot de passe", html,
		">Modifier votre mot de passe</h1>",
		`data-state="loading"`,
		">Code de confirmation</h2>",
		"Indiquez ci-dessous le code qui vous a été envoyé par mail à l'adresse suivante ?",
		`<label for="code">Code à 4 chiffres (obligatoire)</label>`,
		">Renvoyer le code par mail</button>",
		">Confirmer mon code</button>",
		">Annuler</a>",
	)
	wantAttrs(t, html, "a", "cancel", `href="/assure/mes-informations"`)
	wantAttrs(t, html, "input", "code", `autocomplete="one-time-code"`, `inputmode="numeric"`)
	wantAttrs(t, html, "li", "step-1", `aria-current="step"`)
	if strings.Contains(startTag(html, "li", `id="step-2"`), "aria-current") {
		t.Error("step 2 is current at step 1")
	}
	wantAll(t, "steps", html, ">Étape 1 sur 2 : Code de confirmation</span>", ">Étape 2 sur 2 : Nouveau mot de passe</span>")

	html = flat(t, &Password{Portal: portal.Employeur()})
	wantAll(t, "other portals", html, `<label for="code">Code à 6 chiffres (obligatoire)</label>`)
}

func TestPasswordSteps(t *testing.T) {
	c := &Password{Portal: portal.Assure()}
	rerender(t, c, func() { c.state, c.masked = changeCode, "t***@e***.test" })

	c.code = "12a"
	c.submitCode(nil, fakeEvent())
	if c.state != changeCode || c.codeErr.FR != "Saisissez les 4 chiffres du code reçu par mail." {
		t.Fatalf("a malformed code: state %q, error %q", c.state, c.codeErr)
	}
	c.code = "12 34"
	c.submitCode(nil, fakeEvent())
	if c.state != changeNewPw || c.code != "1234" {
		t.Fatalf("a 4-digit code: state %q, code %q", c.state, c.code)
	}

	html := rerender(t, c, func() { c.state, c.code = changeNewPw, "1234" })
	wantAll(t, "step 2", html,
		">Nouveau mot de passe</h2>",
		passwordAdvice.FR,
		">Votre mot de passe doit :</p>",
		`data-rule="differs"`, "Être différent de votre mot de passe actuel",
		`data-rule="confirm"`,
		">* Champs obligatoires</p>",
		`<label for="current">Mot de passe actuel *</label>`,
		`<label for="password">Nouveau mot de passe *</label>`,
		`<label for="confirm">Confirmer le mot de passe *</label>`,
		"Niveau indicatif de sécurité : ",
		">Annuler</a>",
		">Confirmer mon nouveau mot de passe</button>",
	)
	wantAttrs(t, html, "input", "current", `autocomplete="current-password"`)
	wantAttrs(t, html, "input", "password", `autocomplete="new-password"`, `aria-describedby="checklist strength"`)
	wantAttrs(t, html, "input", "confirm", `autocomplete="new-password"`)
	wantAttrs(t, html, "li", "step-2", `aria-current="step"`)

	// « Être différent de votre mot de passe actuel », live.
	c.current, c.password, c.confirm = "Soleil7Marin", "Soleil7Marin", "Soleil7Marin"
	if rulesOK(c)["differs"] {
		t.Error("differs is met by the current password")
	}
	c.password, c.confirm = "Nuage8Riviere", "Nuage8Riviere"
	if ok := rulesOK(c); !ok["differs"] || !ok["confirm"] {
		t.Errorf("a new password: %v", ok)
	}

	c.state = changeNewPw
	left := 1
	c.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCurrentPassword, AttemptsLeft: &left, Detail: "Le mot de passe actuel est incorrect."}})
	if c.state != changeNewPw || c.curErr.FR != "Le mot de passe actuel est incorrect. Il vous reste 1 essai." {
		t.Errorf("current_password_invalid: state %q, error %q", c.state, c.curErr)
	}
	c.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodePasswordPolicy, Rules: c.Checklist().Rules[:1]}})
	if len(c.Checklist().Rules) != 1 || c.errCode != api.CodePasswordPolicy {
		t.Errorf("password_policy: the server's rules are not shown")
	}
	left = 2
	c.fail(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCodeInvalid, AttemptsLeft: &left, Detail: "Le code saisi est incorrect."}})
	if c.state != changeCode || c.code != "" || c.codeErr.FR != "Le code saisi est incorrect. Il vous reste 2 essais." {
		t.Errorf("code_invalid: state %q, code %q, error %q", c.state, c.code, c.codeErr)
	}
	c.state = changeNewPw
	c.fail(nil, &client.Error{Problem: api.Problem{Status: 410, Code: api.CodeCodeDead, Detail: "Ce code n'est plus valable. Merci de demander un nouveau code."}})
	if c.state != changeCode || !strings.HasPrefix(c.codeErr.FR, "Ce code n'est plus valable") {
		t.Errorf("code_dead: state %q, error %q", c.state, c.codeErr)
	}

	html = rerender(t, c, func() { c.state = changeDoneSt })
	wantAll(t, "done", html,
		"Votre nouveau mot de passe est bien enregistré ! Merci de vous reconnecter.",
		">Retourner à la page de connexion</a>")
	wantAttrs(t, html, "a", "signin-link", `href="/assure/connexion"`)
	if strings.Contains(html, `id="steps"`) {
		t.Error("the steps show on the done screen")
	}
}

func rulesOK(c *Password) map[string]bool {
	ok := map[string]bool{}
	for _, r := range c.Checklist().Rules {
		ok[r.ID] = r.OK
	}
	return ok
}

// fakeEvent is a form's submit event outside the browser (preventDefault
// does nothing).
func fakeEvent() app.Event { return app.Event{Value: app.Null()} }
