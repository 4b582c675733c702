package limit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/middleware/stdlib"
)

func openMem(t testing.TB) *badger.DB {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatalf("badger.Open: %v", err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fakeClock starts at the wall clock (Badger's TTLs run on it) and moves
// only when told.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock { return &fakeClock{t: time.Now().Truncate(time.Second)} }

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

type step struct {
	op        string        // get, peek, reset, incr, wait
	n         int64         // incr: count
	d         time.Duration // wait: how long
	remaining int64
	reached   bool
	reset     time.Duration // Context.Reset, as an offset from the start
}

func TestWindow(t *testing.T) {
	rate := limiter.Rate{Period: time.Minute, Limit: 3}
	m := time.Minute
	tests := []struct {
		name  string
		steps []step
	}{
		{"peek on nothing opens nothing", []step{
			{op: "peek", remaining: 3, reset: m},
			{op: "wait", d: 30 * time.Second},
			{op: "peek", remaining: 3, reset: 90 * time.Second},
			{op: "get", remaining: 2, reset: 90 * time.Second},
		}},
		{"get counts, peek does not", []step{
			{op: "get", remaining: 2, reset: m},
			{op: "peek", remaining: 2, reset: m},
			{op: "peek", remaining: 2, reset: m},
			{op: "wait", d: 10 * time.Second},
			{op: "get", remaining: 1, reset: m}, // the window does not slide
			{op: "get", remaining: 0, reset: m},
			{op: "peek", remaining: 0, reset: m},
		}},
		{"reached after limit, stays reached", []step{
			{op: "get", remaining: 2, reset: m},
			{op: "get", remaining: 1, reset: m},
			{op: "get", remaining: 0, reset: m},
			{op: "get", remaining: 0, reached: true, reset: m},
			{op: "peek", remaining: 0, reached: true, reset: m},
			{op: "get", remaining: 0, reached: true, reset: m},
		}},
		{"new window after expiry", []step{
			{op: "incr", n: 4, remaining: 0, reached: true, reset: m},
			{op: "wait", d: m - time.Nanosecond},
			{op: "peek", remaining: 0, reached: true, reset: m},
			{op: "wait", d: time.Nanosecond}, // exactly at the end: a new window
			{op: "peek", remaining: 3, reset: 2 * m},
			{op: "get", remaining: 2, reset: 2 * m},
			{op: "wait", d: 5 * m},
			{op: "get", remaining: 2, reset: 7 * m},
		}},
		{"reset clears", []step{
			{op: "incr", n: 10, remaining: 0, reached: true, reset: m},
			{op: "wait", d: 20 * time.Second},
			{op: "reset", remaining: 3, reset: 80 * time.Second},
			{op: "peek", remaining: 3, reset: 80 * time.Second},
			{op: "get", remaining: 2, reset: 80 * time.Second},
			{op: "reset", remaining: 3, reset: 80 * time.Second},
			{op: "reset", remaining: 3, reset: 80 * time.Second}, // on nothing
		}},
		{"increment by zero and many", []step{
			{op: "incr", n: 0, remaining: 3, reset: m},
			{op: "peek", remaining: 3, reset: m},
			{op: "incr", n: 3, remaining: 0, reset: m},
			{op: "incr", n: math.MaxInt64, remaining: 0, reached: true, reset: m},
			{op: "incr", n: math.MaxInt64, remaining: 0, reached: true, reset: m}, // saturates
		}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx := context.Background()
			clock := newFakeClock()
			start := clock.Now()
			s := NewBadgerStore(openMem(t), "test:", WithClock(clock.Now))
			for i, st := range tt.steps {
				var got limiter.Context
				var err error
				switch st.op {
				case "get":
					got, err = s.Get(ctx, "k", rate)
				case "peek":
					got, err = s.Peek(ctx, "k", rate)
				case "reset":
					got, err = s.Reset(ctx, "k", rate)
				case "incr":
					got, err = s.Increment(ctx, "k", st.n, rate)
				case "wait":
					clock.Advance(st.d)
					continue
				}
				if err != nil {
					t.Fatalf("step %d %s: %v", i, st.op, err)
				}
				want := limiter.Context{Limit: 3, Remaining: st.remaining, Reached: st.reached, Reset: start.Add(st.reset).Unix()}
				if got != want {
					t.Fatalf("step %d %s = %+v, want %+v", i, st.op, got, want)
				}
			}
		})
	}
}

// An expired window must read as empty even while Badger still holds it:
// Badger drops expired entries lazily and on its own (wall) clock.
func TestExpiryCheckedOnRead(t *testing.T) {
	ctx := context.Background()
	clock := newFakeClock()
	db := openMem(t)
	s := NewBadgerStore(db, "p/", WithClock(clock.Now))
	rate := limiter.Rate{Period: time.Second, Limit: 1}
	if _, err := s.Increment(ctx, "k", 5, rate); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	var expiresAt uint64
	if err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte("p/k")) // stored under prefix+key
		if err == nil {
			expiresAt = item.ExpiresAt()
		}
		return err
	}); err != nil {
		t.Fatalf("raw key: %v", err)
	}
	end := clock.Now().Add(time.Second).Unix()
	if expiresAt < uint64(end) || expiresAt > uint64(end)+2 {
		t.Fatalf("Badger ExpiresAt = %d, want the window end %d rounded up", expiresAt, end)
	}
	clock.Advance(time.Second)
	got, err := s.Peek(ctx, "k", rate)
	if err != nil || got.Reached || got.Remaining != 1 {
		t.Fatalf("Peek after expiry = %+v, %v; want a fresh window", got, err)
	}
	// The same from Badger, where the record is still there.
	fresh := NewBadgerStore(db, "p/", WithClock(clock.Now))
	got, err = fresh.Peek(ctx, "k", rate)
	if err != nil || got.Reached || got.Remaining != 1 {
		t.Fatalf("Peek of the stored record after expiry = %+v, %v; want a fresh window", got, err)
	}
}

