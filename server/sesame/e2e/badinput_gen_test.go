package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"slices"
	"strings"

	"sesame/server/admin"
	"sesame/server/problem"
	"sesame/server/sesame/sesametest"
	"sesame/shared/api"
)

// What the generated requests of TestBadInputGenerated are made of: the
// endpoints, with a valid body each, and the mutations applied to them.

type authKind int

const (
	authNone      authKind = iota
	authSession            // a signed-in employeur session
	authFlow               // an adherent flow and its browser cookie
	authAdmin              // the admin bearer token
	authAdminNone          // the admin endpoint, without its token
)

type badEndpoint struct {
	name    string
	method  string
	path    string   // {portal}, {flow}, {captcha}, {passkey} are filled in
	json    bool     // the handler decodes a JSON body
	auth    authKind // what the request carries to get past the door
	array   bool     // the body is an array: the mutated object, then a valid one
	portals []string // the portals the path takes; nil: any preset
	base    func(g *badGen, st *badState, portal string) map[string]any
}

var allPortals = []string{"assure", "employeur", "adherent"}

// badEndpoints is DESIGN.md's API table, passkeys included, plus the
// captcha files, the admin import with and without its token, and the
// probes outside /api/v1.
func badEndpoints() []badEndpoint {
	pp := api.Prefix + "/portals/{portal}"
	return []badEndpoint{
		{name: "portals", method: "GET", path: api.Prefix + "/portals"},
		{name: "portal", method: "GET", path: pp},
		{name: "password-check", method: "POST", path: pp + "/password-check", json: true, base: passwordCheckBody},
		{name: "recovery employeur", method: "POST", path: pp + "/recovery", json: true, portals: []string{"employeur"}, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return map[string]any{"email": g.email(), "lang": "fr"}
		}},
		{name: "recovery assure", method: "POST", path: pp + "/recovery", json: true, portals: []string{"assure"}, base: func(g *badGen, st *badState, _ string) map[string]any {
			return map[string]any{"nir": g.nir(), "birthdate": "1984-12-25", "email": g.email(), "captcha_id": st.captcha, "captcha_answer": g.digits(6)}
		}},
		{name: "recovery adherent", method: "POST", path: pp + "/recovery", json: true, portals: []string{"adherent"}, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return map[string]any{"member_number": g.digits(8)}
		}},
		{name: "link check", method: "POST", path: pp + "/recovery/link", json: true, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return map[string]any{"token": g.token()}
		}},
		{name: "link password", method: "POST", path: pp + "/recovery/link/password", json: true, base: func(g *badGen, _ *badState, _ string) map[string]any {
			pw := g.secret()
			return map[string]any{"token": g.token(), "password": pw, "confirm": pw}
		}},
		{name: "flow send", method: "POST", path: pp + "/recovery/flows/{flow}/send", auth: authFlow, portals: []string{"adherent"}},
		{name: "flow code", method: "POST", path: pp + "/recovery/flows/{flow}/code", json: true, auth: authFlow, portals: []string{"adherent"}, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return map[string]any{"code": g.digits(6)}
		}},
		{name: "sign in", method: "POST", path: pp + "/session", json: true, base: func(g *badGen, st *badState, portal string) map[string]any {
			return map[string]any{"identifier": g.identifier(portal), "password": g.secret(), "captcha_id": st.captcha, "captcha_answer": g.digits(6)}
		}},
		{name: "who am I", method: "GET", path: pp + "/session", auth: authSession, portals: []string{"employeur"}},
		{name: "sign out", method: "DELETE", path: pp + "/session", auth: authSession, portals: []string{"employeur"}},
		{name: "change code", method: "POST", path: pp + "/account/password/code", auth: authSession, portals: []string{"employeur"}},
		{name: "change password", method: "POST", path: pp + "/account/password", json: true, auth: authSession, portals: []string{"employeur"}, base: func(g *badGen, _ *badState, _ string) map[string]any {
			pw := g.secret()
			return map[string]any{"code": g.digits(6), "current": g.secret(), "password": pw, "confirm": pw}
		}},
		{name: "passkey register begin", method: "POST", path: pp + "/passkeys/register/begin", auth: authSession, portals: []string{"employeur"}, base: func(*badGen, *badState, string) map[string]any {
			return map[string]any{"name": "Téléphone de Thomas"}
		}},
		{name: "passkey register finish", method: "POST", path: pp + "/passkeys/register/finish", json: true, auth: authSession, portals: []string{"employeur"}, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return g.credential(true)
		}},
		{name: "passkey sign-in begin", method: "POST", path: pp + "/session/passkey/begin", base: func(*badGen, *badState, string) map[string]any {
			return map[string]any{}
		}},
		{name: "passkey sign-in finish", method: "POST", path: pp + "/session/passkey/finish", json: true, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return g.credential(false)
		}},
		{name: "passkey list", method: "GET", path: pp + "/passkeys", auth: authSession, portals: []string{"employeur"}},
		{name: "passkey delete", method: "DELETE", path: pp + "/passkeys/{passkey}", json: true, auth: authSession, portals: []string{"employeur"}, base: func(g *badGen, _ *badState, _ string) map[string]any {
			return map[string]any{"password": g.secret()}
		}},
		{name: "captcha", method: "POST", path: api.Prefix + "/captcha"},
		{name: "captcha image", method: "GET", path: api.Prefix + "/captcha/{captcha}.png"},
		{name: "captcha audio", method: "GET", path: api.Prefix + "/captcha/{captcha}.wav"},
		{name: "admin import", method: "POST", path: api.Prefix + "/admin/accounts", json: true, auth: authAdmin, base: adminBody},
		{name: "admin import, array", method: "POST", path: api.Prefix + "/admin/accounts", json: true, auth: authAdmin, array: true, base: adminBody},
		{name: "admin import without token", method: "POST", path: api.Prefix + "/admin/accounts", json: true, auth: authAdminNone, base: adminBody},
		{name: "healthz", method: "GET", path: "/healthz"},
		{name: "readyz", method: "GET", path: "/readyz"},
		{name: "metrics", method: "GET", path: "/metrics"},
	}
}

