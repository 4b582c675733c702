package limit

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
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

// Two stores on one database do not share their in-process locks, so
// their writes really conflict in Badger and go through the retry path.
func TestConcurrentStoresRetry(t *testing.T) {
	const goroutines, each = 20, 25
	ctx := context.Background()
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 20}
	tests := []struct {
		name       string
		maxRetries int
		allMustWin bool
	}{
		{"default retries", defaultMaxRetries, true},
		{"one attempt", 1, false}, // failures allowed, but never counted
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			db := openMem(t)
			stores := []*BadgerStore{
				NewBadgerStore(db, "r:", WithMaxRetries(tt.maxRetries)),
				NewBadgerStore(db, "r:", WithMaxRetries(tt.maxRetries)),
			}
			var mu sync.Mutex
			var ok, failed int64
			var wg sync.WaitGroup
			for i := range goroutines {
				wg.Go(func() {
					for range each {
						_, err := stores[i%2].Get(ctx, "hot", rate)
						mu.Lock()
						if err == nil {
							ok++
						} else {
							failed++
							if !errors.Is(err, badger.ErrConflict) {
								t.Errorf("Get: %v, want nil or a wrapped badger.ErrConflict", err)
							}
						}
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			got, err := stores[0].Peek(ctx, "hot", rate)
			if err != nil {
				t.Fatal(err)
			}
			if n := rate.Limit - got.Remaining; n != ok {
				t.Fatalf("counted %d, want the %d that succeeded", n, ok)
			}
			if tt.allMustWin && failed > 0 {
				t.Fatalf("%d increments failed", failed)
			}
			t.Logf("%d succeeded, %d gave up", ok, failed)
		})
	}
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
	// A closed database is an error, not a panic.
	db.Close()
	if _, err := s.Get(ctx, "k", rate); err == nil {
		t.Fatal("Get on a closed DB: nil error")
	}
}

func BenchmarkGet(b *testing.B) {
	ctx := context.Background()
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 40}
	for _, keys := range []int{1, 10000} {
		b.Run(fmt.Sprintf("keys=%d", keys), func(b *testing.B) {
			s := NewBadgerStore(openMem(b), "bench:")
			names := make([]string, keys)
			for i := range names {
				names[i] = fmt.Sprintf("198.51.100.%d/%d", i%256, i)
			}
			b.ReportAllocs()
			i := 0
			for b.Loop() {
				if _, err := s.Get(ctx, names[i%keys], rate); err != nil {
					b.Fatal(err)
				}
				i++
			}
		})
	}
}

func BenchmarkGetParallel(b *testing.B) {
	ctx := context.Background()
	rate := limiter.Rate{Period: time.Hour, Limit: 1 << 40}
	s := NewBadgerStore(openMem(b), "bench:")
	b.RunParallel(func(pb *testing.PB) {
		i := 0
		for pb.Next() {
			if _, err := s.Get(ctx, fmt.Sprintf("k%d", i%1000), rate); err != nil {
				b.Error(err)
				return
			}
			i++
		}
	})
}
