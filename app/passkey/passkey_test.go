package passkey

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"testing"
)

func TestBytesRoundTrip(t *testing.T) {
	for _, b := range [][]byte{
		{},
		{0},
		{0xfb, 0xff},       // "-_8" in base64url, "+/8=" in base64
		{1, 2, 3, 4, 5, 6}, // no padding either way
		[]byte("clé d'accès"),
	} {
		out, err := json.Marshal(Bytes(b))
		if err != nil {
			t.Fatal(err)
		}
		if bytes.ContainsAny(out, "+/=") {
			t.Errorf("%v encodes as %s: not base64url without padding", b, out)
		}
		var back Bytes
		if err := json.Unmarshal(out, &back); err != nil || !bytes.Equal(back, b) {
			t.Errorf("%v → %s → %v (%v)", b, out, back, err)
		}
	}
}

func TestBytesDecodesEveryBase64(t *testing.T) {
	want := []byte{0xfb, 0xff}
	for _, s := range []string{`"-_8"`, `"-_8="`, `"+/8="`, `"+/8"`} {
		var b Bytes
		if err := json.Unmarshal([]byte(s), &b); err != nil || !bytes.Equal(b, want) {
			t.Errorf("%s → %v (%v), want %v", s, b, err, want)
		}
	}
	var b Bytes
	if err := json.Unmarshal([]byte(`"é"`), &b); err == nil {
		t.Errorf("a non-base64 string decodes to %v", b)
	}
	if err := json.Unmarshal([]byte(`12`), &b); err == nil {
		t.Errorf("a number decodes to %v", b)
	}
}

// creationOptions is what go-webauthn's BeginRegistration answers, as the
// server sends it.
const creationOptions = `{"publicKey":{
	"rp":{"name":"Sésame","id":"localhost"},
	"user":{"name":"claire.martin@entreprise.test","displayName":"claire.martin@entreprise.test","id":"AAECAwQFBgc"},
	"challenge":"-_8AAQ",
	"pubKeyCredParams":[{"type":"public-key","alg":-7},{"type":"public-key","alg":-257}],
	"timeout":300000,
	"excludeCredentials":[{"type":"public-key","id":"qrvM","transports":["internal"]}],
	"authenticatorSelection":{"residentKey":"required","requireResidentKey":true,"userVerification":"preferred"},
	"attestation":"none",
	"hints":null,
	"extensions":{"credProps":true}
}}`

func TestDecodeCreationOptions(t *testing.T) {
	pk, err := decodeOptions([]byte(creationOptions), creation)
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := pk["challenge"].([]byte); !ok || !bytes.Equal(b, []byte{0xfb, 0xff, 0, 1}) {
		t.Errorf("challenge = %#v", pk["challenge"])
	}
	user := pk["user"].(map[string]any)
	if b, ok := user["id"].([]byte); !ok || !bytes.Equal(b, []byte{0, 1, 2, 3, 4, 5, 6, 7}) {
		t.Errorf("user.id = %#v", user["id"])
	}
	if user["name"] != "claire.martin@entreprise.test" {
		t.Errorf("user.name = %#v", user["name"])
	}
	ex := pk["excludeCredentials"].([]any)[0].(map[string]any)
	if b, ok := ex["id"].([]byte); !ok || !bytes.Equal(b, []byte{0xaa, 0xbb, 0xcc}) {
		t.Errorf("excludeCredentials[0].id = %#v", ex["id"])
	}
	if ex["transports"].([]any)[0] != "internal" {
		t.Errorf("transports = %#v", ex["transports"])
	}
	if alg := pk["pubKeyCredParams"].([]any)[0].(map[string]any)["alg"]; alg != float64(-7) {
		t.Errorf("alg = %#v", alg)
	}
	if _, ok := pk["hints"]; ok {
		t.Error("a null member is kept: the browser would reject it")
	}
	if pk["rp"].(map[string]any)["id"] != "localhost" || pk["attestation"] != "none" {
		t.Errorf("options = %#v", pk)
	}
}

func TestDecodeRequestOptions(t *testing.T) {
	// A discoverable sign-in: no allowCredentials (or null).
	pk, err := decodeOptions([]byte(`{"publicKey":{"challenge":"AAEC","timeout":300000,"rpId":"localhost","userVerification":"preferred","allowCredentials":null},"mediation":"conditional"}`), request)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pk["challenge"].([]byte); !bytes.Equal(b, []byte{0, 1, 2}) {
		t.Errorf("challenge = %#v", pk["challenge"])
	}
	if _, ok := pk["allowCredentials"]; ok {
		t.Error("allowCredentials: null is kept")
	}
	if pk["rpId"] != "localhost" || pk["userVerification"] != "preferred" {
		t.Errorf("options = %#v", pk)
	}

	pk, err = decodeOptions([]byte(`{"publicKey":{"challenge":"AAEC","allowCredentials":[{"type":"public-key","id":"qrvM"}]}}`), request)
	if err != nil {
		t.Fatal(err)
	}
	if b, _ := pk["allowCredentials"].([]any)[0].(map[string]any)["id"].([]byte); !bytes.Equal(b, []byte{0xaa, 0xbb, 0xcc}) {
		t.Errorf("allowCredentials = %#v", pk["allowCredentials"])
	}
}