func passwordCheckBody(g *badGen, _ *badState, _ string) map[string]any {
	pw := g.secret()
	return map[string]any{"password": pw, "confirm": pw, "current": g.secret(), "context": map[string]any{
		"identifier": g.email(), "nir": g.nir(), "birthdate": "1984-12-25", "email": g.email(), "member_number": g.digits(8),
	}}
}

func adminBody(g *badGen, _ *badState, _ string) map[string]any {
	switch g.IntN(3) {
	case 0:
		return map[string]any{"portal": "employeur", "email": g.email(), "email_verified": true, "password": g.secret()}
	case 1:
		return map[string]any{"portal": "assure", "nir": "184127512345640", "birthdate": "1984-12-25", "email": g.email(), "email_verified": false}
	}
	return map[string]any{"portal": "adherent", "member_number": g.digits(8), "email": g.email(), "email_verified": true, "phone": "06 12 34 56 78"}
}

// request is the endpoint's valid request, before any mutation.
func (st *badState) request(g *badGen, ep badEndpoint) badReq {
	portals := ep.portals
	if portals == nil {
		portals = allPortals
	}
	r := badReq{ep: ep, method: ep.method, portal: g.pick(portals...), header: http.Header{}}
	r.path = strings.NewReplacer("{portal}", r.portal, "{flow}", st.flowID, "{captcha}", st.captcha, "{passkey}", g.token()).Replace(ep.path)
	if ep.base != nil {
		r.fields = ep.base(g, st, r.portal)
		r.header.Set("Content-Type", "application/json")
	}
	if ep.array {
		r.second = ep.base(g, st, r.portal)
	}
	switch ep.auth {
	case authSession:
		r.header.Set("Cookie", st.session)
	case authFlow:
		r.header.Set("Cookie", st.flow)
	case authAdmin:
		r.header.Set("Authorization", "Bearer "+sesametest.AdminToken)
	}
	return r
}

