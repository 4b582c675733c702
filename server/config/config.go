// Package config reads the server's settings from an optional JSON file
// (SESAME_CONFIG) and SESAME_* environment variables, which win, and refuses
// unsafe ones with a message that says what to change.
package config

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"net/url"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"time"

	"sesame/server/clientip"
	"sesame/server/limit"
	"sesame/server/passhash"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// Config is every setting of the server.
type Config struct {
	Addr       string `json:"addr"`
	DataDir    string `json:"data_dir"` // "" = in memory (tests only)
	PublicURL  string `json:"public_url"`
	SMTPURL    string `json:"smtp_url"`
	MailFrom   string `json:"mail_from"`
	AdminToken string `json:"admin_token"`
	Captcha    bool   `json:"captcha"`
	Dev        bool   `json:"dev"`
	// Profile is "seed" (the presets as the seeds show them) or "strict"
	// (standards first: the strict password policy everywhere and the
	// seeds' deliberate deviations off).
	Profile string `json:"profile"`
	// SecretKeyFile holds the server secret (64 hex characters), kept
	// outside the data directory; SecretKey gives it inline.
	SecretKeyFile  string   `json:"secret_key_file"`
	SecretKey      string   `json:"-"`
	TrustedProxies []string `json:"trusted_proxies"`
	ProxyHeader    string   `json:"proxy_header"`
	SyncWrites     bool     `json:"sync_writes"`
	// Argon2id and how many hashes may run at once.
	HashMemoryKiB  uint32 `json:"hash_memory_kib"`
	HashTime       uint32 `json:"hash_time"`
	HashThreads    uint8  `json:"hash_threads"`
	HashesInFlight int    `json:"hashes_in_flight"`
	// Sessions.
	SessionIdle     portal.Duration `json:"session_idle"`
	SessionAbsolute portal.Duration `json:"session_absolute"`
	// MailWorkers deliver the outbox in parallel.
	MailWorkers int `json:"mail_workers"`
	// Portals override the presets field by field (JSON file only).
	Portals map[string]json.RawMessage `json:"portals"`
	// Limits override every portal's budgets (SESAME_LIMIT_*).
	Limits portal.Limits `json:"limits"`

	portals []portal.Config
	secret  []byte
}

// Default is the configuration with nothing set.
func Default() Config {
	return Config{
		Addr: "127.0.0.1:8000", DataDir: "data", PublicURL: "http://localhost:8000",
		MailFrom: "Sésame <no-reply@localhost>", Captcha: true, Profile: "seed", SyncWrites: true,
		HashMemoryKiB: passhash.DefaultParams.Memory, HashTime: passhash.DefaultParams.Time,
		HashThreads: passhash.DefaultParams.Threads, HashesInFlight: 4,
		SessionIdle: portal.Duration(30 * time.Minute), SessionAbsolute: portal.Duration(12 * time.Hour),
		MailWorkers: 4,
	}
}

// Load reads the file named by SESAME_CONFIG, if any, then the
// environment, then checks the result.
func Load(getenv func(string) string) (Config, error) {
	c := Default()
	if path := getenv("SESAME_CONFIG"); path != "" {
		b, err := os.ReadFile(path)
		if err != nil {
			return c, fmt.Errorf("config: %w", err)
		}
		dec := json.NewDecoder(strings.NewReader(string(b)))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return c, fmt.Errorf("config: %s: %w", path, err)
		}
	}
	if err := c.applyEnv(getenv); err != nil {
		return c, err
	}
	if err := c.resolve(); err != nil {
		return c, err
	}
	return c, nil
}

