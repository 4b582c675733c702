package problem

import (
	"bytes"
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"reflect"
	"testing"
	"unicode/utf8"

	"sesame/shared/api"
	"sesame/shared/message"
)

// fuzzDecode fuzzes Decode into a T: whatever the body, the answer is a
// value or a 4xx problem whose code shared/message knows; a body accepted
// is valid UTF-8 JSON without NUL, and the value survives a round trip
// through JSON unchanged.
func fuzzDecode[T any](f *testing.F, seeds ...string) {
	for _, s := range append(seeds, "", "{", "{}", "null", "[]", `{"x":1}`, "{}]", "\xff", `{"a":"\u0000"}`) {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		var v T
		err := decodeBytes(body, &v)
		if err != nil {
			var pe *Error
			if !errors.As(err, &pe) || pe.Status < 400 || pe.Status >= 500 || !message.HasProblem(pe.Code) {
				t.Fatalf("body %q: %v is not a 4xx problem with a known code", body, err)
			}
			return
		}
		if !utf8.Valid(body) || bytes.IndexByte(body, 0) >= 0 || !json.Valid(body) {
			t.Fatalf("body %q accepted", body)
		}
		again, err := json.Marshal(v)
		if err != nil {
			t.Fatalf("body %q: %+v does not encode: %v", body, v, err)
		}
		var w T
		if err := decodeBytes(again, &w); err != nil {
			t.Fatalf("body %q: its value %s is refused: %v", body, again, err)
		}
		if !reflect.DeepEqual(v, w) {
			t.Fatalf("body %q: %+v comes back as %+v", body, v, w)
		}
	})
}

func decodeBytes(body []byte, v any) error {
	r := httptest.NewRequest(http.MethodPost, "/", bytes.NewReader(body))
	r.Header.Set("Content-Type", "application/json")
	return Decode(httptest.NewRecorder(), r, MaxBody, v)
}

func FuzzDecodeRecoveryRequest(f *testing.F) {
	fuzzDecode[api.RecoveryRequest](f, `{"email":"lea.dupont@example.fr","lang":"en"}`,
		`{"nir":"1 84 12 75 123 456 40","birthdate":"1984-12-25","email":"t@t.com","captcha_id":"x","captcha_answer":"123456"}`,
		`{"member_number":"12345678"}`, `{"member_number":12345678}`, `{"email":"a","email":"b"}`)
}

func FuzzDecodeLinkCheck(f *testing.F) {
	fuzzDecode[api.LinkCheck](f, `{"token":"AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"}`, `{"token":null}`, `{"token":["x"]}`)
}

func FuzzDecodeNewPassword(f *testing.F) {
	fuzzDecode[api.NewPassword](f, `{"token":"x","password":"Tilleul58#vert","confirm":"Tilleul58#vert"}`, `{"password":"\ud800"}`)
}

func FuzzDecodeCodeSubmit(f *testing.F) {
	fuzzDecode[api.CodeSubmit](f, `{"code":"123456"}`, `{"code":123456}`, `{"code":" 12 34 56 "}`)
}

func FuzzDecodeSignIn(f *testing.F) {
	fuzzDecode[api.SignIn](f, `{"identifier":"lea.dupont@example.fr","password":"Ancien12!mdp"}`,
		`{"identifier":"184127512345640","password":"x","captcha_id":"id","captcha_answer":"1234"}`)
}

func FuzzDecodeChangePassword(f *testing.F) {
	fuzzDecode[api.ChangePassword](f, `{"code":"1234","current":"Ancien7Mars?","password":"Printemps7Vert?","confirm":"Printemps7Vert?"}`)
}

func FuzzDecodePasswordCheck(f *testing.F) {
	fuzzDecode[api.PasswordCheck](f, `{"password":"a","confirm":"a"}`, `{"password":"a","confirm":"b","current":null}`,
		`{"password":"Printemps7Vert?","confirm":"Printemps7Vert?","current":"x","context":{"identifier":"i","nir":"184127512345640","birthdate":"1984-12-25","email":"t@t.com","member_number":"12345678"}}`,
		`{"context":{"nir":1}}`)
}

func FuzzDecodeAccount(f *testing.F) {
	fuzzDecode[api.Account](f, `{"portal":"employeur","email":"a@b.fr","email_verified":true,"password":"Ancien12!mdp"}`,
		`{"portal":"assure","nir":"184127512345640","birthdate":"1984-12-25","email_verified":"true"}`,
		`{"portal":"adherent","member_number":"12345678","phone":"0612345678","password":null}`)
}

func FuzzDecodePasskeyBegin(f *testing.F) {
	fuzzDecode[api.PasskeyBegin](f, `{"name":"Téléphone de Thomas"}`, `{"name":""}`)
}

func FuzzDecodePasskeyDelete(f *testing.F) {
	fuzzDecode[api.PasskeyDelete](f, `{"password":"Ancien12!mdp"}`)
}

// FuzzLang: whatever Accept-Language says, answers are in French or
// English, French when nothing says English first.
func FuzzLang(f *testing.F) {
	for _, s := range []string{"", "en", "en-GB,en;q=0.9,fr;q=0.8", "de, en", "fr-CA", "*", ";;,,", "EN", "\xff", "zz;q=1, en;q=0"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, al string) {
		r := httptest.NewRequest(http.MethodGet, "/", nil)
		r.Header["Accept-Language"] = []string{al}
		switch got := Lang(r); {
		case got != "fr" && got != "en":
			t.Fatalf("Lang(%q) = %q", al, got)
		case al == "" && got != "fr":
			t.Fatalf("Lang(%q) = %q, want fr", al, got)
		}
	})
}
