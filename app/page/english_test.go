package page

import (
	"go/ast"
	"go/parser"
	"go/token"
	"html"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"
	"unicode"

	"github.com/maxence-charriere/go-app/v9/pkg/app"

	"sesame/app/client"
	"sesame/shared/api"
	"sesame/shared/portal"
)

// frenchWords are words an English screen never says: a French sentence
// left untranslated would show one of them.
var frenchWords = map[string]bool{}

func init() {
	for _, w := range strings.Fields(`votre vous mot passe oublié connexion saisissez merci
		le la les des du de une un et pour avec est sont au aux sur dans numéro adresse chiffres
		réessayer recommencer envoyer retour valider annuler clé accès supprimer
		félicitations renouvellement réinitialisation demande`) {
		frenchWords[w] = true
	}
}

// namesSaidInFrench are the names an English screen says as they are,
// inside its own sentences.
var namesSaidInFrench = strings.NewReplacer("Votre Assurance Maladie", "", "Sésame", "")

var startTagRe = regexp.MustCompile(`<([a-z0-9]+)\b[^>]*>`)

// visibleEnglish is html's text, without the elements marked lang="fr"
// (names said in French, the toggle to French) and without tags.
func visibleEnglish(h string) string {
	for {
		loc := startTagRe.FindAllStringSubmatchIndex(h, -1)
		cut := false
		for _, m := range loc {
			if !strings.Contains(h[m[0]:m[1]], `lang="fr"`) {
				continue
			}
			name := h[m[2]:m[3]]
			end := strings.Index(h[m[1]:], "</"+name+">")
			if end < 0 {
				break
			}
			h = h[:m[0]] + h[m[1]+end+len(name)+3:]
			cut = true
			break
		}
		if !cut {
			break
		}
	}
	h = regexp.MustCompile(`<[^>]*>`).ReplaceAllString(h, " ")
	return namesSaidInFrench.Replace(html.UnescapeString(h))
}

// noFrench fails when an English screen says a French word.
func noFrench(t *testing.T, what, h string) {
	t.Helper()
	text := visibleEnglish(h)
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	var found []string
	for _, w := range words {
		if frenchWords[w] || frenchWords[strings.TrimPrefix(w, "l'")] || strings.HasPrefix(w, "d'") {
			found = append(found, w)
		}
	}
	if len(found) > 0 {
		t.Errorf("%s says French words in English: %v\n%s", what, found, text)
	}
}

// inEnglish renders c, an English screen, after change (nil: as it is).
func inEnglish(t *testing.T, c app.Composer, change func()) string {
	t.Helper()
	if change == nil {
		change = func() {}
	}
	return rerender(t, c, change)
}

func TestEnglishHomeAndNotFound(t *testing.T) {
	html := inEnglish(t, &Home{lang: "en"}, nil)
	wantAll(t, "home", html,
		"<h1>Sésame — forgotten password</h1>",
		"Forgotten the password of your account? Choose your portal",
		">Your portal</h2>",
		">Here you reach your ameli account</span>",
		`<span class="portal-name" lang="fr">Espace Adhérent</span>`,
		// The toggle leads back to French, and says so in French.
		`hreflang="fr"`, ">Français</a>",
		"We will never ask you for your password",
	)
	wantTags(t, html, []string{"a", `id="lang-toggle"`, `href="?lang=fr"`, `hreflang="fr"`, `lang="fr"`})
	noFrench(t, "home", html)

	html = inEnglish(t, &NotFound{lang: "en"}, nil)
	wantAll(t, "not found", html, "<h1>Page not found</h1>", ">Back to the home page</a>")
	noFrench(t, "not found", html)
}

// The toggle of a French page leads to English, and says so in English.
func TestFrenchPageOffersEnglish(t *testing.T) {
	html := flat(t, &Forgot{Portal: portal.Employeur()})
	wantTags(t, html, []string{"a", `id="lang-toggle"`, `href="?lang=en"`, `hreflang="en"`, `lang="en"`})
	wantAll(t, "toggle", html, ">English</a>")
}

