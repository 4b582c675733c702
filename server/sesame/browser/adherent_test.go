package browser

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"unicode"

	"github.com/chromedp/cdproto/network"
	"github.com/chromedp/chromedp"

	"sesame/server/recovery"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/policy"
)

// Screens of the adherent portal (seed 004).
const (
	adherentSignIn  = "/adherent/connexion"
	adherentForgot  = "/adherent/mot-de-passe-oublie"
	adherentAccount = "/adherent/mes-informations"
)

// Adherent accounts of the tests.
const (
	adherentNumber = "4815162342"
	adherentEmail  = "camille.durand@agents.test"
	adherentOldPw  = "Ancien#Code2023"
	// adherentNewPw reaches one special character at "printemps#", a digit
	// at "printemps#2", 12 characters at "printemps#20" and an upper case
	// at "printemps#2025V".
	adherentNewPw = "printemps#2025Vert"
)

// adherentAllowed are the console errors of an adherent journey: the
// answers Chromium logs for fetches the screens handle (captcha 404 when
// captchas are off, 401 sign-in, 403/410/422 of the code flow).
var adherentAllowed = regexp.MustCompile(`status of (401|403|404|410|422)`)

// importAdherent creates an adherent account; a nil password is an
// account imported for a first connection.
func (e *env) importAdherent(number, email string, password *string) {
	e.t.Helper()
	e.ImportAccounts(e.t, api.Account{Portal: "adherent", MemberNumber: number, Email: email, EmailVerified: true, Password: password})
}

// adherentState is the forgotten-password page's data-state.
func (e *env) adherentState() string {
	return eval[string](e, `document.querySelector("#forgot")?.dataset.state ?? ""`)
}

// waitAdherent waits until the forgotten-password page is in state.
func (e *env) waitAdherent(state string) {
	e.t.Helper()
	e.waitJS(`document.querySelector("#forgot[data-state=`+state+`]")`, "the adherent page in state "+state)
}

// adherentRequest types the member number on « Mot de passe oublié »
// (already open), validates, and waits for the masked address.
func (e *env) adherentRequest(number string) {
	e.t.Helper()
	e.waitAdherent("number")
	e.typeInto("#member-number", number)
	e.click("#submit")
	e.waitAdherent("channel")
}

// adherentSend clicks « Recevoir mon code par Mail » and returns the code
// the mail brings.
func (e *env) adherentSend(email string) string {
	e.t.Helper()
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#send-code")))); got != "Recevoir mon code par Mail" {
		e.t.Errorf("the send button says %q", got)
	}
	e.click("#send-code")
	e.waitAdherent("code")
	return e.Sink.Wait(e.t, email, mailTimeout, sesametest.Kind("reset_code")).Code(e.t)
}

// adherentTypeCode types a code and validates it.
func (e *env) adherentTypeCode(code string) {
	e.t.Helper()
	e.typeInto("#code", code)
	e.click("#submit-code")
}

// adherentRules is what the checklist must show for a partly typed
// password: seed 004's rules (the context and blocklist aside).
func adherentRules(pw string) map[string]bool {
	n, digit, special, upper, forbidden := 0, false, false, false, false
	for _, r := range pw {
		n++
		digit = digit || unicode.IsDigit(r)
		upper = upper || unicode.IsUpper(r)
		special = special || r < 0x7f && unicode.IsPrint(r) && !unicode.IsLetter(r) && !unicode.IsDigit(r)
		forbidden = forbidden || strings.ContainsRune(policy.AdherentForbidden, r)
	}
	return map[string]bool{"length": n >= 12, "digit": digit, "special": special, "upper": upper, "forbidden": !forbidden}
}

// adherentNewPassword types the new password and its confirmation, and
// validates. perKey checks the checklist after every character.
func (e *env) adherentNewPassword(pw string, perKey bool, shot func(string)) {
	e.t.Helper()
	e.waitAdherent("password")
	if perKey {
		typed := ""
		for _, r := range pw {
			e.typeInto("#password", string(r))
			typed += string(r)
			e.waitChecklist(adherentRules(typed), fmt.Sprintf("after %q", typed))
			if typed == "printemps#2" && shot != nil {
				shot("password-typing")
			}
		}
	} else {
		e.typeInto("#password", pw)
	}
	e.typeInto("#confirm", pw)
	want := adherentRules(pw)
	want["confirm"], want["context"], want["blocklist"] = true, true, true
	e.waitChecklist(want, "with the confirmation")
	if shot != nil {
		shot("password-filled")
	}
	e.click("#submit-password")
	e.waitAdherent("done")
	e.waitText("Félicitations !")
	e.waitText("Merci et à bientôt !")
}