func (c *Config) applyEnv(getenv func(string) string) error {
	str := map[string]*string{
		"SESAME_ADDR": &c.Addr, "SESAME_DATA_DIR": &c.DataDir, "SESAME_PUBLIC_URL": &c.PublicURL,
		"SESAME_SMTP_URL": &c.SMTPURL, "SESAME_MAIL_FROM": &c.MailFrom, "SESAME_ADMIN_TOKEN": &c.AdminToken,
		"SESAME_PROFILE": &c.Profile, "SESAME_SECRET_KEY_FILE": &c.SecretKeyFile, "SESAME_SECRET_KEY": &c.SecretKey,
		"SESAME_PROXY_HEADER":                   &c.ProxyHeader,
		"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER":  &c.Limits.RecoveryPerIdentifier,
		"SESAME_LIMIT_RECOVERY_PER_IP":          &c.Limits.RecoveryPerIP,
		"SESAME_LIMIT_CODE_SENDS_PER_FLOW":      &c.Limits.CodeSendsPerFlow,
		"SESAME_LIMIT_LINK_CHECKS_PER_IP":       &c.Limits.LinkChecksPerIP,
		"SESAME_LIMIT_SIGN_IN_PER_IP":           &c.Limits.SignInPerIP,
		"SESAME_LIMIT_CHANGE_CODES_PER_ACCOUNT": &c.Limits.ChangeCodesPerAccount,
		"SESAME_LIMIT_PASSKEY_BEGINS_PER_IP":    &c.Limits.PasskeyBeginsPerIP,
	}
	for k, p := range str {
		if v, ok := lookup(getenv, k); ok {
			*p = v
		}
	}
	for k, p := range map[string]*bool{"SESAME_DEV": &c.Dev, "SESAME_CAPTCHA": &c.Captcha, "SESAME_SYNC_WRITES": &c.SyncWrites} {
		if v, ok := lookup(getenv, k); ok {
			b, err := parseBool(v)
			if err != nil {
				return fmt.Errorf("config: %s=%q: want on/off, true/false or 1/0", k, v)
			}
			*p = b
		}
	}
	for k, p := range map[string]*int{"SESAME_HASHES_IN_FLIGHT": &c.HashesInFlight, "SESAME_MAIL_WORKERS": &c.MailWorkers} {
		if v, ok := lookup(getenv, k); ok {
			n, err := strconv.Atoi(v)
			if err != nil {
				return fmt.Errorf("config: %s=%q: want a number", k, v)
			}
			*p = n
		}
	}
	if v, ok := lookup(getenv, "SESAME_TRUSTED_PROXIES"); ok {
		c.TrustedProxies = nil
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.TrustedProxies = append(c.TrustedProxies, s)
			}
		}
	}
	return nil
}

func lookup(getenv func(string) string, k string) (string, bool) {
	v := getenv(k)
	return v, v != ""
}

func parseBool(v string) (bool, error) {
	switch strings.ToLower(v) {
	case "1", "true", "on", "yes":
		return true, nil
	case "0", "false", "off", "no":
		return false, nil
	}
	return false, errors.New("not a boolean")
}

// resolve builds the portals and checks everything.
func (c *Config) resolve() error {
	if c.Profile != "seed" && c.Profile != "strict" {
		return fmt.Errorf("config: SESAME_PROFILE=%q: want seed or strict", c.Profile)
	}
	u, err := url.Parse(c.PublicURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("config: SESAME_PUBLIC_URL=%q: want an absolute http(s) origin such as https://sesame.example.fr", c.PublicURL)
	}
	c.PublicURL = strings.TrimSuffix(c.PublicURL, "/")
	if u.Scheme != "https" && !c.Dev {
		return fmt.Errorf("config: SESAME_PUBLIC_URL=%q: reset links must use https outside development (SESAME_DEV=1)", c.PublicURL)
	}
	proxies, err := c.Proxies()
	if err != nil {
		return err
	}
	if c.ProxyHeader != "" && len(c.TrustedProxies) == 0 {
		return fmt.Errorf("config: SESAME_PROXY_HEADER=%q without SESAME_TRUSTED_PROXIES: the header would be trusted from anyone", c.ProxyHeader)
	}
	if _, err := clientip.New(proxies, c.ProxyHeader); err != nil {
		return fmt.Errorf("config: SESAME_PROXY_HEADER=%q: %w", c.ProxyHeader, err)
	}
	if c.AdminToken != "" && len(c.AdminToken) < 32 {
		return errors.New("config: SESAME_ADMIN_TOKEN must hold at least 32 characters")
	}
	if err := c.HashParams().Validate(); err != nil {
		return fmt.Errorf("config: Argon2id parameters: %w", err)
	}
	if c.HashesInFlight < 1 || c.HashesInFlight > 64 {
		return fmt.Errorf("config: SESAME_HASHES_IN_FLIGHT=%d: want 1 to 64", c.HashesInFlight)
	}
	if c.MailWorkers < 1 || c.MailWorkers > 64 {
		return fmt.Errorf("config: SESAME_MAIL_WORKERS=%d: want 1 to 64", c.MailWorkers)
	}
	if c.SessionIdle.D() <= 0 || c.SessionAbsolute.D() < c.SessionIdle.D() {
		return errors.New("config: session_idle must be positive and session_absolute at least as long")
	}
	if err := c.buildPortals(); err != nil {
		return err
	}
	return c.loadSecret()
}

