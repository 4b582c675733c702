package passkey_test

import (
	"net/http"
	"testing"

	"github.com/descope/virtualwebauthn"

	"sesame/server/passkey"
	"sesame/server/sesame/sesametest"
)

// FuzzFinishBody feeds arbitrary bytes to both finish calls, each time
// against a live ceremony of the browser: whatever go-webauthn's parsers
// make of them, the answer is a 4xx problem (never a crash or a 5xx), and
// nothing registers or signs in.
func FuzzFinishBody(f *testing.F) {
	s := start(f, sesametest.Options{Quiet: true, Env: map[string]string{"SESAME_LIMIT_PASSKEY_BEGINS_PER_IP": "off"}})
	d := newDevice(f, s)
	b := signedIn(f, s, employeur)
	cred, _ := d.register(f, b, "employeur", "")

	// Seeds: real answers (to other challenges), their near misses, junk.
	attestation := d.attest(registerBegin(f, b, "employeur", struct{}{}), virtualwebauthn.NewCredential(virtualwebauthn.KeyTypeEC2))
	assertion := d.assert(cred, signInBegin(f, s.Client(f), "employeur"))
	for _, seed := range []string{
		attestation, assertion, attestation[:len(attestation)/2], assertion[:len(assertion)-1],
		"", "{}", "null", "[]", `"x"`, `{"id":"","rawId":"","type":"public-key","response":{}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","authenticatorData":"","signature":"","userHandle":"AA"}}`,
		`{"id":"AA","rawId":"AA","type":"public-key","response":{"clientDataJSON":"e30","attestationObject":"oA"}}`,
		"\x00\xff{", `{"response":{"clientDataJSON":"` + "\u00e9" + `"}}`,
	} {
		f.Add([]byte(seed))
	}
	session := s.SignIn(f, "employeur", employeur.Email, *employeur.Password)
	// begin starts a ceremony of kind by hand and returns its cookie.
	begin := func(t *testing.T, path, kind string, cookies ...string) string {
		r := s.Call(t, http.MethodPost, portalPath("employeur", path), "{}", cookies...)
		ck := r.Cookie(passkey.CookieName(kind, false))
		if r.Status != http.StatusOK || ck == nil {
			t.Fatalf("begin %s: %d %s", path, r.Status, r.Body)
		}
		return ck.Name + "=" + ck.Value
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		ceremony := begin(t, "/passkeys/register/begin", "register", session)
		r := s.Call(t, http.MethodPost, portalPath("employeur", "/passkeys/register/finish"), body, session, ceremony)
		if r.Status < 400 || r.Status >= 500 {
			t.Fatalf("register finish answered %d to %q: %s", r.Status, body, r.Body)
		}
		r.AnyProblem(t)

		ceremony = begin(t, "/session/passkey/begin", "signin")
		r = s.Call(t, http.MethodPost, portalPath("employeur", "/session/passkey/finish"), body, ceremony)
		if r.Status < 400 || r.Status >= 500 {
			t.Fatalf("sign-in finish answered %d to %q: %s", r.Status, body, r.Body)
		}
		r.AnyProblem(t)
		if r.Cookie(s.Srv.Sessions.Cookie()) != nil {
			t.Fatalf("a session cookie for %q", body)
		}
	})
}