// adherentSignInNoCaptcha signs in on a server whose captchas are off: the
// « Anti-Robot » challenge cannot load, and the form goes on without it.
func (e *env) adherentSignInNoCaptcha(number, password string) {
	e.t.Helper()
	e.waitPath(adherentSignIn)
	e.waitJS(`document.querySelector("#signin-form") && !document.querySelector("#anti-robot")`, "the sign-in form without its challenge (captchas off)")
	e.typeInto("#member-number", number)
	e.typeInto("#password", password)
	e.click("#submit")
	e.waitPath(adherentAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the signed-in account screen")
	e.waitText(number)
}

// noSecretInPage fails the test if a token-like string (a run of 32 or
// more base64url characters) is in the DOM, the URL or browser storage.
func (e *env) noSecretInPage(when string) {
	e.t.Helper()
	found := eval[[]string](e, `(() => {
		const re = /[A-Za-z0-9_-]{32,}/g;
		const where = {
			url: location.href,
			dom: document.documentElement.outerHTML.replace(/<script[\s\S]*?<\/script>/g, ""),
			storage: JSON.stringify(Object.entries(localStorage)) + JSON.stringify(Object.entries(sessionStorage)),
			cookie: document.cookie,
		};
		return Object.entries(where).flatMap(([k, v]) => (v.match(re) || []).map(m => k + ": " + m));
	})()`)
	if len(found) > 0 {
		e.t.Errorf("%s: token-like strings in the page: %q", when, found)
	}
}

// check photographs the screen and runs the phone-width and axe checks.
func (e *env) adherentCheck(name string) {
	e.t.Helper()
	where := fmt.Sprintf("adherent %s (%s)", name, e.location())
	e.screenshot(name)
	e.noHorizontalOverflow(where)
	e.checkA11y(where)
}

// The forgotten password, end to end on one page: the member number, the
// masked address, « Recevoir mon code par Mail », the code from the mail
// typed on the same page, the new password with the checklist turning ✓
// key after key, « Félicitations ! », then signing in (captchas off).
func TestAdherentForgotPassword(t *testing.T) {
	needScreens(t, adherentSignIn, adherentForgot, adherentAccount)
	e := newEnv(t)
	old := adherentOldPw
	e.importAdherent(adherentNumber, adherentEmail, &old)

	e.open(adherentForgot)
	e.adherentCheck("forgot")
	e.click("#submit")
	e.waitJS(`document.querySelector("#member-number[aria-invalid=true]")`, "the member number's error")
	e.adherentCheck("forgot-error")

	e.adherentRequest(adherentNumber)
	masked := identity.MaskEmail(adherentEmail)
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#masked-email")))); got != "Email : "+masked {
		t.Errorf("the page shows %q, want « Email : %s »", got, masked)
	}
	e.waitText("veillez toutefois à laisser cette page internet ouverte")
	e.waitText("Si vous ne recevez pas cet e-mail, veuillez vérifier votre dossier de courrier indésirable ou spam.")
	e.waitText("recevoir un nouveau mot de passe par courrier sous huit jours")
	e.adherentCheck("channel")
	if c := eval[string](e, `document.cookie`); strings.Contains(c, "sesame_flow") {
		t.Errorf("the flow cookie is readable by scripts: %q", c)
	}

	code := e.adherentSend(adherentEmail)
	e.waitText("Merci de saisir votre code d'activation")
	e.waitText("Veuillez noter que pour finaliser votre demande, il est nécessaire d'enregistrer le code d'activation reçu, sur la même page internet où vous avez soumis votre demande.")
	e.adherentCheck("code")
	for _, a := range []string{`autocomplete="one-time-code"`, `inputmode="numeric"`} {
		if !eval[bool](e, `document.querySelector("#code").outerHTML.includes(`+strconv.Quote(a)+`)`) {
			t.Errorf("#code lacks %s", a)
		}
	}

	e.adherentTypeCode(code)
	e.waitAdherent("password")
	if p := eval[string](e, `location.pathname + location.search + location.hash`); p != adherentForgot {
		t.Errorf("the journey left its page: %s", p)
	}
	e.noSecretInPage("after the code")
	e.waitText("Une réinitialisation régulière est recommandée par mesure de précaution, avec un changement souhaité tous les 6 mois.")
	e.adherentCheck("password")
	e.adherentNewPassword(adherentNewPw, true, func(s string) { e.adherentCheck(s) })
	e.noSecretInPage("after the change")
	e.adherentCheck("done")
	e.Sink.Wait(t, adherentEmail, mailTimeout, sesametest.Kind("password_changed"))

	e.click("#signin-link")
	e.waitPath(adherentSignIn)
	e.waitJS(`document.querySelector("#signin-form") && !document.querySelector("#anti-robot")`, "the sign-in form without its challenge (captchas off)")
	e.adherentCheck("signin")
	e.adherentSignInNoCaptcha(adherentNumber, adherentNewPw)
	e.adherentCheck("account")

	e.noConsoleErrors(adherentAllowed)
}

