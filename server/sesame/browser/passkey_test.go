package browser

import (
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/webauthn"
	"github.com/chromedp/chromedp"
)

// passkeyName is the name the member gives the passkey.
const passkeyName = "Ordinateur du bureau"

// addAuthenticator gives the tab a platform authenticator (Chromium's
// virtual one, through DevTools): it holds discoverable credentials,
// verifies the user and consents at once, as a phone's fingerprint reader
// would.
func (e *env) addAuthenticator() webauthn.AuthenticatorID {
	e.t.Helper()
	call(e, webauthn.Enable, webauthn.EnableParams{})
	r := call(e, webauthn.AddVirtualAuthenticator, webauthn.AddVirtualAuthenticatorParams{
		Options: &webauthn.VirtualAuthenticatorOptions{
			Protocol:                    webauthn.AuthenticatorProtocolCtap2,
			Ctap2version:                webauthn.Ctap2versionCtap21,
			Transport:                   webauthn.AuthenticatorTransportInternal,
			HasResidentKey:              true,
			HasUserVerification:         true,
			IsUserVerified:              true,
			AutomaticPresenceSimulation: true,
		},
	})
	return r.AuthenticatorID
}

// presence turns the authenticator's automatic consent on or off.
func (e *env) presence(id webauthn.AuthenticatorID, on bool) {
	e.t.Helper()
	call(e, webauthn.SetAutomaticPresenceSimulation, webauthn.SetAutomaticPresenceSimulationParams{AuthenticatorID: id, Enabled: on})
}