// secretKeys name the fields no answer may ever echo.
var secretKeys = []string{"password", "confirm", "current", "token", "code", "captcha_answer"}

// encode writes the body from the fields (an admin array travels as its
// elements), and notes the secrets the request carries.
func (r *badReq) encode() []byte {
	r.secrets = []string{sesametest.AdminToken}
	for _, k := range secretKeys {
		if s, ok := r.fields[k].(string); ok {
			r.secrets = append(r.secrets, s)
		}
	}
	if strings.Contains(r.query, "token=") {
		r.secrets = append(r.secrets, strings.SplitN(strings.SplitN(r.query, "token=", 2)[1], "&", 2)[0])
	}
	if r.fields == nil {
		return nil
	}
	var v any = r.fields
	if r.ep.array {
		v = []any{r.fields, r.second}
	}
	b, err := json.Marshal(v)
	if err != nil {
		panic(err)
	}
	return b
}

// bodyCap is the endpoint's body cap.
func (r *badReq) bodyCap() int {
	if r.ep.auth == authAdmin {
		return admin.MaxBody
	}
	return problem.MaxBody
}

// field picks one of the body's fields (sorted, so the seed decides), ""
// when it has none.
func (r *badReq) field(g *badGen) string {
	keys := make([]string, 0, len(r.fields))
	for k := range r.fields {
		keys = append(keys, k)
	}
	if len(keys) == 0 {
		return ""
	}
	slices.Sort(keys)
	return keys[g.IntN(len(keys))]
}

// mark is a string value a mutation later replaces, raw, in the encoded
// body.
const mark = "@@MARK@@"

// withRaw sets a field (a new one when the body has none) to the raw JSON
// text or bytes raw, and writes the body.
func (r *badReq) withRaw(g *badGen, raw string) {
	if r.fields == nil {
		r.fields = map[string]any{}
	}
	k := r.field(g)
	if k == "" {
		k = "x"
		r.malformed = true // an unknown field
	}
	r.fields[k] = mark
	r.raw = bytes.Replace(r.encode(), []byte(`"`+mark+`"`), []byte(raw), 1)
}

// inString puts raw bytes inside one field's string value.
func (r *badReq) inString(g *badGen, raw string) {
	r.withRaw(g, `"a`+raw+`b"`)
}

type badMutation struct {
	name      string
	malformed bool // what the mutation sends is not a JSON object of the endpoint's type
	apply     func(g *badGen, r *badReq)
}

