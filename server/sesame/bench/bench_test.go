package bench

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	mrand "math/rand/v2"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/emersion/go-smtp"

	"sesame/server/badgerdb"
	"sesame/server/config"
	"sesame/server/limit"
	"sesame/server/mail"
	"sesame/server/outbox"
	"sesame/server/sesame"
	"sesame/server/store"
	"sesame/server/token"
	"sesame/shared/api"
)

// clients is the load run's concurrency.
const clients = 16

// accounts is how many employeur accounts the server holds.
const accounts = 1000

// env is the load run's configuration: development mode, captchas off,
// every budget far above what a benchmark spends.
func env(dataDir string, sync bool) map[string]string {
	return map[string]string{
		"SESAME_DEV":                            "1",
		"SESAME_DATA_DIR":                       dataDir,
		"SESAME_SYNC_WRITES":                    onOff(sync),
		"SESAME_CAPTCHA":                        "off",
		"SESAME_SECRET_KEY":                     randomHex(32),
		"SESAME_ADMIN_TOKEN":                    randomHex(20),
		"SESAME_PUBLIC_URL":                     "http://127.0.0.1:8000",
		"SESAME_LIMIT_RECOVERY_PER_IDENTIFIER":  "1000000-H",
		"SESAME_LIMIT_RECOVERY_PER_IP":          "100000000-H",
		"SESAME_LIMIT_CODE_SENDS_PER_FLOW":      "1000000-H",
		"SESAME_LIMIT_LINK_CHECKS_PER_IP":       "100000000-H",
		"SESAME_LIMIT_SIGN_IN_PER_IP":           "100000000-H",
		"SESAME_LIMIT_CHANGE_CODES_PER_ACCOUNT": "1000000-H",
	}
}

func onOff(b bool) string {
	if b {
		return "on"
	}
	return "off"
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// variant is one way of assembling the server.
type variant struct {
	name string
	sync bool
	log  bool // the request log as the command writes it (text lines to a file), else warnings only
	smtp bool // mail through SMTP to an in-process sink, else a counting Sender
	// stall makes the Sender block until the benchmark ends: the outbox's
	// workers and its scan loop stop, leaving the request path alone.
	stall bool
}

var (
	syncOn       = variant{name: "sync=on", sync: true, log: true}
	syncOff      = variant{name: "sync=off", log: true}
	syncOffQuiet = variant{name: "sync=off,log=warn"}
	syncOnSMTP   = variant{name: "sync=on,mail=smtp", sync: true, log: true, smtp: true}
	syncOnStall  = variant{name: "sync=on,mail=stalled", sync: true, log: true, stall: true}
	syncOffStall = variant{name: "sync=off,mail=stalled", log: true, stall: true}
)

// stalledSender never delivers: Send waits until the benchmark ends.
type stalledSender struct{ done <-chan struct{} }

func (s stalledSender) Send(ctx context.Context, _ outbox.Mail) error {
	select {
	case <-s.done:
	case <-ctx.Done():
	}
	return errors.New("stalled")
}

// countingSender delivers nothing and counts.
type countingSender struct{ n atomic.Int64 }

func (s *countingSender) Send(context.Context, outbox.Mail) error { s.n.Add(1); return nil }

// started is a server serving on a loopback listener.
type started struct {
	srv  *sesame.Server
	base string
	sent func() int64
}

// startServer assembles the server as the command does, with a fresh data
// directory on disk, serves it on 127.0.0.1 and imports the accounts.
func startServer(b *testing.B, v variant) started {
	b.Helper()
	dir := b.TempDir()
	e := env(filepath.Join(dir, "data"), v.sync)
	var sent func() int64
	var opts sesame.Options
	switch {
	case v.stall:
		// Closed before the server stops (cleanups run last first), so
		// the shutdown does not wait for the stalled deliveries.
		done := make(chan struct{})
		defer b.Cleanup(func() { close(done) })
		opts.Sender, sent = stalledSender{done}, func() int64 { return 0 }
	case v.smtp:
		k := startSink(b)
		e["SESAME_SMTP_URL"] = "smtp://" + k.addr + "?tls=none"
		sent = k.n.Load
	default:
		cs := &countingSender{}
		opts.Sender, sent = cs, cs.n.Load
	}
	cfg, err := config.Load(func(k string) string { return e[k] })
	if err != nil {
		b.Fatal(err)
	}
	level := slog.LevelWarn
	if v.log {
		level = slog.LevelInfo
	}
	logFile, err := os.Create(filepath.Join(dir, "server.log"))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { logFile.Close() })
	opts.Logger = slog.New(slog.NewTextHandler(logFile, &slog.HandlerOptions{Level: level}))
	srv, err := sesame.New(cfg, opts)
	if err != nil {
		b.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		srv.Close()
		b.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- srv.Serve(ctx, ln) }()
	b.Cleanup(func() {
		cancel()
		if err := <-done; err != nil {
			b.Error(err)
		}
	})
	list := make([]api.Account, accounts)
	for i := range list {
		list[i] = api.Account{Portal: "employeur", Email: email(i), EmailVerified: true}
	}
	if _, err := srv.Importer.Import(ctx, list); err != nil {
		b.Fatal(err)
	}
	return started{srv: srv, base: "http://" + ln.Addr().String(), sent: sent}
}