// waitServed waits until the server has answered path with status n
// times.
func (e *env) waitServed(path string, status, n int) {
	e.t.Helper()
	deadline := time.Now().Add(stepTimeout)
	for e.served(path, status) < n {
		if time.Now().After(deadline) {
			e.t.Fatalf("waited %s for %s to be answered %d (%d times so far, page %s)", stepTimeout, path, status, e.served(path, status), e.location())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// passkeyFinish is the path of the passkey sign-in's finish call.
const passkeyFinish = "/api/v1/portals/employeur/session/passkey/finish"

// credentials lists what the virtual authenticator holds.
func (e *env) credentials(id webauthn.AuthenticatorID) []*webauthn.Credential {
	e.t.Helper()
	return call(e, webauthn.GetCredentials, webauthn.GetCredentialsParams{AuthenticatorID: id}).Credentials
}

// passkeyCount is the number of passkeys « Clés d'accès » lists, once
// loaded.
func (e *env) passkeyCount() int {
	e.t.Helper()
	e.waitJS(`document.querySelector("#passkeys[data-state=ready]")`, "the list of passkeys")
	return eval[int](e, `document.querySelectorAll("#passkey-list li.passkey").length`)
}

// text is the trimmed text of the element, "" when there is none.
func (e *env) text(selector string) string {
	e.t.Helper()
	q := strings.ReplaceAll(selector, `"`, `\"`)
	return strings.TrimSpace(eval[string](e, `document.querySelector("`+q+`")?.innerText ?? ""`))
}

// Expected answers a passkey journey logs in the console: the 403 that
// asks the password before a deletion, and the 401 of a deleted passkey.
var passkeyStatuses = regexp.MustCompile(`status of (401|403)`)

// The passkey journey on the employeur portal: signed in with the password,
// the member creates a passkey in « Mes informations », signs out, signs in
// with the passkey alone (no identifier, no password), then deletes it,
// which asks the password; a deleted passkey no longer signs in.
func TestPasskeyJourney(t *testing.T) {
	needScreens(t, employeurSignIn, employeurForgot, employeurAccount)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)
	auth := e.addAuthenticator()

	// Signed in with the password: « Clés d'accès » is empty.
	e.signIn(employeurEmail, oldPassword, nil)
	if n := e.passkeyCount(); n != 0 {
		t.Fatalf("a new account lists %d passkeys", n)
	}
	if got := e.text("#passkeys-empty"); got != "Vous n'avez pas encore de clé d'accès." {
		t.Errorf("#passkeys-empty says %q", got)
	}
	e.screenshot("account-no-passkey")

	// « Créer une clé d'accès », named.
	e.typeInto("#passkey-name", passkeyName)
	e.click("#passkey-create")
	e.waitJS(`document.querySelector("#passkey-list li.passkey")`, "the new passkey in the list")
	if got, want := e.text("#passkeys-status"), "La clé d'accès «\u00a0"+passkeyName+"\u00a0» a été créée."; got != want {
		t.Errorf("#passkeys-status says %q, want %q", got, want)
	}
	if got := e.text("#passkey-name-0"); got != passkeyName {
		t.Errorf("the passkey is listed as %q, want %q", got, passkeyName)
	}
	row := e.text("#passkey-0")
	if !regexp.MustCompile(`Créée le \d\d/\d\d/\d{4} à \d\dh\d\d`).MatchString(row) || !strings.Contains(row, "Jamais utilisée") {
		t.Errorf("the passkey's row says %q", row)
	}
	if v := get(e, chromedp.Value(chromedp.CSS("#passkey-name"))); v != "" {
		t.Errorf("the name field still holds %q", v)
	}
	creds := e.credentials(auth)
	if len(creds) != 1 || !creds[0].IsResidentCredential || creds[0].RpID != "localhost" {
		t.Fatalf("the authenticator holds %+v, want one discoverable credential for localhost", creds)
	}
	if h := string(creds[0].UserHandle); len(h) < 16 || strings.Contains(h, employeurEmail) {
		t.Errorf("the passkey's user handle is %q: want random bytes, never the e-mail", creds[0].UserHandle)
	}
	e.screenshot("account-passkey")
	e.noHorizontalOverflow("the account page with a passkey")
	e.checkA11y("the account page with a passkey")

	// A reload lists it still: the server has it.
	e.open(employeurAccount)
	if n := e.passkeyCount(); n != 1 {
		t.Fatalf("after a reload, %d passkeys are listed, want 1", n)
	}

	// Signed out, then in again with the passkey alone, with the button.
	// Chromium's virtual authenticator answers the sign-in page's
	// conditional request (the autofill) at once; without a presence it
	// cannot, and the request waits as it would for a person.
	e.presence(auth, false)
	e.click("#signout")
	e.waitPath(employeurSignIn)
	e.waitJS(`document.querySelector("#passkey-button")`, "« Se connecter avec une clé d'accès »")
	if got := e.text("#passkey-button"); got != "Se connecter avec une clé d'accès" {
		t.Errorf("the passkey button says %q", got)
	}
	if ac := eval[string](e, `document.querySelector("#email").getAttribute("autocomplete")`); ac != "username webauthn" {
		t.Errorf("#email autocomplete=%q, want \"username webauthn\" (passkey autofill)", ac)
	}
	e.screenshot("signin-passkey")
	e.checkA11y("the sign-in page with the passkey button")
	e.presence(auth, true)
	e.click("#passkey-button")
	e.waitPath(employeurAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the account signed in with the passkey")
	e.waitText(employeurEmail)
	if n := e.passkeyCount(); n != 1 {
		t.Fatalf("%d passkeys are listed, want 1", n)
	}
	if row := e.text("#passkey-0"); !strings.Contains(row, "Dernière utilisation le ") {
		t.Errorf("the passkey's row does not show its use: %q", row)
	}

	// Signed out again, the passkey picked in the e-mail field's autofill
	// (the virtual authenticator picks it at once) signs in.
	// The sign-in page may come and go between two polls: wait for the
	// finish call instead.
	finished := e.served(passkeyFinish, 200)
	e.click("#signout")
	e.waitServed(passkeyFinish, 200, finished+1)
	e.waitPath(employeurAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the account signed in through the autofill")
	if n := e.served(passkeyFinish, 200); n != finished+1 {
		t.Errorf("the autofill sign-in finished %d times, want once", n-finished)
	}

	// « Supprimer »: the session was opened with this very passkey, so the
	// password is asked.
	e.click("#passkey-delete-0")
	e.waitJS(`document.querySelector("#passkey-confirm-form #passkey-password")`, "the password that confirms the deletion")
	if a := eval[string](e, `document.activeElement?.id ?? ""`); a != "passkey-password" {
		t.Errorf("the focus is on #%s, want #passkey-password", a)
	}
	e.screenshot("delete-password")
	e.checkA11y("the account page asking the password to delete a passkey")
	e.typeInto("#passkey-password", "Pas le bon mot de passe 1!")
	e.click("#passkey-confirm")
	e.waitJS(`document.querySelector("#passkey-password-error")`, "the wrong password's error")
	if got := e.text("#passkey-password-error"); got != "Le mot de passe saisi est incorrect." {
		t.Errorf("a wrong password says %q", got)
	}
	if v := get(e, chromedp.Value(chromedp.CSS("#passkey-password"))); v != "" {
		t.Errorf("the wrong password stays in the field: %q", v)
	}
	e.typeInto("#passkey-password", oldPassword)
	e.click("#passkey-confirm")
	e.waitJS(`document.querySelector("#passkeys-empty")`, "the empty list")
	if got, want := e.text("#passkeys-status"), "La clé d'accès «\u00a0"+passkeyName+"\u00a0» a été supprimée."; got != want {
		t.Errorf("#passkeys-status says %q, want %q", got, want)
	}
	e.screenshot("deleted")

	// The authenticator still holds it, but the server no longer knows it:
	// the autofill's sign-in is refused, and the page says so.
	e.click("#signout")
	e.waitPath(employeurSignIn)
	e.waitJS(`document.querySelector("#passkey-error")?.innerText.trim()`, "the refused passkey's error")
	if got := e.text("#passkey-error"); got != "La connexion avec la clé d'accès n'a pas abouti." {
		t.Errorf("a deleted passkey says %q", got)
	}
	if n := e.served(passkeyFinish, 401); n != 1 {
		t.Errorf("the deleted passkey was refused %d times, want once", n)
	}
	if p := eval[string](e, `location.pathname`); p != employeurSignIn {
		t.Errorf("a deleted passkey led to %s", p)
	}
	e.screenshot("refused")

	e.noConsoleErrors(passkeyStatuses)
}

// The forgotten-password screen offers the passkey first: a member who
// has one need not recover the password.
func TestPasskeyForgotPassword(t *testing.T) {
	needScreens(t, employeurForgot, employeurAccount)
	e := newEnv(t)
	e.importEmployeur(employeurEmail, oldPassword)
	auth := e.addAuthenticator()

	e.signIn(employeurEmail, oldPassword, nil)
	e.passkeyCount()
	e.click("#passkey-create")
	e.waitJS(`document.querySelector("#passkey-list li.passkey")`, "the new passkey in the list")
	// Without a presence, the sign-in page's autofill request waits as it
	// would for a person instead of signing straight back in.
	e.presence(auth, false)
	e.click("#signout")
	e.waitPath(employeurSignIn)

	e.open(employeurForgot)
	e.waitJS(`document.querySelector("#passkey-button")`, "« Se connecter avec une clé d'accès »")
	if got := e.text("#passkey-lead"); got != "Vous avez une clé d'accès ? Connectez-vous sans mot de passe." {
		t.Errorf("#passkey-lead says %q", got)
	}
	// Above the form.
	if !eval[bool](e, `!!(document.querySelector("#passkey-button").compareDocumentPosition(document.querySelector("#forgot-form")) & Node.DOCUMENT_POSITION_FOLLOWING)`) {
		t.Errorf("the passkey button is not above the forgotten-password form")
	}
	e.checkA11y("the forgotten-password page with the passkey button")
	e.screenshot("forgot-passkey")
	e.presence(auth, true)
	e.click("#passkey-button")
	e.waitPath(employeurAccount)
	e.waitJS(`document.querySelector("#account[data-state=signed-in]")`, "the account signed in with the passkey")
	e.waitText(employeurEmail)
	e.noConsoleErrors(passkeyStatuses)
}