func TestDecodeOptionsRefusesNonsense(t *testing.T) {
	for name, c := range map[string]struct {
		json string
		c    ceremony
	}{
		"not JSON":             {`<html>`, request},
		"no publicKey":         {`{"challenge":"AAEC"}`, request},
		"no challenge":         {`{"publicKey":{"rpId":"localhost"}}`, request},
		"challenge not base64": {`{"publicKey":{"challenge":"é"}}`, request},
		"challenge a number":   {`{"publicKey":{"challenge":12}}`, request},
		"no user":              {`{"publicKey":{"challenge":"AAEC"}}`, creation},
		"user without id":      {`{"publicKey":{"challenge":"AAEC","user":{"name":"a"}}}`, creation},
		"credential not obj":   {`{"publicKey":{"challenge":"AAEC","allowCredentials":["qrvM"]}}`, request},
		"credential bad id":    {`{"publicKey":{"challenge":"AAEC","user":{"id":"AA"},"excludeCredentials":[{"id":"!"}]}}`, creation},
	} {
		if _, err := decodeOptions([]byte(c.json), c.c); !errors.Is(err, ErrOptions) {
			t.Errorf("%s: err = %v, want ErrOptions", name, err)
		}
	}
}

func TestAttestationJSON(t *testing.T) {
	c := credential{
		ID:    "qrvM",
		RawID: Bytes{0xaa, 0xbb, 0xcc},
		Response: &attestation{
			ClientDataJSON:    Bytes(`{"type":"webauthn.create"}`),
			AttestationObject: Bytes{0xfb, 0xff},
			Transports:        []string{"internal", "hybrid"},
		},
		AuthenticatorAttachment: "platform",
		ClientExtensionResults:  []byte(`{"credProps":{"rk":true}}`),
	}
	out, err := c.encode()
	if err != nil {
		t.Fatal(err)
	}
	var got map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatal(err)
	}
	res := got["response"].(map[string]any)
	for k, want := range map[string]any{
		"id": "qrvM", "rawId": "qrvM", "type": "public-key", "authenticatorAttachment": "platform",
	} {
		if got[k] != want {
			t.Errorf("%s = %#v, want %#v", k, got[k], want)
		}
	}
	if res["clientDataJSON"] != "eyJ0eXBlIjoid2ViYXV0aG4uY3JlYXRlIn0" || res["attestationObject"] != "-_8" {
		t.Errorf("response = %#v", res)
	}
	if ts := res["transports"].([]any); len(ts) != 2 || ts[0] != "internal" {
		t.Errorf("transports = %#v", res["transports"])
	}
	if ext := got["clientExtensionResults"].(map[string]any); ext["credProps"].(map[string]any)["rk"] != true {
		t.Errorf("clientExtensionResults = %#v", got["clientExtensionResults"])
	}
}

func TestAssertionJSON(t *testing.T) {
	c := credential{
		RawID: Bytes{0xaa, 0xbb, 0xcc},
		Response: &assertion{
			ClientDataJSON:    Bytes("{}"),
			AuthenticatorData: Bytes{1},
			Signature:         Bytes{2},
		},
	}
	out, err := c.encode()
	if err != nil {
		t.Fatal(err)
	}
	s := string(out)
	for _, want := range []string{
		`"id":"qrvM"`, // derived from rawId
		`"type":"public-key"`,
		`"clientExtensionResults":{}`,
		`"authenticatorData":"AQ"`,
		`"signature":"Ag"`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("%s lacks %s", s, want)
		}
	}
	for _, absent := range []string{"userHandle", "authenticatorAttachment", "transports"} {
		if strings.Contains(s, absent) {
			t.Errorf("%s has %s, which was not given", s, absent)
		}
	}

	c.Response.(*assertion).UserHandle = Bytes{0, 1, 2, 3, 4, 5, 6, 7}
	c.ClientExtensionResults = []byte("not json")
	out, err = c.encode()
	if err != nil {
		t.Fatal(err)
	}
	if s := string(out); !strings.Contains(s, `"userHandle":"AAECAwQFBgc"`) || !strings.Contains(s, `"clientExtensionResults":{}`) {
		t.Errorf("%s", s)
	}
}

func TestErrorOf(t *testing.T) {
	for name, want := range map[string]error{
		"AbortError":        ErrAborted,
		"NotAllowedError":   ErrCancelled,
		"InvalidStateError": ErrExists,
		"NotSupportedError": ErrUnsupported,
	} {
		if got := errorOf(name, "x"); !errors.Is(got, want) {
			t.Errorf("%s → %v, want %v", name, got, want)
		}
	}
	if err := errorOf("SecurityError", "The relying party ID is not a registrable domain suffix"); err == nil ||
		!strings.Contains(err.Error(), "SecurityError") {
		t.Errorf("SecurityError → %v", err)
	}
}

func TestNativeStubs(t *testing.T) {
	if Supported() || ConditionalAvailable() {
		t.Error("passkeys are supported outside the browser")
	}
	if _, err := Create([]byte(creationOptions)); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Create: %v", err)
	}
	if _, err := Get(nil, true, nil); !errors.Is(err, ErrUnsupported) {
		t.Errorf("Get: %v", err)
	}
}