var badMutations = []badMutation{
	{"valid", false, func(*badGen, *badReq) {}},
	{"truncated", true, func(g *badGen, r *badReq) {
		b := r.encode()
		if len(b) == 0 {
			b = []byte(`{"a":`)
		}
		r.raw = b[:g.IntN(len(b))]
	}},
	{"wrong type", true, func(g *badGen, r *badReq) {
		if r.fields == nil {
			r.raw = []byte(`[1,2,3]`)
			return
		}
		k := r.field(g)
		if k == "" {
			r.raw = []byte(`{"x":[1]}`)
			return
		}
		switch r.fields[k].(type) {
		case bool:
			r.fields[k] = g.pickAny("true", 1, []any{})
		case map[string]any:
			r.fields[k] = g.pickAny("x", 1, []any{true})
		default:
			r.fields[k] = g.pickAny(42, -7.5, true, false, []any{}, []any{"x"}, map[string]any{"a": 1})
		}
	}},
	{"number for a string", true, func(g *badGen, r *badReq) {
		r.withRaw(g, g.pick("123456", "12345678", "184127512345640", "-0", "1e3", "0.5"))
	}},
	{"string for a boolean", true, func(g *badGen, r *badReq) {
		if _, ok := r.fields["email_verified"]; ok {
			r.fields["email_verified"] = g.pick("true", "1", "oui", "")
			return
		}
		r.withRaw(g, g.pick("true", "false"))
	}},
	{"huge number", true, func(g *badGen, r *badReq) {
		r.withRaw(g, g.pick("1e999999", strings.Repeat("9", 400), "-"+strings.Repeat("1", 1000)+".5e-99999"))
	}},
	{"field over the body cap", true, func(g *badGen, r *badReq) {
		r.inString(g, strings.Repeat(g.pick("a", "é", "7", " "), r.bodyCap()+g.IntN(4096)))
	}},
	{"long field under the cap", false, func(g *badGen, r *badReq) {
		if r.fields == nil {
			return
		}
		k := r.field(g)
		if _, ok := r.fields[k].(string); ok {
			r.fields[k] = strings.Repeat(g.pick("A1!", "é", "𝔸", "0"), 1000+g.IntN(2000))
		}
	}},
	{"invalid UTF-8", true, func(g *badGen, r *badReq) {
		r.inString(g, g.pick("\xff", "\xc3\x28", "\xed\xa0\x80", "\xf4\x90\x80\x80", "\xe2\x82", "\xc0\xaf", "\xfe\xfe\xff\xff"))
	}},
	{"NUL byte", true, func(g *badGen, r *badReq) { r.inString(g, "\x00") }},
	{"escaped NUL", true, func(g *badGen, r *badReq) { r.inString(g, `\u0000`) }},
	{"lone surrogate escape", false, func(g *badGen, r *badReq) { r.inString(g, g.pick(`\ud800`, `\udfff`, `\ud83d`)) }},
	{"control and invisible characters", false, func(g *badGen, r *badReq) {
		r.inString(g, g.pick(`\u0001\u001f`, "\u202e\u200b\ufeff", `\r\nBcc: x@evil.example`, "e\u0301\u0301\u0301"))
	}},
	{"overlong NIR", false, func(g *badGen, r *badReq) {
		nir := g.digits(16 + g.IntN(5000))
		switch {
		case r.fields == nil:
			r.raw = []byte(`{"nir":"` + nir + `"}`)
			r.malformed = true
		case has(r.fields, "nir"):
			r.fields["nir"] = nir
		case has(r.fields, "identifier"):
			r.fields["identifier"] = nir
		case has(r.fields, "context"):
			r.fields["context"].(map[string]any)["nir"] = nir
		default:
			r.fields["nir"] = nir // a field of RecoveryRequest and Account only
			r.malformed = !strings.HasPrefix(r.ep.name, "recovery") && !strings.HasPrefix(r.ep.name, "admin")
		}
	}},
	{"NIR shapes", false, func(g *badGen, r *badReq) {
		nir := g.pick("1 84 12 75 123 456 4O", "2A", "１８４１２７５１２３４５６４０", "-184127512345640", "1e15", "184127512345640184127512345640", "2 84 12 2B 123 456 99", "        ")
		if has(r.fields, "identifier") {
			r.fields["identifier"] = nir
		} else if has(r.fields, "nir") {
			r.fields["nir"] = nir
		} else if has(r.fields, "member_number") {
			r.fields["member_number"] = nir
		}
	}},
	{"unknown field", true, func(g *badGen, r *badReq) {
		if r.fields == nil {
			r.raw = []byte(`{"x_unknown":1}`)
			return
		}
		r.fields[g.pick("x_unknown", "Email", "NIR", "is_admin", "__proto__")] = 1
	}},
	{"duplicate keys", false, func(g *badGen, r *badReq) {
		b := r.encode()
		k := r.field(g)
		if k == "" || len(b) < 2 || b[0] != '{' {
			r.raw = []byte(`{"a":1,"a":2}`)
			r.malformed = true
			return
		}
		dup := fmt.Sprintf(`{%q:%q,`, k, g.email())
		if len(r.fields) == 0 {
			dup = dup[:len(dup)-1]
		}
		r.raw = append([]byte(dup), b[1:]...)
	}},
	{"deep nesting", true, func(g *badGen, r *badReq) {
		n := 500 + g.IntN(5000)
		if g.IntN(2) == 0 {
			r.withRaw(g, strings.Repeat("[", n)+strings.Repeat("]", n))
		} else {
			r.withRaw(g, strings.Repeat(`{"a":`, n)+"1"+strings.Repeat("}", n))
		}
	}},
	{"nesting deeper than the decoder's limit", true, func(g *badGen, r *badReq) {
		n := 10001 + g.IntN(3000)
		r.withRaw(g, strings.Repeat("[", n)+strings.Repeat("]", n))
	}},
	{"not an object", true, func(g *badGen, r *badReq) {
		raw := g.pick(`[]`, `[{}]`, `"x"`, `42`, `true`, `[[[]]]`, `{}{}`, `"{\"email\":\"a@b.fr\"}"`)
		r.raw = []byte(raw)
		if r.ep.auth == authAdmin && strings.HasPrefix(raw, "[") {
			r.malformed = raw != "[]" // an array of accounts; [] imports none
		}
	}},
	{"null body", false, func(g *badGen, r *badReq) { r.raw = []byte("null") }},
	{"empty body", true, func(g *badGen, r *badReq) { r.raw = []byte{} }},
	{"whitespace body", true, func(g *badGen, r *badReq) { r.raw = []byte(" \r\n\t ") }},
	{"trailing data", true, func(g *badGen, r *badReq) {
		b := r.encode()
		if b == nil {
			b = []byte(`{}`)
		}
		r.raw = append(b, g.pick(" {}", "]", "}", " x", ",", " null", ` "a"`, "\n\n1")...)
	}},
	{"media type", false, func(g *badGen, r *badReq) {
		ct := g.pick("application/xml", "application/x-www-form-urlencoded", "multipart/form-data; boundary=xyz", "text/html",
			"application/jsonp", ";;;", `application/json; charset="`, "application/json; charset=latin-1", "text/plain", "APPLICATION/JSON", "application/json;;")
		r.header.Set("Content-Type", ct)
		r.malformed = !slices.Contains([]string{"application/json; charset=latin-1", "text/plain", "APPLICATION/JSON"}, ct)
	}},
	{"no media type", false, func(g *badGen, r *badReq) { r.header.Del("Content-Type") }},
	{"wrong method", false, func(g *badGen, r *badReq) {
		for r.method == r.ep.method {
			r.method = g.pick("GET", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE", "POST", "PROPFIND", "FOO")
		}
	}},
	{"unknown portal", false, func(g *badGen, r *badReq) {
		bad := g.pick("nope", "ASSURE", "assure%00", "%2e%2e", strings.Repeat("a", 300), "%C3%A9", "assure.json", "%ff", "assure%20", "-", "0", "%2Fadmin")
		if strings.Contains(r.ep.path, "{portal}") {
			r.path = strings.Replace(r.path, "/portals/"+r.portal, "/portals/"+bad, 1)
		} else {
			r.path += "/" + bad
		}
	}},
	{"garbage ids", false, func(g *badGen, r *badReq) {
		id := g.pick("x", strings.Repeat("A", 500), "..%2f..", "%00", "%C3%A9", "AAAAAAAAAAAAAAAAAAAAAA", "%ff%fe", "a.png.wav")
		r.path = strings.NewReplacer("/flows/", "/flows/"+id+"-", "/captcha/", "/captcha/"+id, "/passkeys/", "/passkeys/"+id).Replace(r.path)
	}},
	{"missing cookies", false, func(g *badGen, r *badReq) { r.header.Del("Cookie") }},
	{"garbage cookies", false, func(g *badGen, r *badReq) {
		v := g.pick(g.token(), "", "\xff\xfe", strings.Repeat("A", 3000), "a;b=c", `"quoted"`, "%00", "deleted")
		r.header.Set("Cookie", g.pick("sesame_session", "sesame_flow", "__Host-sesame_session")+"="+v+"; "+g.pick("sesame_flow", "x")+"="+v)
	}},
	{"query garbage", false, func(g *badGen, r *badReq) {
		r.query = "?token=" + g.token() + "&a=%zz&b=" + strings.Repeat("x", g.IntN(4000)) + "&;&=&portal=nope"
	}},
	{"Accept-Language garbage", false, func(g *badGen, r *badReq) {
		r.header.Set("Accept-Language", g.pick("*", "en;q=abc", ",,,,", strings.Repeat("en-GB,", 1000), "\xff", "zz", "en-US;q=0.1, fr;q=0.9", ";;;", "fr-CA-x-private-verylongsubtag"))
	}},
	{"cross-origin", false, func(g *badGen, r *badReq) {
		if !slices.Contains([]string{"GET", "HEAD", "OPTIONS"}, r.method) {
			r.wantStatus = http.StatusForbidden
		}
		if g.IntN(2) == 0 {
			r.header.Set("Sec-Fetch-Site", "cross-site")
		} else {
			r.header.Set("Origin", g.pick("http://evil.example", "null", "http://sesame.test:8000.evil.example"))
		}
	}},
	{"chunked over the cap", true, func(g *badGen, r *badReq) {
		r.inString(g, strings.Repeat("z", r.bodyCap()+1))
		r.chunked = true
	}},
	{"bad bearer", false, func(g *badGen, r *badReq) {
		tok := sesametest.AdminToken
		if r.ep.auth == authAdmin {
			r.wantStatus = http.StatusUnauthorized
		}
		r.header.Set("Authorization", g.pick("Bearer", "Bearer ", "Bearer "+tok+"x", "bearer "+tok, "Basic "+tok, "Bearer "+tok[:len(tok)-1], "Bearer  "+tok, strings.Repeat("B", 5000)))
	}},
	{"odd text", false, func(g *badGen, r *badReq) {
		if has(r.fields, "lang") {
			r.fields["lang"] = g.pick("xx", "EN", strings.Repeat("en", 500), "../fr")
			return
		}
		if k := r.field(g); k != "" {
			if _, ok := r.fields[k].(string); ok {
				r.fields[k] = g.pick("ℌ𝔢𝔩𝔩𝔬 🎉", "<script>alert(1)</script>", "' OR 1=1 --", "${jndi:ldap://x}", "%s%n%x", "\\\\\\")
			}
		}
	}},
}

func has(m map[string]any, k string) bool { _, ok := m[k]; return ok }

// badGen draws every random choice from one seeded source.
type badGen struct{ *rand.Rand }

func (g *badGen) pick(s ...string) string { return s[g.IntN(len(s))] }

func (g *badGen) pickAny(v ...any) any { return v[g.IntN(len(v))] }

func (g *badGen) digits(n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + g.IntN(10))
	}
	return string(b)
}