// HashParams are the Argon2id parameters.
func (c Config) HashParams() passhash.Params {
	p := passhash.DefaultParams
	p.Memory, p.Time, p.Threads = c.HashMemoryKiB, c.HashTime, c.HashThreads
	return p
}

// Proxies parses the trusted proxy prefixes.
func (c Config) Proxies() ([]netip.Prefix, error) {
	var out []netip.Prefix
	for _, s := range c.TrustedProxies {
		p, err := netip.ParsePrefix(s)
		if err != nil {
			a, err2 := netip.ParseAddr(s)
			if err2 != nil {
				return nil, fmt.Errorf("config: trusted proxy %q: want an address or a CIDR prefix", s)
			}
			p = netip.PrefixFrom(a, a.BitLen())
		}
		out = append(out, p)
	}
	return out, nil
}

func (c *Config) buildPortals() error {
	c.portals = nil
	for _, p := range portal.Presets() {
		if raw, ok := c.Portals[p.ID]; ok {
			dec := json.NewDecoder(strings.NewReader(string(raw)))
			dec.DisallowUnknownFields()
			if err := dec.Decode(&p); err != nil {
				return fmt.Errorf("config: portal %s: %w", p.ID, err)
			}
		}
		if c.Profile == "strict" {
			p.NoEmailScreen = false
			p.Policy = policy.Strict()
		}
		overlay(&p.Limits, c.Limits)
		if err := Check(p); err != nil {
			return err
		}
		c.portals = append(c.portals, p)
	}
	for id := range c.Portals {
		if _, ok := portal.Find(c.portals, id); !ok {
			return fmt.Errorf("config: portals.%s: no such portal (presets: assure, employeur, adherent)", id)
		}
	}
	return nil
}

func overlay(dst *portal.Limits, src portal.Limits) {
	for _, f := range []struct{ d, s *string }{
		{&dst.RecoveryPerIdentifier, &src.RecoveryPerIdentifier}, {&dst.RecoveryPerIP, &src.RecoveryPerIP},
		{&dst.CodeSendsPerFlow, &src.CodeSendsPerFlow}, {&dst.LinkChecksPerIP, &src.LinkChecksPerIP},
		{&dst.SignInPerIP, &src.SignInPerIP},
		{&dst.ChangeCodesPerAccount, &src.ChangeCodesPerAccount},
		{&dst.PasskeyBeginsPerIP, &src.PasskeyBeginsPerIP},
	} {
		if *f.s != "" {
			*f.d = *f.s
		}
	}
}

// maxTries is the most wrong tries a code of n digits may allow: 3 for 4
// digits, 5 from 6 digits on.
func maxTries(digits int) int {
	if digits <= 4 {
		return 3
	}
	return 5
}

