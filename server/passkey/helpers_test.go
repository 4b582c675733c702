package passkey_test

import (
	"encoding/json"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/descope/virtualwebauthn"

	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

const mailWait = 10 * time.Second

func ptr(s string) *string { return &s }

// Test accounts: one per portal, each with a password the portal accepts.
var (
	employeur = api.Account{Portal: "employeur", Email: "lea.dupont@example.fr", EmailVerified: true, Password: ptr("Ancien12!mdp")}
	assure    = api.Account{Portal: "assure", NIR: "184127512345640", Birthdate: "1984-12-25",
		Email: "thomas.martin@tutanota.com", EmailVerified: true, Password: ptr("Ancien7Mars?")}
)

func portalPath(portal, rest string) string { return api.Prefix + "/portals/" + portal + rest }

func sessionPath(portal string) string { return portalPath(portal, "/session") }

// start runs a server holding the test accounts.
func start(t testing.TB, o sesametest.Options) *sesametest.Server {
	t.Helper()
	s := sesametest.Start(t, o)
	s.ImportAccounts(t, employeur, assure)
	return s
}

// relyingParty is what a browser at the server's public URL tells an
// authenticator: the public URL's host is the RP ID, its origin the
// origin.
func relyingParty(t testing.TB, s *sesametest.Server) virtualwebauthn.RelyingParty {
	t.Helper()
	u, err := url.Parse(s.PublicURL)
	if err != nil {
		t.Fatal(err)
	}
	return virtualwebauthn.RelyingParty{ID: u.Hostname(), Name: "Sésame", Origin: u.Scheme + "://" + u.Host}
}

// signedIn is a browser signed in with a password.
func signedIn(t testing.TB, s *sesametest.Server, a api.Account) *sesametest.Client {
	t.Helper()
	b := s.Client(t)
	id := a.Email
	if a.Portal == "assure" {
		id = a.NIR
	}
	b.Post(sessionPath(a.Portal), api.SignIn{Identifier: id, Password: *a.Password}).Want(t, http.StatusOK)
	return b
}

// device is an authenticator holding the passkeys of one account.
type device struct {
	auth virtualwebauthn.Authenticator
	rp   virtualwebauthn.RelyingParty
}

func newDevice(t testing.TB, s *sesametest.Server) *device {
	return &device{auth: virtualwebauthn.NewAuthenticator(), rp: relyingParty(t, s)}
}

// creation is the parsed answer of a register begin call.
type creation struct {
	opts *virtualwebauthn.AttestationOptions
	raw  map[string]any // publicKey
}

// registerBegin asks b's server for the creation options of a passkey.
func registerBegin(t testing.TB, b *sesametest.Client, portal string, body any, mods ...func(*http.Request)) creation {
	t.Helper()
	r := b.Post(portalPath(portal, "/passkeys/register/begin"), body, mods...).Want(t, http.StatusOK)
	opts, err := virtualwebauthn.ParseAttestationOptions(string(r.Body))
	if err != nil {
		t.Fatalf("creation options %s: %v", r.Body, err)
	}
	var outer struct {
		PublicKey map[string]any `json:"publicKey"`
	}
	r.JSON(t, &outer)
	if outer.PublicKey == nil {
		t.Fatalf("no publicKey in %s", r.Body)
	}
	return creation{opts: opts, raw: outer.PublicKey}
}

// attest is what the browser sends after the authenticator made cred.
func (d *device) attest(c creation, cred virtualwebauthn.Credential) string {
	d.auth.Options.UserHandle = []byte(c.opts.UserID)
	return virtualwebauthn.CreateAttestationResponse(d.rp, d.auth, cred, *c.opts)
}

// register adds a new passkey called name (may be empty) to the account
// b is signed in to, and keeps it on the device.
func (d *device) register(t testing.TB, b *sesametest.Client, portal, name string) (virtualwebauthn.Credential, api.Passkey) {
	t.Helper()
	c := registerBegin(t, b, portal, api.PasskeyBegin{Name: name})
	cred := virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2)
	r := b.Post(portalPath(portal, "/passkeys/register/finish"), d.attest(c, cred)).Want(t, http.StatusCreated)
	var pk api.Passkey
	r.JSON(t, &pk)
	d.auth.AddCredential(cred)
	return cred, pk
}

// signInBegin asks for the request options of a passkey sign-in.
func signInBegin(t testing.TB, b *sesametest.Client, portal string) *virtualwebauthn.AssertionOptions {
	t.Helper()
	r := b.Post(portalPath(portal, "/session/passkey/begin"), struct{}{}).Want(t, http.StatusOK)
	opts, err := virtualwebauthn.ParseAssertionOptions(string(r.Body))
	if err != nil {
		t.Fatalf("request options %s: %v", r.Body, err)
	}
	return opts
}

// assert is what the browser sends after the authenticator signed the
// challenge with cred.
func (d *device) assert(cred virtualwebauthn.Credential, opts *virtualwebauthn.AssertionOptions) string {
	return virtualwebauthn.CreateAssertionResponse(d.rp, d.auth, cred, *opts)
}

// signIn runs a whole passkey sign-in of b with cred and returns the
// finish answer.
func (d *device) signIn(t testing.TB, b *sesametest.Client, portal string, cred virtualwebauthn.Credential) sesametest.Reply {
	t.Helper()
	opts := signInBegin(t, b, portal)
	return b.Post(portalPath(portal, "/session/passkey/finish"), d.assert(cred, opts))
}

// list is the passkeys of the account b is signed in to.
func list(t testing.TB, b *sesametest.Client, portal string) []api.Passkey {
	t.Helper()
	var out api.Passkeys
	b.Get(portalPath(portal, "/passkeys")).Want(t, http.StatusOK).JSON(t, &out)
	return out.Passkeys
}

// deletePasskey sends DELETE /passkeys/{id} with the password (none when
// empty).
func deletePasskey(t testing.TB, b *sesametest.Client, portal, id, password string) sesametest.Reply {
	t.Helper()
	var body any
	if password != "" {
		body = api.PasskeyDelete{Password: password}
	}
	return b.Do(http.MethodDelete, portalPath(portal, "/passkeys/"+id), body)
}

// field walks a decoded JSON object.
func field(t testing.TB, v any, path ...string) any {
	t.Helper()
	for _, k := range path {
		m, ok := v.(map[string]any)
		if !ok {
			t.Fatalf("no object at %s in %v", strings.Join(path, "."), v)
		}
		v = m[k]
	}
	return v
}

func mustJSON(t testing.TB, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// approx fails unless got is within tol of want.
func approx(t testing.TB, what string, got, want time.Time, tol time.Duration) {
	t.Helper()
	if d := got.Sub(want); d < -tol || d > tol {
		t.Errorf("%s = %s, want %s ± %s", what, got.Format(time.RFC3339), want.Format(time.RFC3339), tol)
	}
}
