package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"sesame/server/admin"
	"sesame/server/badgerdb"
	"sesame/server/config"
	"sesame/server/passhash"
	"sesame/server/recovery"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
	"sesame/shared/identity"
	"sesame/shared/policy"
	"sesame/shared/portal"
)

// seedSample is how many raw links -seed keeps for link-check.
const seedSample = 1000

// seed fills an empty -data-dir with -accounts employeur accounts, the
// same ones the scenarios import (user<i>@bench.example, every one with
// the bench password), and one live reset link each, then closes the
// database. It goes through the server's own code: the admin importer's
// validation and the store's PutAccounts for the accounts, the store's
// IssueToken (which supersedes, writes the token and its "current"
// pointer in one transaction) for the links, with the configuration the
// server will run with, so the server accepts every link. Only the
// Argon2id hash is shared: it is computed once, with the server's
// parameters, and given to every account (a million hashes would take
// hours; the records are the same size).
func seed(ctx context.Context, o options, progress io.Writer) error {
	start := time.Now()
	dir, err := filepath.Abs(o.dataDir)
	if err != nil {
		return err
	}
	if entries, err := os.ReadDir(dir); err == nil && len(entries) > 0 {
		return fmt.Errorf("%s is not empty: seed a fresh directory", dir)
	}
	secret, err := seedSecret(o.secretFile)
	if err != nil {
		return err
	}
	env := map[string]string{}
	for _, kv := range childEnv(nil, o, "127.0.0.1:1", dir, "smtp://127.0.0.1:1?tls=none", secret, randomToken()) {
		k, v, _ := strings.Cut(kv, "=")
		env[k] = v
	}
	cfg, err := config.Load(func(k string) string { return env[k] })
	if err != nil {
		return err
	}
	list := cfg.PortalList()
	find := func(id string) (portal.Config, bool) { return portal.Find(list, id) }
	p, ok := find("employeur")
	if !ok {
		return errors.New("no employeur portal in the configuration")
	}
	tokens, err := token.NewHasher(token.Derive(cfg.Secret(), "tokens"))
	if err != nil {
		return err
	}
	hasher, err := passhash.New(cfg.HashParams(), 1, policy.DefaultMaxBytes)
	if err != nil {
		return err
	}
	phc, err := hasher.Hash(ctx, []byte(policy.Normalize(benchPassword)))
	if err != nil {
		return err
	}

	db, err := badgerdb.Open(badgerdb.Options{Dir: dir}) // bulk load: no fsync per commit; Close flushes
	if err != nil {
		return err
	}
	st := store.New(db, nil, nil) // no mail: these links were "sent" before the run
	im := &admin.Importer{Store: st, Hasher: fixedHash(phc), Portals: find, Now: time.Now}
	err = seedAccounts(ctx, im, o.accounts, progress)
	var sample []string
	if err == nil {
		sample, err = seedLinks(ctx, st, tokens, p, o.accounts, progress)
	}
	if err == nil {
		// Settle the tables a bulk load leaves in level 0, as a database
		// that has served for a while would be, so that the runs measure
		// the server and not the compaction of the seed.
		t0 := time.Now()
		if err = db.Flatten(2); err == nil {
			fmt.Fprintf(progress, "loadgen: tables compacted in %s\n", time.Since(t0).Round(time.Millisecond))
		}
	}
	if cerr := db.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return err
	}
	if o.tokensFile != "" {
		if err := os.WriteFile(o.tokensFile, []byte(strings.Join(sample, "\n")+"\n"), 0o600); err != nil {
			return err
		}
	}
	du, _ := diskUsage(dir)
	fmt.Fprintf(progress, "loadgen: seeded %s with %d accounts and %d live reset links in %s; %s on disk\n",
		dir, o.accounts, o.accounts, time.Since(start).Round(time.Second), mbBytes(du))
	return nil
}

// seedSecret reads the secret file, or makes one (0600) if there is none.
func seedSecret(path string) (string, error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		if err := os.WriteFile(path, []byte(randomHex(32)+"\n"), 0o600); err != nil {
			return "", err
		}
	}
	return readSecret(path)
}

// fixedHash is the importer's hasher for seeding: the bench password's
// hash, computed once.
type fixedHash string

func (f fixedHash) Hash(_ context.Context, password []byte) (string, error) {
	if string(password) != policy.Normalize(benchPassword) {
		return "", errors.New("seed: only the bench password is hashed")
	}
	return string(f), nil
}

// seedAccounts imports n accounts, 1000 per transaction, from a few
// goroutines.
func seedAccounts(ctx context.Context, im *admin.Importer, n int, progress io.Writer) error {
	const batch = 1000
	t0 := time.Now()
	pw := benchPassword
	err := parallelRange(ctx, (n+batch-1)/batch, 8, func(b int) error {
		part := make([]api.Account, 0, batch)
		for i := b * batch; i < min((b+1)*batch, n); i++ {
			part = append(part, api.Account{Portal: "employeur", Email: employeurEmail(i), EmailVerified: true, Password: &pw})
		}
		_, err := im.Import(ctx, part)
		return err
	})
	if err == nil {
		fmt.Fprintf(progress, "loadgen: %d accounts stored in %s\n", n, time.Since(t0).Round(time.Millisecond))
	}
	return err
}

// seedLinks issues one reset link per account with the store's
// IssueToken, from a few goroutines, and returns the raw links of a
// sample of the accounts.
func seedLinks(ctx context.Context, st *store.Store, tokens token.Hasher, p portal.Config, n int, progress io.Writer) ([]string, error) {
	t0 := time.Now()
	every := max(n/seedSample, 1)
	var mu sync.Mutex
	var sample []string
	var done atomic.Int64
	err := parallelRange(ctx, n, 32, func(i int) error {
		e, err := identity.ParseEmail(employeurEmail(i))
		if err != nil {
			return err
		}
		a, err := st.AccountBy(ctx, p.ID, store.KindEmail, e.Key())
		if err != nil {
			return fmt.Errorf("account %d: %w", i, err)
		}
		raw := token.NewLink()
		now := time.Now()
		t := store.Token{
			Digest: tokens.Hash(recovery.PurposeReset, raw), AccountID: a.ID, Portal: p.ID,
			Purpose: recovery.PurposeReset, Created: now, Expires: now.Add(p.LinkTTL.D()),
		}
		if err := st.IssueToken(ctx, t, nil); err != nil {
			return fmt.Errorf("link %d: %w", i, err)
		}
		if i%every == 0 {
			mu.Lock()
			sample = append(sample, raw)
			mu.Unlock()
		}
		if d := done.Add(1); d%200_000 == 0 {
			fmt.Fprintf(progress, "loadgen: %d links issued (%s)\n", d, time.Since(t0).Round(time.Second))
		}
		return nil
	})
	if err == nil {
		fmt.Fprintf(progress, "loadgen: %d live reset links issued in %s (valid %s)\n", n, time.Since(t0).Round(time.Millisecond), p.LinkTTL.D())
	}
	return sample, err
}

// parallelRange calls fn(i) for every i below n from workers goroutines
// and returns the first error.
func parallelRange(ctx context.Context, n, workers int, fn func(i int) error) error {
	var next atomic.Int64
	var once sync.Once
	var first error
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	var wg sync.WaitGroup
	for range workers {
		wg.Go(func() {
			for ctx.Err() == nil {
				i := int(next.Add(1)) - 1
				if i >= n {
					return
				}
				if err := fn(i); err != nil {
					once.Do(func() { first = err; cancel() })
					return
				}
			}
		})
	}
	wg.Wait()
	if first == nil {
		first = ctx.Err()
	}
	return first
}