// « Première connexion »: an account imported without a password takes
// the same page, from the sign-in screen's link, and can then sign in.
func TestAdherentFirstConnection(t *testing.T) {
	needScreens(t, adherentSignIn, adherentForgot, adherentAccount)
	e := newEnv(t)
	const number, email = "0012345678", "dominique.petit@agents.test"
	e.importAdherent(number, email, nil)

	e.open(adherentSignIn)
	if got := strings.TrimSpace(get(e, chromedp.Text(chromedp.CSS("#forgot-link")))); got != "Mot de passe oublié, ou première connexion" {
		t.Errorf("the sign-in link says %q", got)
	}
	e.click("#forgot-link")
	e.waitPath(adherentForgot)
	e.waitText("c'est votre première connexion")
	e.adherentRequest(number)
	code := e.adherentSend(email)
	e.adherentTypeCode(code)
	e.adherentNewPassword(adherentNewPw, false, nil)
	e.screenshot("done")

	e.click("#signin-link")
	e.adherentSignInNoCaptcha(number, adherentNewPw)
	e.screenshot("account")
	e.noConsoleErrors(adherentAllowed)
}

// A wrong code says how many tries are left; the fifth kills the code; a
// new one (« Recevoir un nouveau code par Mail ») works.
func TestAdherentWrongCode(t *testing.T) {
	needScreens(t, adherentForgot)
	e := newEnv(t)
	old := adherentOldPw
	e.importAdherent(adherentNumber, adherentEmail, &old)

	e.open(adherentForgot)
	e.adherentRequest(adherentNumber)
	code := e.adherentSend(adherentEmail)
	wrong := func() string {
		n, _ := strconv.Atoi(code)
		return fmt.Sprintf("%06d", (n+1)%1000000)
	}()

	for left := 4; left >= 1; left-- {
		e.adherentTypeCode(wrong)
		want := "Il vous reste " + strconv.Itoa(left) + " essais."
		if left == 1 {
			want = "Il vous reste 1 essai."
		}
		e.waitJS(`document.querySelector("#code-error")?.innerText.includes(`+strconv.Quote(want)+`)`, "« "+want+" »")
		if v := get(e, chromedp.Value(chromedp.CSS("#code"))); v != "" {
			t.Errorf("the wrong code stays in the field: %q", v)
		}
		if left == 4 {
			e.adherentCheck("code-wrong")
		}
	}
	e.adherentTypeCode(wrong)
	e.waitJS(`document.querySelector("#form-error[data-code=code_dead]")`, "the dead code's message")
	e.waitJS(`document.querySelector("#restart")`, "the way to start again")
	e.adherentCheck("code-dead")

	e.click("#resend-code")
	e.waitText("Un nouveau code d'activation vous a été envoyé par mail.")
	fresh := e.Sink.Wait(t, adherentEmail, mailTimeout, sesametest.Kind("reset_code")).Code(t)
	e.adherentTypeCode(fresh)
	e.waitAdherent("password")
	e.noConsoleErrors(adherentAllowed)
}

// The code must be typed on the page that asked for it: once the flow
// cookie belongs to another request (a newer one from another tab), the
// page says so and starts again.
func TestAdherentCodeOnAnotherPage(t *testing.T) {
	needScreens(t, adherentForgot)
	e := newEnv(t)
	old := adherentOldPw
	e.importAdherent(adherentNumber, adherentEmail, &old)

	e.open(adherentForgot)
	e.adherentRequest(adherentNumber)
	code := e.adherentSend(adherentEmail)

	httpOnly := true
	call(e, network.SetCookie, network.SetCookieParams{
		Name: recovery.CookieConfig{Secure: strings.HasPrefix(e.PublicURL, "https://")}.FlowCookie(), Value: "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", URL: e.URL + "/", Path: "/", HTTPOnly: &httpOnly,
		SameSite: network.CookieSameSiteStrict,
	})
	e.adherentTypeCode(code)
	e.waitAdherent("gone")
	e.waitJS(`document.querySelector("#flow-problem[data-code=flow_foreign_browser]")`, "the other-page message")
	e.waitText("Le code doit être saisi sur la page où vous avez fait votre demande.")
	e.adherentCheck("foreign")

	e.click("#restart")
	e.waitAdherent("number")
	if v := get(e, chromedp.Value(chromedp.CSS("#member-number"))); v != adherentNumber {
		t.Errorf("starting again keeps the number typed, got %q", v)
	}
	e.noConsoleErrors(adherentAllowed)
}