func TestEnglishEmployeur(t *testing.T) {
	html := inEnglish(t, &SignIn{Portal: portal.Employeur(), lang: "en"}, nil)
	wantAll(t, "sign-in", html,
		">This questionnaire gives your health insurance office everything it needs",
		"<strong>Adaptive</strong>",
		">Sign in</legend>", `<label for="role-salarie">Employee</label>`, `<label for="role-temoin">Witness</label>`,
		`<label for="password">Password</label>`, ">Show password</button>",
		">SIGN IN</button>", ">Forgotten password?</a>",
	)
	noFrench(t, "employeur sign-in", html)

	f := &Forgot{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, f, nil)
	wantAll(t, "forgot", html,
		">Forgotten password</h1>",
		"Enter the e-mail address of your account to reset your password.",
		`<label for="email">Email</label>`, ">BACK</a>", ">SEND</button>",
	)
	noFrench(t, "employeur forgot", html)
	// The mail comes in English too, even if the request waits offline.
	if req := f.request(); req.Lang != "en" {
		t.Errorf("the recovery request asks a mail in %q", req.Lang)
	}
	if c := apiIn(f.lang); c.Lang != "en" {
		t.Errorf("the API client speaks %q", c.Lang)
	}

	f = &Forgot{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, f, func() {
		f.values[portal.FieldEmail] = "pas-une-adresse"
		f.validate()
	})
	wantAll(t, "forgot error", html, "Enter a valid e-mail address, for example name@domain.com.")
	noFrench(t, "employeur forgot error", html)

	f = &Forgot{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, f, func() { f.sent = true })
	wantAll(t, "sent", html,
		">Check your e-mails</h1>",
		"If the address you entered belongs to an account, you will receive a link to reset your password.",
		">send a new reset link</button>",
	)
	noFrench(t, "employeur sent", html)

	r := &Reset{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, r, nil)
	wantAll(t, "reset", html,
		">Create a new password</h1>", "Checking the link…",
		`<label for="confirm">Password check</label>`, ">RESET THE PASSWORD</button>",
		`<span class="visually-hidden"> : not met</span>`,
	)
	noFrench(t, "employeur reset", html)

	r = &Reset{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, r, func() {
		r.state, r.password, r.confirm = resetForm, "Bureau12#x", "Bureau12#y"
		r.submit(nil, fakeEvent())
	})
	wantAll(t, "reset mismatch", html, "The two passwords are not the same.")
	noFrench(t, "employeur reset mismatch", html)

	r = &Reset{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, r, func() {
		_, detail, _ := failureOf(&client.Error{Problem: api.Problem{Status: 410, Code: api.CodeLinkExpired,
			Detail: "This link has expired. Please ask for a new one."}})
		r.gone(api.CodeLinkExpired, detail)
	})
	wantAll(t, "link expired", html, ">Password reset</h1>", "This link has expired.", ">Start again</a>")
	noFrench(t, "employeur link expired", html)

	a := &Account{Portal: portal.Employeur(), lang: "en"}
	html = inEnglish(t, a, func() {
		a.session = &api.Session{Portal: "employeur", Identifier: "rh@example.fr"}
	})
	wantAll(t, "account", html, ">My details</h1>", "<dt>Email</dt>", "<dt>Account settings</dt>",
		">My password</a>", ">Sign out</button>")
	noFrench(t, "account", html)
}

