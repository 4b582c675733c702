package main

import (
	"context"
	"encoding/json"
	"io"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"sesame/server/badgerdb"
	"sesame/server/recovery"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/identity"
)

// -seed writes accounts the scenarios know and one live link each, that
// the server's store accepts under the server's key.
func TestSeed(t *testing.T) {
	dir := t.TempDir()
	o, err := parseArgs([]string{"-seed", "-data-dir", filepath.Join(dir, "data"), "-secret-file", filepath.Join(dir, "secret"),
		"-tokens-file", filepath.Join(dir, "tokens.txt"), "-accounts", "30"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	if err := seed(context.Background(), o, io.Discard); err != nil {
		t.Fatal(err)
	}
	links, err := readTokens(o.tokensFile)
	if err != nil || len(links) != 30 {
		t.Fatalf("%d sample links, %v; want all 30 (fewer than %d accounts)", len(links), err, seedSample)
	}
	secret, err := readSecret(o.secretFile)
	if err != nil {
		t.Fatal(err)
	}
	key := make([]byte, 32)
	for i := range key {
		key[i] = unhex(secret[2*i])<<4 | unhex(secret[2*i+1])
	}
	hasher, err := token.NewHasher(token.Derive(key, "tokens"))
	if err != nil {
		t.Fatal(err)
	}
	db, err := badgerdb.Open(badgerdb.Options{Dir: o.dataDir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	st := store.New(db, nil, nil)
	ctx := context.Background()
	if n, err := st.CountAccounts(ctx); err != nil || n != 30 {
		t.Errorf("%d accounts, %v", n, err)
	}
	e, _ := identity.ParseEmail(employeurEmail(29))
	a, err := st.AccountBy(ctx, "employeur", store.KindEmail, e.Key())
	if err != nil || !strings.HasPrefix(a.PasswordHash, "$argon2id$") || !a.EmailVerified {
		t.Fatalf("account 29: %+v, %v", a, err)
	}
	for _, raw := range links {
		tok, err := st.Token(ctx, hasher.Hash(recovery.PurposeReset, raw), recovery.PurposeReset)
		if err != nil || tok.Portal != "employeur" || time.Until(tok.Expires) < 50*time.Minute {
			t.Fatalf("link %s…: %+v, %v", raw[:6], tok, err)
		}
	}
	// A second seed of the same directory is refused.
	if err := seed(ctx, o, io.Discard); err == nil {
		t.Error("seeding a non-empty directory should be refused")
	}
}

func unhex(c byte) byte {
	switch {
	case c >= 'a':
		return c - 'a' + 10
	case c >= 'A':
		return c - 'A' + 10
	}
	return c - '0'
}

func TestParseArgsOpenLoopSoakAndPreparedDB(t *testing.T) {
	good := [][]string{
		{"-rate", "100"},
		{"-rate-fraction", "0.7"},
		{"-soak", "-rate", "50", "-duration", "60s"},
		{"-soak", "-rate-fraction", "0.7", "-duration", "10m"},
		{"-data-dir", "d", "-secret-file", "s"},
		{"-data-dir", "d", "-secret-file", "s", "-scenario", "sign-in"},
		{"-data-dir", "d", "-secret-file", "s", "-scenario", "link-check", "-tokens-file", "t"},
		{"-seed", "-data-dir", "d", "-secret-file", "s", "-accounts", "1000000"},
		{"-scenario", "recovery-adherent"},
		{"-scenario", "password-set"},
		{"-scenario", "change-password"},
	}
	for _, args := range good {
		if _, err := parseArgs(args, io.Discard); err != nil {
			t.Errorf("parseArgs(%q): %v", args, err)
		}
	}
	bad := [][]string{
		{"-rate", "-1"},
		{"-rate", "2000000"},
		{"-rate", "10", "-rate-fraction", "0.5"},
		{"-rate-fraction", "3"},
		{"-rate-fraction", "0.5", "-probe", "100ms"},
		{"-soak"},
		{"-soak", "-rate", "10", "-drift-limit", "0"},
		{"-soak", "-rate", "10", "-rss-every", "1ms"},
		{"-soak", "-rate", "10", "-duration", "2s"},
		{"-data-dir", "d"},
		{"-seed", "-secret-file", "s"},
		{"-data-dir", "d", "-secret-file", "s", "-scenario", "password-set"},
		{"-data-dir", "d", "-secret-file", "s", "-scenario", "recovery-assure"},
	}
	for _, args := range bad {
		if _, err := parseArgs(args, io.Discard); err == nil {
			t.Errorf("parseArgs(%q) accepted", args)
		}
	}
	o, _ := parseArgs([]string{"-soak", "-rate", "10", "-duration", "60s"}, io.Discard)
	if o.warmup != 10*time.Second {
		t.Errorf("soak default warm-up %s, want 10s", o.warmup)
	}
	o, _ = parseArgs([]string{"-soak", "-rate", "10", "-duration", "60s", "-warmup", "3s"}, io.Discard)
	if o.warmup != 3*time.Second {
		t.Errorf("an explicit warm-up %s should stay", o.warmup)
	}
}

// The JSON line carries the figures benchreport reads, and the report
// section says what the new parts of a run measured.
func TestFiguresAndMarkdown(t *testing.T) {
	o, err := parseArgs([]string{"-scenario", "change-password", "-soak", "-rate-fraction", "0.7", "-duration", "60s"}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	r := &result{o: o, want: 200, accounts: 16, requests: 3, stepNames: []string{"sign-in", "mail"}, cores: 2, started: time.Now(),
		startup: 1500 * time.Millisecond, diskAfter: 2_000_000, rate: 7, capacity: 10, probeRPS: 12, probeMails: 10, picked: "one per client"}
	r.statuses = map[int]int64{200: 10}
	r.steps = map[string]*histogram{"sign-in": {}}
	for i := range 10 {
		r.hist.record(time.Duration(i+1) * time.Millisecond)
		r.steps["sign-in"].record(time.Millisecond)
	}
	r.measured = time.Second
	v := judgeSoak(nil, time.Now(), time.Now().Add(time.Minute), 20*time.Second, 0.1, 0)
	r.soak = &v
	var f map[string]any
	if err := json.Unmarshal([]byte(r.jsonLine()), &f); err != nil {
		t.Fatal(err)
	}
	for k, want := range map[string]any{"scenario": "change-password", "rps": 10.0, "requests_per_op": 3.0, "startup_s": 1.5, "disk_after_mb": 2.0, "errors": 0.0} {
		if f[k] != want {
			t.Errorf("JSON %s = %v, want %v", k, f[k], want)
		}
	}
	md := r.markdown()
	for _, want := range []string{"One operation is 3 requests", "sign-in 1.00 ms / 1.00 ms, mail n/a", "open loop: 7 requests/s",
		"70% of the capacity, 10 req/s", "12 answers/s", "10/s, per operation", "Start-up: 1.50 s", "2.0 MB on disk", "one per client", "**Soak: FAIL"} {
		if !strings.Contains(md, want) {
			t.Errorf("the section lacks %q:\n%s", want, md)
		}
	}
}