func (g *badGen) token() string {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	b := make([]byte, 43)
	for i := range b {
		b[i] = alphabet[g.IntN(len(alphabet))]
	}
	return string(b)
}

// secret is a password that would pass most policies, distinctive enough
// to be looked for in the answers.
func (g *badGen) secret() string { return "Pw-" + g.token()[:12] + "!9z" }

func (g *badGen) email() string {
	return fmt.Sprintf("%s.%d@%s", g.pick("lea", "thomas", "élodie", "x"), g.IntN(10000), g.pick("example.fr", "tutanota.com", "exemple.org"))
}

func (g *badGen) nir() string {
	return sesametest.NIR(fmt.Sprintf("%d%02d%02d%02d%03d%03d", 1+g.IntN(2), g.IntN(100), 1+g.IntN(12), 1+g.IntN(95), g.IntN(1000), 1+g.IntN(999)))
}

func (g *badGen) identifier(portal string) string {
	switch portal {
	case "assure":
		return g.nir()
	case "adherent":
		return g.digits(8)
	}
	return g.email()
}

// credential is a PublicKeyCredential as a browser sends it, with random
// bytes: an attestation (registration) or an assertion (sign-in).
func (g *badGen) credential(attestation bool) map[string]any {
	resp := map[string]any{"clientDataJSON": g.token()}
	if attestation {
		resp["attestationObject"] = g.token() + g.token()
		resp["transports"] = []any{"internal"}
	} else {
		resp["authenticatorData"], resp["signature"], resp["userHandle"] = g.token(), g.token(), g.token()[:22]
	}
	id := g.token()
	return map[string]any{"id": id, "rawId": id, "type": "public-key", "response": resp, "clientExtensionResults": map[string]any{}}
}
