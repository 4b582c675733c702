package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

const key = "00112233445566778899aabbccddeeff00112233445566778899aabbccddeeff"

func env(m map[string]string) func(string) string {
	return func(k string) string { return m[k] }
}

func TestDefaultsAndEnvironment(t *testing.T) {
	c, err := Load(env(map[string]string{
		"SESAME_DEV": "1", "SESAME_SECRET_KEY": key, "SESAME_ADDR": "127.0.0.1:9000",
		"SESAME_CAPTCHA": "off", "SESAME_LIMIT_RECOVERY_PER_IDENTIFIER": "7-M",
	}))
	if err != nil {
		t.Fatal(err)
	}
	if c.Addr != "127.0.0.1:9000" || c.Captcha || !c.Dev || c.PublicURL != "http://localhost:8000" || !c.SyncWrites {
		t.Fatalf("unexpected config %+v", c)
	}
	if len(c.PortalList()) != 3 || len(c.Secret()) != 32 {
		t.Fatalf("%d portals, secret of %d bytes", len(c.PortalList()), len(c.Secret()))
	}
	for _, p := range c.PortalList() {
		if p.Limits.RecoveryPerIdentifier != "7-M" {
			t.Errorf("%s: limit %q not overridden", p.ID, p.Limits.RecoveryPerIdentifier)
		}
		if p.ID == "assure" && !p.NoEmailScreen {
			t.Error("the seed profile keeps assure's 36 46 screen")
		}
	}
}

func TestStrictProfile(t *testing.T) {
	c, err := Load(env(map[string]string{"SESAME_DEV": "1", "SESAME_SECRET_KEY": key, "SESAME_PROFILE": "strict"}))
	if err != nil {
		t.Fatal(err)
	}
	for _, p := range c.PortalList() {
		if p.NoEmailScreen || p.Policy.ID != "strict" {
			t.Errorf("%s: strict profile keeps a deviation (no_email_screen %v, policy %s)", p.ID, p.NoEmailScreen, p.Policy.ID)
		}
	}
}

// TestUnsafeSettingsRefused: the server refuses to start with settings that
// break a promise, and says which.
func TestUnsafeSettingsRefused(t *testing.T) {
	dir := t.TempDir()
	file := func(body string) string {
		p := filepath.Join(dir, strings.ReplaceAll(t.Name(), "/", "_")+".json")
		if err := os.WriteFile(p, []byte(body), 0o600); err != nil {
			t.Fatal(err)
		}
		return p
	}
	base := map[string]string{"SESAME_DEV": "1", "SESAME_SECRET_KEY": key}
	tests := []struct {
		name string
		env  map[string]string
		file string
		want string
	}{
		{name: "link over 60 minutes", file: `{"portals":{"employeur":{"link_ttl":"61m"}}}`, want: "at most 60 minutes"},
		{name: "4-digit code with 4 tries", file: `{"portals":{"assure":{"code_tries":4}}}`, want: "at most 3 wrong tries"},
		{name: "6-digit code with 6 tries", file: `{"portals":{"employeur":{"code_tries":6}}}`, want: "at most 5 wrong tries"},
		{name: "proxy header without proxies", env: map[string]string{"SESAME_PROXY_HEADER": "X-Forwarded-For"}, want: "SESAME_TRUSTED_PROXIES"},
		{name: "proxy header not a header name", env: map[string]string{"SESAME_PROXY_HEADER": "(", "SESAME_TRUSTED_PROXIES": "10.0.0.1"}, want: "SESAME_PROXY_HEADER"},
		{name: "bad proxy", env: map[string]string{"SESAME_TRUSTED_PROXIES": "not-an-ip"}, want: "trusted proxy"},
		{name: "http public URL in production", env: map[string]string{"SESAME_DEV": "0", "SESAME_PUBLIC_URL": "http://sesame.example"}, want: "https"},
		{name: "public URL with a path", env: map[string]string{"SESAME_PUBLIC_URL": "http://localhost:8000/x?y"}, want: "origin"},
		{name: "short admin token", env: map[string]string{"SESAME_ADMIN_TOKEN": "short"}, want: "32 characters"},
		{name: "weak argon2", file: `{"hash_memory_kib":1024,"hash_time":1}`, want: "Argon2id"},
		{name: "no secret in production", env: map[string]string{"SESAME_DEV": "0", "SESAME_SECRET_KEY": "", "SESAME_PUBLIC_URL": "https://sesame.example"}, want: "no server secret"},
		{name: "short secret", env: map[string]string{"SESAME_SECRET_KEY": "abcd"}, want: "64 hex"},
		{name: "key inside the data dir", env: map[string]string{"SESAME_SECRET_KEY": "", "SESAME_DATA_DIR": dir, "SESAME_SECRET_KEY_FILE": filepath.Join(dir, "k")}, want: "inside the data directory"},
		{name: "bad limit", env: map[string]string{"SESAME_LIMIT_SIGN_IN_PER_IP": "lots"}, want: "rate"},
		{name: "unknown portal", file: `{"portals":{"nope":{}}}`, want: "no such portal"},
		{name: "unknown field", file: `{"portals":{"assure":{"colour":"red"}}}`, want: "unknown field"},
		{name: "bad boolean", env: map[string]string{"SESAME_CAPTCHA": "maybe"}, want: "on/off"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			m := map[string]string{}
			for k, v := range base {
				m[k] = v
			}
			for k, v := range tt.env {
				m[k] = v
			}
			if tt.file != "" {
				m["SESAME_CONFIG"] = file(tt.file)
			}
			_, err := Load(env(m))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Load() error = %v, want one mentioning %q", err, tt.want)
			}
		})
	}
}

func TestDevKeyIsMadeOutsideTheDataDir(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "data")
	c, err := Load(env(map[string]string{"SESAME_DEV": "1", "SESAME_DATA_DIR": dir}))
	if err != nil {
		t.Fatal(err)
	}
	if c.SecretKeyFile != dir+".key" {
		t.Fatalf("development key at %s", c.SecretKeyFile)
	}
	again, err := Load(env(map[string]string{"SESAME_DEV": "1", "SESAME_DATA_DIR": dir}))
	if err != nil || string(again.Secret()) != string(c.Secret()) {
		t.Fatal("the development key changes between starts")
	}
}