func TestEnglishAssure(t *testing.T) {
	html := inEnglish(t, &AssureSignIn{Portal: portal.Assure(), lang: "en"}, nil)
	wantAll(t, "sign-in", html,
		">Here you reach your ameli account</h1>", ">I access my ameli account</h2>",
		`<label for="nir">My social security number</label>`, ">Where do I find my social security number?</summary>",
		">All fields are required.</p>", ">SIGN IN</button>",
	)
	noFrench(t, "assure sign-in", html)

	f := &AssureForgot{Portal: portal.Assure(), lang: "en"}
	html = inEnglish(t, f, func() { f.validate() })
	wantAll(t, "forgot", html,
		"Fill in the following fields to change your password:",
		`<label for="birthdate">Date of birth (dd/mm/yyyy) *</label>`,
		"Enter your social security number.", "Enter your date of birth.", "Enter your e-mail address.",
		">Type the characters of the image or of the audio clip</p>",
		`<label for="captcha-answer">Characters seen or heard *</label>`,
		">Get the e-mail</button>",
	)
	noFrench(t, "assure forgot", html)

	f = &AssureForgot{Portal: portal.Assure(), lang: "en"}
	html = inEnglish(t, f, func() { f.masked, f.state = "t***@e***.test", assureSent })
	wantAll(t, "sent", html, "The e-mail has been sent to <strong", ">Did not get the e-mail?</summary>",
		"“Your ameli account – renew my password”")
	noFrench(t, "assure sent", html)

	blocked := "The maximum number of password renewal requests has been reached. The password renewal service is blocked until 26/12/2022 - 14h33 (Paris time)."
	f = &AssureForgot{Portal: portal.Assure(), lang: "en"}
	html = inEnglish(t, f, func() {
		f.fail(nil, &client.Error{Problem: api.Problem{Status: 429, Code: api.CodeRateLimited, Detail: blocked}})
	})
	wantAll(t, "blocked", html,
		"<p>The maximum number of password renewal requests has been reached.</p>",
		`<p id="blocked-until">The password renewal service is blocked until 26/12/2022 - 14h33 (Paris time).</p>`)
	noFrench(t, "assure blocked", html)

	html = inEnglish(t, &Reset{Portal: portal.Assure(), lang: "en"}, nil)
	wantAll(t, "reset", html, ">Password renewal</h1>", ">Your password must:</p>", ">* Required fields</p>",
		">Confirm the new password</button>")
	noFrench(t, "assure reset", html)
}

func TestEnglishAdherent(t *testing.T) {
	html := inEnglish(t, &AdherentSignIn{Portal: portal.Adherent(), lang: "en"}, nil)
	wantAll(t, "sign-in", html,
		`<span class="adherent-mutual" lang="fr">Mutuelle des agents publics</span>`,
		">Member area - Sign in</span>", `<label for="member-number">Username (member No.)</label>`,
		"<legend>Anti-robot</legend>", ">Forgotten password, or first sign-in</a>",
	)
	noFrench(t, "adherent sign-in", html)

	f := &AdherentForgot{Portal: portal.Adherent(), lang: "en"}
	d := app.NewServerTester(f)
	defer d.Close()
	html = adherentHTML(f, d)
	wantAll(t, "number", html, ">Please give your member number</h2>", ">6 to 10 digits</span>", ">Confirm</button>")
	noFrench(t, "adherent number", html)

	f.accepted(nil, "123456", api.RecoveryAccepted{FlowID: "flow1", MaskedEmail: "x***@g***.com"})
	f.codeSent(nil)
	left := 2
	f.failCode(nil, &client.Error{Problem: api.Problem{Status: 422, Code: api.CodeCodeInvalid, Detail: "The code is incorrect.", AttemptsLeft: &left}})
	html = adherentHTML(f, d)
	wantAll(t, "code", html, "Member No.: <strong", ">Please enter your activation code</h2>",
		"It is valid for 15 minutes.", "The code is incorrect. You have 2 tries left.", ">6-digit code received by e-mail</span>")
	noFrench(t, "adherent code", html)

	f.codeAccepted(nil, api.CodeAccepted{Token: "tok"})
	html = adherentHTML(f, d)
	wantAll(t, "password", html, ">Please enter your new password</h1>", "ideally every 6 months.",
		`<label for="confirm">New password confirmation*</label>`, ">CONFIRM</button>")
	noFrench(t, "adherent password", html)

	f.enter(nil, adherentDone, titleID)
	html = adherentHTML(f, d)
	wantAll(t, "done", html, ">Congratulations!</h1>", ">Thank you, and see you soon!</p>")
	noFrench(t, "adherent done", html)
}