func TestPrefixesAreIndependent(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	rate := limiter.Rate{Period: time.Hour, Limit: 5}
	a, b := NewBadgerStore(db, "a:"), NewBadgerStore(db, "b:")
	for range 3 {
		if _, err := a.Get(ctx, "k", rate); err != nil {
			t.Fatal(err)
		}
	}
	if got, _ := a.Peek(ctx, "k", rate); got.Remaining != 2 {
		t.Fatalf("a: remaining %d, want 2", got.Remaining)
	}
	if got, _ := b.Peek(ctx, "k", rate); got.Remaining != 5 {
		t.Fatalf("b: remaining %d, want 5", got.Remaining)
	}
	if got, _ := a.Peek(ctx, "other", rate); got.Remaining != 5 {
		t.Fatalf("a other key: remaining %d, want 5", got.Remaining)
	}
}

func TestConcurrentIncrements(t *testing.T) {
	const goroutines, each = 100, 10
	ctx := context.Background()
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 20}
	s := NewBadgerStore(openMem(t), "c:")
	var mu sync.Mutex
	seen := make(map[int64]bool)
	var wg sync.WaitGroup
	for range goroutines {
		wg.Go(func() {
			for range each {
				got, err := s.Get(ctx, "hot", rate)
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				if seen[got.Remaining] {
					t.Errorf("two increments saw remaining %d", got.Remaining)
				}
				seen[got.Remaining] = true
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	got, err := s.Peek(ctx, "hot", rate)
	if err != nil {
		t.Fatal(err)
	}
	if n := rate.Limit - got.Remaining; n != goroutines*each {
		t.Fatalf("counted %d, want %d", n, goroutines*each)
	}
}

// Counting writes nothing: Flush writes every changed counter in one
// batch, and a reset counter is deleted.
func TestFlushWritesBehind(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	s := NewBadgerStore(db, "w:")
	rate := limiter.Rate{Period: time.Hour, Limit: 10}
	for range 3 {
		if _, err := s.Get(ctx, "a", rate); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := s.Get(ctx, "b", rate); err != nil {
		t.Fatal(err)
	}
	if st, found := raw(t, db, "w:a"); found {
		t.Fatalf("before Flush: stored %+v, want nothing", st)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := raw(t, db, "w:a"); st.count != 3 {
		t.Fatalf("after Flush: a = %+v, want count 3", st)
	}
	if st, _ := raw(t, db, "w:b"); st.count != 1 {
		t.Fatalf("after Flush: b = %+v, want count 1", st)
	}
	if _, err := s.Reset(ctx, "a", rate); err != nil {
		t.Fatal(err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st, found := raw(t, db, "w:a"); found {
		t.Fatalf("after Reset and Flush: a = %+v, want deleted", st)
	}
}

// Run flushes on its own, and once more when stopped: a stop loses
// nothing.
func TestRunFlushes(t *testing.T) {
	db := openMem(t)
	s := NewBadgerStore(db, "r:", WithFlushInterval(5*time.Millisecond))
	rate := limiter.Rate{Period: time.Hour, Limit: 1000}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	if _, err := s.Get(ctx, "k", rate); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		if st, _ := raw(t, db, "r:k"); st.count == 1 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("Run did not flush within 5 s")
		}
		time.Sleep(time.Millisecond)
	}
	for range 41 {
		if _, err := s.Get(context.Background(), "k", rate); err != nil {
			t.Fatal(err)
		}
	}
	cancel()
	if err := <-done; err != nil {
		t.Fatalf("Run = %v", err)
	}
	if st, _ := raw(t, db, "r:k"); st.count != 42 {
		t.Fatalf("after stop: %+v, want count 42", st)
	}
}

// A crash loses what was counted since the last flush, nothing before:
// the documented trade-off of counting in memory.
func TestCrashLosesOnlyUnflushed(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	rate := limiter.Rate{Period: time.Hour, Limit: 100}
	s := NewBadgerStore(db, "c:")
	for range 5 {
		if _, err := s.Get(ctx, "k", rate); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for range 3 {
		if _, err := s.Get(ctx, "k", rate); err != nil {
			t.Fatal(err)
		}
	}
	// The process dies: a new store starts from what Badger holds.
	after := NewBadgerStore(db, "c:")
	got, err := after.Peek(ctx, "k", rate)
	if err != nil {
		t.Fatal(err)
	}
	if got.Remaining != 95 {
		t.Fatalf("after the crash: remaining %d, want 95 (5 flushed, 3 lost)", got.Remaining)
	}
}

// Memory stays bounded by evicting flushed counters, which are read back
// from Badger, never older than memory; counters not yet flushed are never
// evicted.
func TestEvictionReadsBack(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	s := NewBadgerStore(db, "e:", WithMaxKeys(shards*4))
	rate := limiter.Rate{Period: time.Hour, Limit: 1000}
	const keys = 2000
	hit := func(round int) {
		t.Helper()
		for i := range keys {
			got, err := s.Get(ctx, fmt.Sprintf("k%d", i), rate)
			if err != nil {
				t.Fatal(err)
			}
			if want := int64(1000 - round); got.Remaining != want {
				t.Fatalf("round %d, key %d: remaining %d, want %d", round, i, got.Remaining, want)
			}
		}
	}
	hit(1) // nothing flushed yet: every counter stays
	if n := s.size(); n != keys {
		t.Fatalf("%d counters in memory before a flush, want all %d", n, keys)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	for round := 2; round <= 4; round++ {
		hit(round)
		if err := s.Flush(ctx); err != nil {
			t.Fatal(err)
		}
	}
	if n := s.size(); n >= keys/2 {
		t.Fatalf("%d counters in memory after flushes, want eviction towards %d", n, shards*4)
	}
}

// Counting, flushing and evicting at once loses no increment.
func TestConcurrentFlushAndEviction(t *testing.T) {
	ctx := context.Background()
	db := openMem(t)
	s := NewBadgerStore(db, "x:", WithMaxKeys(shards))
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 20}
	const workers, each, keys = 8, 500, 300
	stop := make(chan struct{})
	flushed := make(chan struct{})
	go func() {
		defer close(flushed)
		for {
			select {
			case <-stop:
				return
			default:
			}
			if err := s.Flush(ctx); err != nil {
				t.Error(err)
				return
			}
		}
	}()
	var wg sync.WaitGroup
	for w := range workers {
		wg.Go(func() {
			for i := range each {
				if _, err := s.Get(ctx, fmt.Sprintf("k%d", (w*each+i)%keys), rate); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	close(stop)
	<-flushed
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	fresh := NewBadgerStore(db, "x:")
	var total int64
	for i := range keys {
		got, err := fresh.Peek(ctx, fmt.Sprintf("k%d", i), rate)
		if err != nil {
			t.Fatal(err)
		}
		total += rate.Limit - got.Remaining
	}
	if total != workers*each {
		t.Fatalf("counted %d in Badger, want %d", total, workers*each)
	}
	s.size()
}

// size counts the counters in memory, and checks each shard's count of
// evictable ones.
func (s *BadgerStore) size() int {
	n := 0
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		n += len(sh.m)
		clean := 0
		for _, c := range sh.m {
			if c.ver == c.saved {
				clean++
			}
		}
		if clean != sh.clean {
			panic(fmt.Sprintf("shard %d: %d saved counters, counted %d", i, clean, sh.clean))
		}
		sh.mu.Unlock()
	}
	return n
}

// raw reads a counter as stored in Badger.
func raw(t *testing.T, db *badger.DB, key string) (st state, found bool) {
	t.Helper()
	err := db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		found = true
		return item.Value(func(v []byte) error {
			st, err = decode(v)
			return err
		})
	})
	if err != nil {
		t.Fatalf("raw %s: %v", key, err)
	}
	return st, found
}

func TestSurvivesRestart(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	rate := limiter.Rate{Period: time.Hour, Limit: 3}
	open := func() *badger.DB {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			t.Fatalf("badger.Open: %v", err)
		}
		return db
	}

	db := open()
	s := NewBadgerStore(db, "login:")
	runCtx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	go func() { done <- s.Run(runCtx) }()
	var before limiter.Context
	for range 4 {
		var err error
		if before, err = s.Get(ctx, "192.0.2.1", rate); err != nil {
			t.Fatal(err)
		}
	}
	if !before.Reached {
		t.Fatalf("before restart: %+v, want reached", before)
	}
	if _, err := s.Get(ctx, "192.0.2.2", rate); err != nil {
		t.Fatal(err)
	}
	stop() // the last flush
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}

	db = open()
	defer db.Close()
	s = NewBadgerStore(db, "login:")
	after, err := s.Peek(ctx, "192.0.2.1", rate)
	if err != nil {
		t.Fatal(err)
	}
	if after != before {
		t.Fatalf("after restart: %+v, want %+v", after, before)
	}
	if got, _ := s.Get(ctx, "192.0.2.2", rate); got.Remaining != 1 {
		t.Fatalf("second key after restart: remaining %d, want 1", got.Remaining)
	}
}

func TestWithLimiter(t *testing.T) {
	ctx := context.Background()
	store := NewBadgerStore(openMem(t), "lim:")
	lim := limiter.New(store, limiter.Rate{Period: time.Minute, Limit: 2})
	for i := range 3 {
		got, err := lim.Get(ctx, "alice")
		if err != nil {
			t.Fatal(err)
		}
		if want := i >= 2; got.Reached != want {
			t.Fatalf("hit %d: reached %v, want %v", i+1, got.Reached, want)
		}
	}
	if got, _ := lim.Peek(ctx, "alice"); !got.Reached {
		t.Fatalf("Peek: %+v, want reached", got)
	}
	if got, _ := lim.Reset(ctx, "alice"); got.Reached || got.Remaining != 2 {
		t.Fatalf("Reset: %+v, want a fresh window", got)
	}

	// And through limiter's own net/http middleware.
	mw := stdlib.NewMiddleware(lim)
	h := mw.Handler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {}))
	for i, want := range []int{200, 200, 429, 429} {
		req := httptest.NewRequest("POST", "/recover", nil)
		req.RemoteAddr = "198.51.100.7:4444"
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Fatalf("request %d: status %d, want %d", i+1, rec.Code, want)
		}
		if got := rec.Header().Get("X-RateLimit-Limit"); got != "2" {
			t.Fatalf("request %d: X-RateLimit-Limit %q, want 2", i+1, got)
		}
	}
}

func TestErrors(t *testing.T) {
	rate := limiter.Rate{Period: time.Minute, Limit: 1}
	db := openMem(t)
	s := NewBadgerStore(db, "e:")
	if err := db.Update(func(txn *badger.Txn) error { return txn.Set([]byte("e:bad"), []byte("garbage")) }); err != nil {
		t.Fatal(err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	ctx := context.Background()
	tests := []struct {
		name string
		call func() (limiter.Context, error)
		want error // nil: any error
	}{
		{"corrupt get", func() (limiter.Context, error) { return s.Get(ctx, "bad", rate) }, ErrCorrupt},
		{"corrupt peek", func() (limiter.Context, error) { return s.Peek(ctx, "bad", rate) }, ErrCorrupt},
		{"zero period", func() (limiter.Context, error) { return s.Get(ctx, "k", limiter.Rate{Limit: 1}) }, nil},
		{"negative count", func() (limiter.Context, error) { return s.Increment(ctx, "k", -1, rate) }, nil},
		{"cancelled get", func() (limiter.Context, error) { return s.Get(cancelled, "k", rate) }, context.Canceled},
		{"cancelled peek", func() (limiter.Context, error) { return s.Peek(cancelled, "k", rate) }, context.Canceled},
		{"cancelled reset", func() (limiter.Context, error) { return s.Reset(cancelled, "k", rate) }, context.Canceled},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := tt.call()
			if err == nil || (tt.want != nil && !errors.Is(err, tt.want)) {
				t.Fatalf("= %+v, %v; want error %v", got, err, tt.want)
			}
		})
	}
	// A corrupt record can still be cleared.
	if _, err := s.Reset(ctx, "bad", rate); err != nil {
		t.Fatalf("Reset(corrupt) = %v", err)
	}
	if _, err := s.Get(ctx, "bad", rate); err != nil {
		t.Fatalf("Get after Reset = %v", err)
	}
	if err := s.Flush(ctx); err != nil {
		t.Fatal(err)
	}
	if st, _ := raw(t, db, "e:bad"); st.count != 1 {
		t.Fatalf("stored after Reset, Get and Flush: %+v, want count 1", st)
	}
	// A closed database is an error, not a panic.
	db.Close()
	if _, err := s.Get(ctx, "k", rate); err == nil {
		t.Fatal("Get on a closed DB: nil error")
	}
}

// running starts s.Run until the benchmark ends, as the server runs it.
func running(b *testing.B, s *BadgerStore) *BadgerStore {
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- s.Run(ctx) }()
	b.Cleanup(func() { cancel(); <-done })
	return s
}

// BenchmarkGet counts hits on 1 key, on 10,000 keys, and on a million
// (most of them new: read from Badger, and evicted again once flushed).
func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 40}
	for _, keys := range []int{1, 10000, 1000000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			s := running(b, NewBadgerStore(openMem(b), "bench:"))
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Get(ctx, "198.51.100.7/"+strconv.Itoa(i%keys), rate); err != nil {
					b.Fatal(err)
				}
				i += 7919 // a prime: the keys come in no order
			}
		})
	}
}

// BenchmarkGetParallel is 16 clients counting on one key (every client
// behind one address) and on distinct keys.
func BenchmarkGetParallel(b *testing.B) {
	ctx := context.Background()
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 40}
	for _, keys := range []int{1, 1000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			s := running(b, NewBadgerStore(openMem(b), "bench:"))
			b.SetParallelism(8)
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				i := 0
				for pb.Next() {
					if _, err := s.Get(ctx, "k"+strconv.Itoa(i%keys), rate); err != nil {
						b.Error(err)
						return
					}
					i++
				}
			})
		})
	}
}
