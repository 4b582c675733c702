package config_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sesame/server/clientip"
	"sesame/server/config"
	"sesame/server/limit"
)

// The secret is always given inline, so that no input makes Load read or
// write a key file.
const fuzzSecret = "5e5a3e00112233445566778899aabbccddeeff00112233445566778899aabbcc"

// checkLoaded fails unless a configuration Load accepted keeps every
// promise the server relies on at start-up.
func checkLoaded(t *testing.T, c config.Config) {
	t.Helper()
	switch {
	case c.Profile != "seed" && c.Profile != "strict":
		t.Fatalf("profile %q", c.Profile)
	case !strings.HasPrefix(c.PublicURL, "https://") && !(c.Dev && strings.HasPrefix(c.PublicURL, "http://")):
		t.Fatalf("public URL %q (dev %v)", c.PublicURL, c.Dev)
	case strings.HasSuffix(c.PublicURL, "/"):
		t.Fatalf("public URL %q ends with /", c.PublicURL)
	case c.HashesInFlight < 1 || c.HashesInFlight > 64 || c.MailWorkers < 1 || c.MailWorkers > 64:
		t.Fatalf("%d hashes in flight, %d mail workers", c.HashesInFlight, c.MailWorkers)
	case len(c.Secret()) != 32:
		t.Fatalf("secret of %d bytes", len(c.Secret()))
	case c.AdminToken != "" && len(c.AdminToken) < 32:
		t.Fatalf("admin token of %d characters", len(c.AdminToken))
	case c.HashParams().Validate() != nil:
		t.Fatalf("Argon2id parameters %+v: %v", c.HashParams(), c.HashParams().Validate())
	case c.SessionIdle.D() <= 0 || c.SessionAbsolute.D() < c.SessionIdle.D():
		t.Fatalf("sessions %v / %v", c.SessionIdle.D(), c.SessionAbsolute.D())
	case len(c.PortalList()) != 3:
		t.Fatalf("%d portals", len(c.PortalList()))
	}
	proxies, err := c.Proxies()
	if err != nil {
		t.Fatalf("Proxies: %v", err)
	}
	// A header name Load lets through but clientip refuses (such as "(")
	// stops the server at start-up, in sesame.New: no crash, a later
	// message. Only the prefixes and "header needs proxies" are Load's.
	if _, err := clientip.New(proxies, c.ProxyHeader); err != nil && !strings.Contains(err.Error(), "not a valid header name") {
		t.Fatalf("accepted proxies %q and header %q that the server cannot use: %v", c.TrustedProxies, c.ProxyHeader, err)
	}
	for _, p := range c.PortalList() {
		if err := config.Check(p); err != nil {
			t.Fatalf("portal %s: %v", p.ID, err)
		}
		for _, r := range []string{p.Limits.RecoveryPerIdentifier, p.Limits.RecoveryPerIP, p.Limits.CodeSendsPerFlow, p.Limits.LinkChecksPerIP, p.Limits.SignInPerIP, p.Limits.ChangeCodesPerAccount} {
			if _, _, err := limit.ParseRate(r); err != nil {
				t.Fatalf("portal %s: rate %q: %v", p.ID, r, err)
			}
		}
		if p.LinkTTL.D() > time.Hour || p.CodeDigits == 4 && p.CodeTries > 3 {
			t.Fatalf("portal %s: unsafe settings kept: link %v, %d-digit code with %d tries", p.ID, p.LinkTTL.D(), p.CodeDigits, p.CodeTries)
		}
	}
}

// FuzzLoadFile: whatever the configuration file holds, Load answers an
// error or a configuration that keeps every promise.
func FuzzLoadFile(f *testing.F) {
	for _, s := range []string{
		`{}`, `{"dev":true,"public_url":"http://localhost:8000"}`,
		`{"public_url":"https://sesame.example.fr","trusted_proxies":["10.0.0.0/8","::1"],"proxy_header":"X-Forwarded-For"}`,
		`{"portals":{"assure":{"link_ttl":"61m"}}}`, `{"portals":{"adherent":{"code_digits":4,"code_tries":5}}}`,
		`{"portals":{"employeur":{"limits":{"recovery_per_ip":"5-X"}}}}`, `{"portals":{"nope":{}}}`,
		`{"limits":{"sign_in_per_ip":"off"}}`, `{"hash_memory_kib":1,"hash_time":1}`, `{"session_idle":"-1s"}`,
		`{"profile":"strict","dev":true}`, `{"admin_token":"short"}`, `{"mail_workers":0}`, `{"portals":{"assure":{"policy":{"rules":[]}}}}`,
		`{"dev":true,"public_url":"http://localhost:8000"}{`, `[`, "\xff",
	} {
		f.Add([]byte(s))
	}
	path := filepath.Join(f.TempDir(), "sesame.json")
	f.Fuzz(func(t *testing.T, data []byte) {
		if err := os.WriteFile(path, data, 0o600); err != nil {
			t.Fatal(err)
		}
		vars := map[string]string{"SESAME_CONFIG": path, "SESAME_SECRET_KEY": fuzzSecret}
		c, err := config.Load(func(k string) string { return vars[k] })
		if err == nil {
			checkLoaded(t, c)
		}
	})
}

// FuzzLoadEnv: whatever the SESAME_* variables say, the same.
func FuzzLoadEnv(f *testing.F) {
	f.Add("http://localhost:8000", "", "", "5-H", "4", "1", "seed")
	f.Add("https://sesame.example.fr/", "10.0.0.0/8, ::1", "X-Forwarded-For", "off", "64", "0", "strict")
	f.Add("https://a", "fd00::/8", "Forwarded", "100-M", "0", "on", "")
	f.Add("http://[::1]:80", "1.2.3.4/33", "X Forwarded", "1-X", "-1", "yes", "seed ")
	f.Add("javascript:alert(1)", ",,,", "\n", "", "99999999999999999999", "maybe", "STRICT")
	f.Fuzz(func(t *testing.T, publicURL, proxies, header, rate, number, flag, profile string) {
		vars := map[string]string{
			"SESAME_SECRET_KEY": fuzzSecret, "SESAME_PUBLIC_URL": publicURL,
			"SESAME_TRUSTED_PROXIES": proxies, "SESAME_PROXY_HEADER": header,
			"SESAME_LIMIT_RECOVERY_PER_IP": rate, "SESAME_LIMIT_SIGN_IN_PER_IP": rate,
			"SESAME_HASHES_IN_FLIGHT": number, "SESAME_MAIL_WORKERS": number,
			"SESAME_DEV": flag, "SESAME_CAPTCHA": flag, "SESAME_PROFILE": profile,
		}
		c, err := config.Load(func(k string) string { return vars[k] })
		if err == nil {
			checkLoaded(t, c)
		}
	})
}