func TestEnglishChangePassword(t *testing.T) {
	c := &Password{Portal: portal.Assure(), lang: "en"}
	html := inEnglish(t, c, func() {
		c.state, c.masked = changeCode, "t***@e***.test"
		c.code = "12"
		c.submitCode(nil, fakeEvent())
	})
	wantAll(t, "code", html, ">Change your password</h1>", ">Step 1 of 2: Confirmation code</span>",
		`<label for="code">4-digit code (required)</label>`, "Enter the 4 digits of the code you received by e-mail.",
		">E-mail the code again</button>")
	noFrench(t, "change code", html)

	c = &Password{Portal: portal.Assure(), lang: "en"}
	html = inEnglish(t, c, func() { c.state, c.code = changeNewPw, "1234" })
	wantAll(t, "password", html, ">New password</h2>", `<label for="current">Current password *</label>`,
		"Indicative security level: ", ">Confirm my new password</button>")
	noFrench(t, "change password", html)
}

func TestEnglishPasskeys(t *testing.T) {
	used := time.Date(2025, 7, 4, 22, 5, 0, 0, time.UTC)
	html := flat(t, &accountPasskeys{Portal: "employeur", lang: "en", loaded: true, supported: true, list: []api.Passkey{
		{ID: "qrvM", Name: "Claire's phone", CreatedAt: time.Date(2022, 12, 26, 13, 33, 0, 0, time.UTC), LastUsedAt: &used},
	}})
	wantAll(t, "passkeys", html, ">Passkeys</h2>",
		">Created on 26/12/2022 at 14:33 (Paris time)</p>",
		">Last used on 05/07/2025 at 00:05 (Paris time)</p>",
		">Delete</button>", ">Create a passkey</button>")
	noFrench(t, "passkeys", html)

	html = flat(t, &passkeySignIn{Portal: "employeur", Lead: passkeyForgotLead, lang: "en", supported: true})
	wantAll(t, "passkey sign-in", html, ">Have a passkey? Sign in without a password.</p>", ">Sign in with a passkey</button>")
	noFrench(t, "passkey sign-in", html)
}

// A problem whose detail is its code's usual sentence is said in the
// screen's language, even after the toggle; another detail as it came.
func TestFailureOfKeepsBothLanguages(t *testing.T) {
	_, detail, _ := failureOf(&client.Error{Problem: api.Problem{Status: 401, Code: api.CodeBadCredentials,
		Detail: "Identifiant ou mot de passe incorrect."}})
	if detail.EN != "Wrong identifier or password." {
		t.Errorf("bad_credentials in English: %q", detail.EN)
	}
	_, detail, _ = failureOf(&client.Error{Problem: api.Problem{Status: 429, Code: api.CodeRateLimited, Detail: "bloqué jusqu'au …"}})
	if detail.EN != "bloqué jusqu'au …" || detail.FR != detail.EN {
		t.Errorf("a detail of its own: %+v", detail)
	}
	if got := parisDateTime(time.Date(2022, 12, 26, 13, 33, 0, 0, time.UTC), "en"); got != "26/12/2022 at 14:33 (Paris time)" {
		t.Errorf("English date: %q", got)
	}
}

// Every sentence of the UI is written in both languages: a text literal
// with a French side has an English one.
func TestEverySentenceHasEnglish(t *testing.T) {
	var files []string
	for _, dir := range []string{".", "../widget", "../offline", "../locale"} {
		m, err := filepath.Glob(filepath.Join(dir, "*.go"))
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, m...)
	}
	n := 0
	fset := token.NewFileSet()
	for _, name := range files {
		if strings.HasSuffix(name, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, name, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		ast.Inspect(f, func(node ast.Node) bool {
			lit, ok := node.(*ast.CompositeLit)
			if !ok {
				return true
			}
			keys := map[string]ast.Expr{}
			for _, e := range lit.Elts {
				if kv, ok := e.(*ast.KeyValueExpr); ok {
					if id, ok := kv.Key.(*ast.Ident); ok {
						keys[id.Name] = kv.Value
					}
				}
			}
			if _, fr := keys["FR"]; !fr {
				return true
			}
			n++
			en, ok := keys["EN"].(*ast.BasicLit)
			if !ok && keys["EN"] == nil || ok && (en.Value == `""` || en.Value == "``") {
				t.Errorf("%s: a sentence without English", fset.Position(lit.Pos()))
			}
			return true
		})
	}
	if n < 150 {
		t.Fatalf("found %d sentences: the walk missed them", n)
	}
}