func email(i int) string { return "user" + strconv.Itoa(i) + "@bench.example" }

func recoveryBodies() [][]byte {
	out := make([][]byte, accounts)
	for i := range out {
		out[i] = []byte(`{"email":"` + email(i) + `"}`)
	}
	return out
}

const recoveryPath = api.Prefix + "/portals/employeur/recovery"

// parallel runs op from about clients goroutines (RunParallel starts a
// multiple of GOMAXPROCS) and reports throughput and latency percentiles.
func parallel(b *testing.B, op func(rng *mrand.Rand) error) {
	b.Helper()
	b.SetParallelism((clients + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
	var mu sync.Mutex
	var all []time.Duration
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		rng := mrand.New(mrand.NewPCG(mrand.Uint64(), mrand.Uint64()))
		mine := make([]time.Duration, 0, 1024)
		for pb.Next() {
			t0 := time.Now()
			if err := op(rng); err != nil {
				b.Error(err)
				return
			}
			mine = append(mine, time.Since(t0))
		}
		mu.Lock()
		all = append(all, mine...)
		mu.Unlock()
	})
	b.StopTimer()
	if len(all) == 0 {
		return
	}
	slices.Sort(all)
	q := func(p float64) float64 {
		i := min(max(int(p*float64(len(all))+0.999999)-1, 0), len(all)-1)
		return float64(all[i]) / float64(time.Millisecond)
	}
	b.ReportMetric(float64(len(all))/b.Elapsed().Seconds(), "req/s")
	b.ReportMetric(q(0.50), "p50-ms")
	b.ReportMetric(q(0.99), "p99-ms")
}

// BenchmarkRecovery is POST /recovery on employeur for a known account,
// over loopback HTTP from 16 keep-alive clients: the load run's request,
// in-process.
func BenchmarkRecovery(b *testing.B) {
	bodies := recoveryBodies()
	for _, v := range []variant{syncOn, syncOff, syncOnSMTP} {
		b.Run(v.name, func(b *testing.B) {
			s := startServer(b, v)
			tr := &http.Transport{Proxy: nil, MaxIdleConnsPerHost: clients, MaxConnsPerHost: clients, DisableCompression: true}
			defer tr.CloseIdleConnections()
			client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
			url := s.base + recoveryPath
			sent0 := s.sent()
			parallel(b, func(rng *mrand.Rand) error {
				return post(client, url, bodies[rng.IntN(len(bodies))], http.StatusAccepted)
			})
			b.ReportMetric(float64(s.sent()-sent0)/b.Elapsed().Seconds(), "mails/s")
		})
	}
}

