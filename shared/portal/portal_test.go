package portal

import (
	"encoding/json"
	"testing"
	"time"
)

func TestPresetsFollowTheSeeds(t *testing.T) {
	tests := []struct {
		id         string
		identifier Identifier
		channel    Channel
		linkTTL    time.Duration
		changeCode int
		captcha    bool
		policy     string
	}{
		{"assure", IdentifierNIR, ChannelLink, 30 * time.Minute, 4, true, "assure"},
		{"employeur", IdentifierEmail, ChannelLink, time.Hour, 6, false, "employeur"},
		{"adherent", IdentifierMemberNumber, ChannelCode, 15 * time.Minute, 6, false, "adherent"},
	}
	for _, tt := range tests {
		p, ok := Find(Presets(), tt.id)
		if !ok {
			t.Fatalf("no preset %s", tt.id)
		}
		if p.Identifier != tt.identifier || p.Channel != tt.channel || p.LinkTTL.D() != tt.linkTTL ||
			p.ChangeCodeDigits != tt.changeCode || p.Captcha != tt.captcha || p.Policy.ID != tt.policy {
			t.Errorf("%s: %+v", tt.id, p)
		}
	}
	if a, _ := Find(Presets(), "assure"); a.CodeTries > 3 && a.CodeDigits == 4 {
		t.Error("a 4-digit code allows more than 3 tries")
	}
	if a, _ := Find(Presets(), "adherent"); !a.SignInCaptcha || !a.PostalFallback || a.PasswordReminderMonths != 6 {
		t.Error("adherent: anti-robot, postal fallback and 6-month reminder from seed 004")
	}
}

func TestConfigJSONRoundTrip(t *testing.T) {
	for _, p := range Presets() {
		b, err := json.Marshal(p)
		if err != nil {
			t.Fatal(err)
		}
		var back Config
		if err := json.Unmarshal(b, &back); err != nil {
			t.Fatalf("%s: %v", p.ID, err)
		}
		if back.LinkTTL != p.LinkTTL || len(back.Policy.Rules) != len(p.Policy.Rules) {
			t.Fatalf("%s: round trip lost data", p.ID)
		}
	}
	var d Duration
	if err := d.UnmarshalText([]byte("forever")); err == nil {
		t.Fatal("bad duration accepted")
	}
}

func TestSummariesMatchPresets(t *testing.T) {
	s := Summaries()
	if len(s) != 3 || s[0].ID != "assure" || s[0].Name == "" {
		t.Fatalf("%+v", s)
	}
}
