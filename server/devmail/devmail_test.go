package devmail

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"sesame/server/outbox"
)

func get(t *testing.T, h http.Handler, target string) *httptest.ResponseRecorder {
	t.Helper()
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, target, nil))
	if rec.Code != http.StatusOK {
		t.Fatalf("GET %s: %d %s", target, rec.Code, rec.Body)
	}
	if cc := rec.Header().Get("Cache-Control"); cc != "no-store" {
		t.Errorf("Cache-Control = %q", cc)
	}
	return rec
}

func TestPageEscapes(t *testing.T) {
	var mb Mailbox
	err := mb.Send(t.Context(), outbox.Mail{
		To:      "alice@example.org",
		Subject: `Réinitialiser <script>alert(1)</script>`,
		Text:    "Open https://sesame.test/reset?t=abc&x=1 now <b>",
		HTML:    `<p onclick="x()">Hi "you"</p>`,
	})
	if err != nil {
		t.Fatal(err)
	}
	body := get(t, &mb, "/dev/mail").Body.String()

	tests := []struct {
		name, want string
		present    bool
	}{
		{"subject escaped", "Réinitialiser &lt;script&gt;alert(1)&lt;/script&gt;", true},
		{"no raw script", "<script>", false},
		{"recipient", "alice@example.org", true},
		{"text escaped", "now &lt;b&gt;", true},
		{"link clickable", `<a href="https://sesame.test/reset?t=abc&amp;x=1"`, true},
		{"sandboxed iframe", "<iframe sandbox srcdoc=", true},
		{"html body only in srcdoc", `<p onclick`, false},
		{"html body quoted in srcdoc", `&lt;p onclick=&#34;x()&#34;&gt;`, true},
	}
	for _, tt := range tests {
		if strings.Contains(body, tt.want) != tt.present {
			t.Errorf("%s: contains %q = %v, want %v\n%s", tt.name, tt.want, !tt.present, tt.present, body)
		}
	}
}

func TestJSONNewestFirst(t *testing.T) {
	var mb Mailbox
	for i := range capacity + 5 {
		if err := mb.Send(t.Context(), outbox.Mail{To: "a@b.test", Subject: fmt.Sprint("mail ", i), Text: "t", HTML: "<p>h</p>"}); err != nil {
			t.Fatal(err)
		}
	}
	rec := get(t, &mb, "/dev/mail?format=json")
	if ct := rec.Header().Get("Content-Type"); !strings.HasPrefix(ct, "application/json") {
		t.Errorf("Content-Type = %q", ct)
	}
	var got []struct {
		To, Subject, Text, HTML string
		Received                string
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &got); err != nil {
		t.Fatal(err)
	}
	if len(got) != capacity {
		t.Fatalf("got %d mails, want %d", len(got), capacity)
	}
	if got[0].Subject != fmt.Sprint("mail ", capacity+4) || got[capacity-1].Subject != "mail 5" {
		t.Errorf("order: first %q, last %q", got[0].Subject, got[capacity-1].Subject)
	}
	if got[0].HTML != "<p>h</p>" || got[0].Received == "" || got[0].To != "a@b.test" {
		t.Errorf("fields: %+v", got[0])
	}
}

func TestSendHonoursContextAndMethod(t *testing.T) {
	var mb Mailbox
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := mb.Send(ctx, outbox.Mail{To: "a@b.test"}); err == nil {
		t.Error("Send with a cancelled context succeeded")
	}
	if n := len(mb.List()); n != 0 {
		t.Errorf("List has %d mails", n)
	}
	rec := httptest.NewRecorder()
	mb.ServeHTTP(rec, httptest.NewRequest(http.MethodPost, "/dev/mail", nil))
	if rec.Code != http.StatusMethodNotAllowed {
		t.Errorf("POST: %d", rec.Code)
	}
	if body := get(t, &mb, "/dev/mail").Body.String(); !strings.Contains(body, "No mail yet") {
		t.Errorf("empty page: %s", body)
	}
}