// BenchmarkRecoveryHandler is the same request given straight to the
// server's handler: no sockets, no HTTP client, only the server's work
// (the outbox still delivers in the background). Without synced writes it
// is CPU-bound, so log=warn against sync=off prices the request log.
func BenchmarkRecoveryHandler(b *testing.B) {
	bodies := recoveryBodies()
	for _, v := range []variant{syncOn, syncOnStall, syncOff, syncOffStall, syncOffQuiet} {
		b.Run(v.name, func(b *testing.B) {
			s := startServer(b, v)
			parallel(b, func(rng *mrand.Rand) error {
				r := httptest.NewRequest(http.MethodPost, recoveryPath, bytes.NewReader(bodies[rng.IntN(len(bodies))]))
				r.Header.Set("Content-Type", "application/json")
				w := httptest.NewRecorder()
				s.srv.Handler.ServeHTTP(w, r)
				if w.Code != http.StatusAccepted {
					return fmt.Errorf("status %d: %s", w.Code, w.Body)
				}
				return nil
			})
		})
	}
}

func post(c *http.Client, url string, body []byte, want int) error {
	req, err := http.NewRequest(http.MethodPost, url, bytes.NewReader(body))
	if err != nil {
		return err
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.Do(req)
	if err != nil {
		return err
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != want {
		return fmt.Errorf("status %d, want %d: %s", resp.StatusCode, want, b)
	}
	return nil
}

// openDB opens Badger in a fresh directory on disk with Badger's own
// SyncWrites: each commit synced by Badger, one after the other.
func openDB(b *testing.B, sync bool) *badger.DB {
	b.Helper()
	db, err := badgerdb.Open(badgerdb.Options{Dir: b.TempDir(), SyncWrites: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db
}

// openServerDB opens Badger as the server does: Badger syncs nothing
// itself, and with sync the Syncer makes the commits that wait for it
// durable, one fsync per group.
func openServerDB(b *testing.B, sync bool) (*badger.DB, *badgerdb.Syncer) {
	b.Helper()
	db, syncer, err := badgerdb.OpenGroupCommit(badgerdb.Options{Dir: b.TempDir(), SyncWrites: sync})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { db.Close() })
	return db, syncer
}

// BenchmarkCommit is one small Badger read-write transaction (one 17-byte
// value under a fresh key), from one client and from 16. sync=on is
// Badger's own SyncWrites: one WAL sync per transaction, in a row, even
// when concurrent commits share a write batch. sync=group is the server's
// group commit (badgerdb.OpenGroupCommit): each commit then waits for one
// sync shared with every commit made meanwhile.
func BenchmarkCommit(b *testing.B) {
	for _, mode := range []string{"on", "group", "off"} {
		for _, n := range []int{1, clients} {
			b.Run(fmt.Sprintf("sync=%s/clients=%d", mode, n), func(b *testing.B) {
				var db *badger.DB
				var syncer *badgerdb.Syncer
				if mode == "group" {
					db, syncer = openServerDB(b, true)
				} else {
					db = openDB(b, mode == "on")
				}
				var seq atomic.Int64
				val := make([]byte, 17)
				ctx := context.Background()
				op := func() error {
					k := []byte("bench/" + strconv.FormatInt(seq.Add(1), 10))
					if err := db.Update(func(txn *badger.Txn) error { return txn.Set(k, val) }); err != nil {
						return err
					}
					return syncer.Sync(ctx)
				}
				if n == 1 {
					b.ReportAllocs()
					start := time.Now()
					for b.Loop() {
						if err := op(); err != nil {
							b.Fatal(err)
						}
					}
					b.ReportMetric(float64(b.N)/time.Since(start).Seconds(), "req/s")
					return
				}
				parallel(b, func(*mrand.Rand) error { return op() })
			})
		}
	}
}

// BenchmarkLimiterTake is one count against a budget as POST /recovery
// spends two (per IP, per identifier), from 16 clients: on one key (every
// client behind the same address, as in the load run) and on distinct keys
// (most of them new: read from Badger first). The counters are written
// behind every 100 ms, as in the server.
func BenchmarkLimiterTake(b *testing.B) {
	for _, sync := range []bool{true, false} {
		for _, same := range []bool{true, false} {
			keys := "distinct"
			if same {
				keys = "same"
			}
			b.Run(fmt.Sprintf("sync=%s/key=%s", onOff(sync), keys), func(b *testing.B) {
				db, syncer := openServerDB(b, sync)
				counters := limit.NewBadgerStore(db, "l/", limit.WithSyncer(syncer))
				ctx, cancel := context.WithCancel(context.Background())
				flushed := make(chan error, 1)
				go func() { flushed <- counters.Run(ctx) }()
				defer func() { cancel(); <-flushed }()
				reg := limit.NewRegulator(counters)
				parallel(b, func(rng *mrand.Rand) error {
					key := "employeur|127.0.0.1"
					if !same {
						key = "employeur|" + email(rng.IntN(1_000_000))
					}
					v, err := reg.Take(ctx, "recovery-ip", "100000000-H", key)
					if err == nil && !v.Allowed {
						err = errors.New("refused")
					}
					return err
				})
			})
		}
	}
}

// stubRenderer renders nothing: only Enqueue is used.
type stubRenderer struct{}

func (stubRenderer) Render(outbox.Job) (outbox.Mail, error) { return outbox.Mail{}, nil }

// BenchmarkIssueToken is the store write of a recovery request for a known
// account: supersede the older token, store the new one and queue its
// mail, in one transaction made durable by the group commit, as in the
// server; 16 clients over 1000 accounts.
func BenchmarkIssueToken(b *testing.B) {
	for _, sync := range []bool{true, false} {
		b.Run("sync="+onOff(sync), func(b *testing.B) {
			db, syncer := openServerDB(b, sync)
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			out, err := outbox.New(db, key, stubRenderer{}, &countingSender{}, outbox.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			st := store.New(db, out, nil, store.WithSyncer(syncer))
			ctx := context.Background()
			var seq atomic.Int64
			parallel(b, func(rng *mrand.Rand) error {
				now := time.Now()
				t := store.Token{
					Digest: strconv.FormatInt(seq.Add(1), 36) + "-digest-0123456789abcdef0123456789abcdef", AccountID: "acct" + strconv.Itoa(rng.IntN(accounts)),
					Portal: "employeur", Purpose: "reset", Created: now, Expires: now.Add(time.Hour),
				}
				job := &outbox.Job{Kind: "reset_link", Lang: "fr", To: "user@bench.example", Secret: "secret-token", Data: map[string]string{"portal": "employeur"}}
				err := st.IssueToken(ctx, t, job)
				if errors.Is(err, store.ErrConflict) {
					return nil // two clients drew the same account five times running
				}
				return err
			})
		})
	}
}

// sink is an SMTP server that accepts and counts every mail.
type sink struct {
	addr string
	n    atomic.Int64
}

func startSink(b *testing.B) *sink {
	b.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	k := &sink{addr: ln.Addr().String()}
	srv := smtp.NewServer(smtp.BackendFunc(func(*smtp.Conn) (smtp.Session, error) { return sinkSession{k}, nil }))
	srv.Domain = "sink.bench.invalid"
	srv.ErrorLog = quiet{}
	go func() { _ = srv.Serve(ln) }()
	b.Cleanup(func() { _ = srv.Close() })
	return k
}

type quiet struct{}

func (quiet) Printf(string, ...any) {}
func (quiet) Println(...any)        {}

type sinkSession struct{ k *sink }

func (sinkSession) Reset()                               {}
func (sinkSession) Logout() error                        { return nil }
func (sinkSession) Mail(string, *smtp.MailOptions) error { return nil }
func (sinkSession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s sinkSession) Data(r io.Reader) error {
	_, err := io.Copy(io.Discard, r)
	if err == nil {
		s.k.n.Add(1)
	}
	return err
}

// BenchmarkRenderResetMail renders the employeur reset-link mail (text and
// HTML), as an outbox worker does once per delivered mail.
func BenchmarkRenderResetMail(b *testing.B) {
	e := env("", false)
	cfg, err := config.Load(func(k string) string { return e[k] })
	if err != nil {
		b.Fatal(err)
	}
	paris, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		b.Fatal(err)
	}
	r, err := mail.New(cfg.PublicURL, cfg.PortalList(), paris)
	if err != nil {
		b.Fatal(err)
	}
	job := outbox.Job{ID: "j", Kind: "reset_link", Lang: "fr", To: "user1@bench.example", Secret: token.NewLink(),
		Data: map[string]string{"portal": "employeur"}, Created: time.Now()}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := r.Render(job); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkOutboxScan walks the outbox's job prefix (Pending, the walk a
// delivery scan makes) while 10 jobs are pending, after a number of
// delivered jobs were deleted: a deleted job stays in the memtable, then
// in the tables, as a tombstone the walk steps over until compaction drops
// it. The outbox scans after every Notify and after every delivery.
func BenchmarkOutboxScan(b *testing.B) {
	for _, delivered := range []int{0, 10_000, 50_000} {
		b.Run("delivered="+strconv.Itoa(delivered), func(b *testing.B) {
			db := openDB(b, false)
			key := make([]byte, 32)
			_, _ = rand.Read(key)
			out, err := outbox.New(db, key, stubRenderer{}, &countingSender{}, outbox.Options{Logger: slog.New(slog.DiscardHandler)})
			if err != nil {
				b.Fatal(err)
			}
			enqueue := func(n int) []outbox.Job {
				var jobs []outbox.Job
				for i := 0; i < n; i += 100 {
					err := db.Update(func(txn *badger.Txn) error {
						for j := i; j < min(i+100, n); j++ {
							job, err := out.Enqueue(txn, outbox.Job{Kind: "reset_link", Lang: "fr", To: email(j), Secret: "s", Data: map[string]string{"portal": "employeur"}})
							if err != nil {
								return err
							}
							jobs = append(jobs, job)
						}
						return nil
					})
					if err != nil {
						b.Fatal(err)
					}
				}
				return jobs
			}
			done := enqueue(delivered)
			for i := 0; i < len(done); i += 1000 {
				err := db.Update(func(txn *badger.Txn) error {
					for _, j := range done[i:min(i+1000, len(done))] {
						if err := txn.Delete([]byte("outbox/job/" + j.ID)); err != nil {
							return err
						}
					}
					return nil
				})
				if err != nil {
					b.Fatal(err)
				}
			}
			enqueue(10)
			ctx := context.Background()
			if n, err := out.Pending(ctx); err != nil || n != 10 {
				b.Fatalf("pending = %d, %v; want 10 (job key prefix changed?)", n, err)
			}
			b.ReportAllocs()
			for b.Loop() {
				if _, err := out.Pending(ctx); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// BenchmarkGroupCommit prototypes a suggestion, it is not server code:
// Badger opened without SyncWrites, and a committer that makes each
// commit wait for one shared DB.Sync (vlog and active WAL) started after
// it, so 16 concurrent commits share an fsync instead of Badger's one WAL
// msync per transaction.
func BenchmarkGroupCommit(b *testing.B) {
	db := openDB(b, false)
	g := newGroupSync(db)
	defer g.close()
	var seq atomic.Int64
	val := make([]byte, 17)
	parallel(b, func(*mrand.Rand) error {
		k := []byte("bench/" + strconv.FormatInt(seq.Add(1), 10))
		if err := db.Update(func(txn *badger.Txn) error { return txn.Set(k, val) }); err != nil {
			return err
		}
		return g.wait()
	})
}

// groupSync runs one DB.Sync at a time; a waiter is released by the first
// sync that starts after it asked.
type groupSync struct {
	db   *badger.DB
	mu   sync.Mutex
	cond *sync.Cond
	want uint64 // generation asked for
	done uint64 // generation synced
	err  error
	quit bool
}

func newGroupSync(db *badger.DB) *groupSync {
	g := &groupSync{db: db}
	g.cond = sync.NewCond(&g.mu)
	go g.loop()
	return g
}

func (g *groupSync) loop() {
	g.mu.Lock()
	defer g.mu.Unlock()
	for {
		for g.want == g.done && !g.quit {
			g.cond.Wait()
		}
		if g.quit {
			return
		}
		gen := g.want
		g.mu.Unlock()
		err := g.db.Sync()
		g.mu.Lock()
		g.done, g.err = gen, err
		g.cond.Broadcast()
	}
}

func (g *groupSync) wait() error {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.want++
	gen := g.want
	g.cond.Broadcast()
	for g.done < gen && !g.quit {
		g.cond.Wait()
	}
	return g.err
}

func (g *groupSync) close() {
	g.mu.Lock()
	g.quit = true
	g.cond.Broadcast()
	g.mu.Unlock()
}
