package problem

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sesame/shared/api"
)

func decode(body, contentType string, v any) error {
	r := httptest.NewRequest(http.MethodPost, "/", strings.NewReader(body))
	if contentType != "" {
		r.Header.Set("Content-Type", contentType)
	}
	return Decode(httptest.NewRecorder(), r, 1024, v)
}

func TestDecode(t *testing.T) {
	tests := []struct {
		name, body, ct, code string
	}{
		{"valid", `{"email":"a@b.fr"}`, "application/json", ""},
		{"valid with charset", `{"email":"a@b.fr"}`, "application/json; charset=utf-8", ""},
		{"no content type", `{"email":"a@b.fr"}`, "", ""},
		{"broken", `{"email":`, "application/json", api.CodeInvalidJSON},
		{"array", `[1,2]`, "application/json", api.CodeInvalidJSON},
		{"wrong type", `{"email":12}`, "application/json", api.CodeInvalidJSON},
		{"unknown field", `{"mail":"a@b.fr"}`, "application/json", api.CodeInvalidJSON},
		{"trailing data", `{"email":"a@b.fr"} {}`, "application/json", api.CodeInvalidJSON},
		{"trailing bracket", `{"email":"a@b.fr"}]`, "application/json", api.CodeInvalidJSON},
		{"trailing brace", `{"email":"a@b.fr"}}`, "application/json", api.CodeInvalidJSON},
		{"trailing non-JSON space", "{\"email\":\"a@b.fr\"}\u00a0", "application/json", api.CodeInvalidJSON},
		{"trailing JSON space", "{\"email\":\"a@b.fr\"} \r\n\t", "application/json", ""},
		{"invalid UTF-8", "{\"email\":\"\xff\"}", "application/json", api.CodeInvalidJSON},
		{"NUL byte", "{\"email\":\"a\x00\"}", "application/json", api.CodeInvalidJSON},
		{"escaped NUL", `{"email":"a\u0000b"}`, "application/json", api.CodeInvalidJSON},
		{"too large", `{"email":"` + strings.Repeat("a", 2000) + `"}`, "application/json", api.CodeBodyTooLarge},
		{"form", `email=a`, "application/x-www-form-urlencoded", api.CodeUnsupportedMedia},
		{"empty", ``, "application/json", api.CodeInvalidJSON},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var req api.RecoveryRequest
			err := decode(tt.body, tt.ct, &req)
			var pe *Error
			switch {
			case tt.code == "" && err != nil:
				t.Fatalf("unexpected error %v", err)
			case tt.code != "" && (!errors.As(err, &pe) || pe.Code != tt.code):
				t.Fatalf("error %v, want code %s", err, tt.code)
			case pe != nil && pe.Status >= 500:
				t.Fatalf("status %d for bad input", pe.Status)
			}
		})
	}
}

// FuzzDecode: whatever the body, decoding any request type gives either a
// value or a 4xx problem, never a panic or a 5xx.
func FuzzDecode(f *testing.F) {
	for _, s := range []string{`{"email":"a@b.fr"}`, `{"token":"x","password":"p","confirm":"p"}`, `{"code":"123456"}`, `[]`, `{`, "\xff", `{"nir":"1 84"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, body string) {
		for _, v := range []any{&api.RecoveryRequest{}, &api.LinkCheck{}, &api.NewPassword{}, &api.CodeSubmit{}, &api.SignIn{}, &api.ChangePassword{}, &api.PasswordCheck{}, &api.Account{}, &json.RawMessage{}} {
			err := decode(body, "application/json", v)
			var pe *Error
			if err != nil && (!errors.As(err, &pe) || pe.Status < 400 || pe.Status >= 500) {
				t.Fatalf("body %q: error %v is not a 4xx problem", body, err)
			}
		}
	})
}

func TestWrite(t *testing.T) {
	r := httptest.NewRequest(http.MethodGet, "/", nil)
	r.Header.Set("Accept-Language", "en-GB,en;q=0.9,fr;q=0.8")
	w := httptest.NewRecorder()
	Write(w, r, nil, errors.New("boom"))
	var p api.Problem
	if err := json.Unmarshal(w.Body.Bytes(), &p); err != nil {
		t.Fatal(err)
	}
	if w.Code != 500 || p.Code != api.CodeInternal || strings.Contains(w.Body.String(), "boom") || w.Header().Get("Content-Type") != "application/problem+json" {
		t.Fatalf("internal error answered %d %s", w.Code, w.Body)
	}
	if p.Detail != "Something went wrong. Please try again." {
		t.Fatalf("English detail %q", p.Detail)
	}
}