// Check refuses a portal whose settings would break a promise.
func Check(p portal.Config) error {
	if p.LinkTTL.D() <= 0 || p.LinkTTL.D() > time.Hour {
		return fmt.Errorf("config: portal %s: link lifetime %s: must be positive and at most 60 minutes", p.ID, p.LinkTTL.D())
	}
	if p.CodeTTL.D() <= 0 || p.CodeTTL.D() > time.Hour {
		return fmt.Errorf("config: portal %s: code lifetime %s: must be positive and at most 60 minutes", p.ID, p.CodeTTL.D())
	}
	for _, d := range []struct {
		name          string
		digits, tries int
	}{{"code", p.CodeDigits, p.CodeTries}, {"change code", p.ChangeCodeDigits, p.CodeTries}} {
		if d.digits < 4 || d.digits > 10 {
			return fmt.Errorf("config: portal %s: %s of %d digits: want 4 to 10", p.ID, d.name, d.digits)
		}
		if d.tries < 1 || d.tries > maxTries(d.digits) {
			return fmt.Errorf("config: portal %s: a %d-digit %s may allow at most %d wrong tries, not %d", p.ID, d.digits, d.name, maxTries(d.digits), d.tries)
		}
	}
	for _, r := range []string{p.Limits.RecoveryPerIdentifier, p.Limits.RecoveryPerIP, p.Limits.CodeSendsPerFlow, p.Limits.LinkChecksPerIP, p.Limits.SignInPerIP, p.Limits.ChangeCodesPerAccount, p.Limits.PasskeyBeginsPerIP} {
		if _, _, err := limit.ParseRate(r); err != nil {
			return fmt.Errorf("config: portal %s: %w", p.ID, err)
		}
	}
	if len(p.Policy.Rules) == 0 {
		return fmt.Errorf("config: portal %s: no password policy", p.ID)
	}
	return nil
}

// Portals returns the resolved portals.
func (c Config) PortalList() []portal.Config { return c.portals }

// Secret is the 32-byte server secret.
func (c Config) Secret() []byte { return c.secret }

// loadSecret reads the secret: inline, from its file, or, in development
// only, from a key file made beside (never inside) the data directory.
func (c *Config) loadSecret() error {
	text := c.SecretKey
	if text == "" && c.SecretKeyFile == "" && c.Dev {
		c.SecretKeyFile = devKeyPath(c.DataDir)
		if _, err := os.Stat(c.SecretKeyFile); errors.Is(err, os.ErrNotExist) {
			if err := writeDevKey(c.SecretKeyFile); err != nil {
				return err
			}
		}
	}
	if text == "" && c.SecretKeyFile != "" {
		if c.DataDir != "" {
			if rel, err := filepath.Rel(mustAbs(c.DataDir), mustAbs(c.SecretKeyFile)); err == nil && !strings.HasPrefix(rel, "..") {
				return fmt.Errorf("config: the secret key file %s is inside the data directory %s: keep it outside, so a copy of the data does not hold the key", c.SecretKeyFile, c.DataDir)
			}
		}
		b, err := os.ReadFile(c.SecretKeyFile)
		if err != nil {
			return fmt.Errorf("config: secret key: %w", err)
		}
		text = strings.TrimSpace(string(b))
	}
	if text == "" {
		return errors.New("config: no server secret: set SESAME_SECRET_KEY_FILE to a file holding 64 hex characters (e.g. `openssl rand -hex 32`), outside the data directory")
	}
	key, err := hex.DecodeString(text)
	if err != nil || len(key) != 32 {
		return errors.New("config: the server secret must be 64 hex characters (32 bytes)")
	}
	c.secret = key
	return nil
}

func mustAbs(p string) string {
	a, err := filepath.Abs(p)
	if err != nil {
		return p
	}
	return a
}

func devKeyPath(dataDir string) string {
	if dataDir == "" {
		return filepath.Join(os.TempDir(), "sesame-dev.key")
	}
	return filepath.Clean(dataDir) + ".key"
}
