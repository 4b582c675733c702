package passhash

import (
	"context"
	"errors"
	"runtime"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

func newTestHasher(t testing.TB, p Params, inFlight int) *Hasher {
	t.Helper()
	h, err := New(p, inFlight, 1024)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return h
}

func TestValidate(t *testing.T) {
	d := DefaultParams
	with := func(f func(*Params)) Params { p := d; f(&p); return p }
	tests := []struct {
		name string
		p    Params
		ok   bool
	}{
		{"default", d, true},
		{"owasp 47104/1", with(func(p *Params) { p.Memory, p.Time = 47104, 1 }), true},
		{"owasp 19456/2", with(func(p *Params) { p.Memory, p.Time = 19456, 2 }), true},
		{"owasp 12288/3", with(func(p *Params) { p.Memory, p.Time = 12288, 3 }), true},
		{"owasp 9216/4", with(func(p *Params) { p.Memory, p.Time = 9216, 4 }), true},
		{"owasp 7168/5", with(func(p *Params) { p.Memory, p.Time = 7168, 5 }), true},
		{"more of both", with(func(p *Params) { p.Memory, p.Time = 65536, 3 }), true},
		{"47103/1", with(func(p *Params) { p.Memory, p.Time = 47103, 1 }), false},
		{"19455/2", with(func(p *Params) { p.Memory, p.Time = 19455, 2 }), false},
		{"12287/3", with(func(p *Params) { p.Memory, p.Time = 12287, 3 }), false},
		{"9215/4", with(func(p *Params) { p.Memory, p.Time = 9215, 4 }), false},
		{"7167/20", with(func(p *Params) { p.Memory, p.Time = 7167, 20 }), false},
		{"19456/1", with(func(p *Params) { p.Time = 1 }), false},
		{"time 0", with(func(p *Params) { p.Time = 0 }), false},
		{"threads 0", with(func(p *Params) { p.Threads = 0 }), false},
		{"threads 17", with(func(p *Params) { p.Threads = 17 }), false},
		{"salt 15", with(func(p *Params) { p.SaltLen = 15 }), false},
		{"salt 65", with(func(p *Params) { p.SaltLen = 65 }), false},
		{"key 15", with(func(p *Params) { p.KeyLen = 15 }), false},
		{"key 129", with(func(p *Params) { p.KeyLen = 129 }), false},
		{"memory over 1 GiB", with(func(p *Params) { p.Memory = 1<<20 + 1 }), false},
		{"time 21", with(func(p *Params) { p.Time = 21 }), false},
		{"zero", Params{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := tt.p.Validate()
			if tt.ok && err != nil {
				t.Fatalf("Validate(%+v) = %v, want nil", tt.p, err)
			}
			if !tt.ok && !errors.Is(err, ErrInvalidParams) {
				t.Fatalf("Validate(%+v) = %v, want ErrInvalidParams", tt.p, err)
			}
		})
	}
}

func TestNewRejects(t *testing.T) {
	tests := []struct {
		name          string
		p             Params
		inFlight, max int
	}{
		{"weak params", Params{Memory: 4096, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}, 1, 64},
		{"no slot", DefaultParams, 0, 64},
		{"no input", DefaultParams, 1, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if h, err := New(tt.p, tt.inFlight, tt.max); err == nil {
				t.Fatalf("New = %v, nil; want an error", h)
			}
		})
	}
}

// Vectors from the reference implementation (Debian's argon2 CLI, e.g.
// `echo -n PASSWORD | argon2 SALT -id -k 19456 -t 2 -p 1 -l 32 -e`), so
// the encoding and parameter order are checked against more than ourselves.
func TestReferenceVectors(t *testing.T) {
	h := newTestHasher(t, DefaultParams, 2)
	tests := []struct {
		phc, password string
		rehash        bool
	}{
		{"$argon2id$v=19$m=19456,t=2,p=1$c2VzYW1lLXNhbHQtMTZieQ$LmoyWWTDnaxrZ/UeyrcYf/pQ7leq87A34h02z15ck7w", "correct horse battery staple", false},
		{"$argon2id$v=19$m=32768,t=2,p=1$c2VzYW1lLXNhbHQtMTZieQ$D2g2cMQUVNkTZypb6+b6AgB5l+XEONzieCQ/+0WNA84", "correct horse battery staple", false},
		// t=1 and a 16-byte key are below the defaults: verify, then rehash.
		{"$argon2id$v=19$m=47104,t=1,p=2$YW5vdGhlci1zYWx0LXh5eg$amNGx9LX3VIj/W/xfJzaqQ", "mot de passe é", true},
	}
	for _, tt := range tests {
		ok, rehash, err := h.Verify(context.Background(), tt.phc, []byte(tt.password))
		if err != nil || !ok || rehash != tt.rehash {
			t.Errorf("Verify(%s) = %v, %v, %v; want true, %v, nil", tt.phc, ok, rehash, err, tt.rehash)
		}
		ok, _, err = h.Verify(context.Background(), tt.phc, []byte(tt.password+"x"))
		if err != nil || ok {
			t.Errorf("Verify(%s, wrong) = %v, %v; want false, nil", tt.phc, ok, err)
		}
	}
}

func TestRoundTrip(t *testing.T) {
	ctx := context.Background()
	h := newTestHasher(t, DefaultParams, 2)
	for _, pw := range []string{"", "hunter2", "Mot-de-passe très long et accentué ✓", strings.Repeat("a", 1024)} {
		s, err := h.Hash(ctx, []byte(pw))
		if err != nil {
			t.Fatalf("Hash: %v", err)
		}
		if want := "$argon2id$v=19$m=19456,t=2,p=1$"; !strings.HasPrefix(s, want) {
			t.Fatalf("Hash = %q, want prefix %q", s, want)
		}
		p, salt, key, err := ParsePHC(s)
		if err != nil || p != DefaultParams || len(salt) != 16 || len(key) != 32 {
			t.Fatalf("ParsePHC(%q) = %+v, %d-byte salt, %d-byte key, %v", s, p, len(salt), len(key), err)
		}
		ok, rehash, err := h.Verify(ctx, s, []byte(pw))
		if !ok || rehash || err != nil {
			t.Fatalf("Verify(right) = %v, %v, %v; want true, false, nil", ok, rehash, err)
		}
		wrong := []byte("x")
		if pw != "" {
			wrong = []byte(pw) // same length, so within maxInputBytes
			wrong[0] ^= 1
		}
		ok, rehash, err = h.Verify(ctx, s, wrong)
		if ok || rehash || err != nil {
			t.Fatalf("Verify(wrong) = %v, %v, %v; want false, false, nil", ok, rehash, err)
		}
	}
	a, _ := h.Hash(ctx, []byte("same"))
	b, _ := h.Hash(ctx, []byte("same"))
	if a == b {
		t.Fatal("two hashes of one password are equal: salt not random")
	}
}

func TestNeedsRehash(t *testing.T) {
	ctx := context.Background()
	stored := newTestHasher(t, DefaultParams, 1)
	phc, err := stored.Hash(ctx, []byte("pw"))
	if err != nil {
		t.Fatal(err)
	}
	d := DefaultParams
	with := func(f func(*Params)) Params { p := d; f(&p); return p }
	tests := []struct {
		name    string
		current Params
		want    bool
	}{
		{"same", d, false},
		{"more memory", with(func(p *Params) { p.Memory = 47104 }), true},
		{"more passes", with(func(p *Params) { p.Time = 3 }), true},
		{"longer key", with(func(p *Params) { p.KeyLen = 64 }), true},
		{"longer salt", with(func(p *Params) { p.SaltLen = 32 }), true},
		{"more threads only", with(func(p *Params) { p.Threads = 2 }), false},
		{"weaker current", with(func(p *Params) { p.Memory, p.Time = 12288, 3 }), true}, // time rose
		{"less memory, same time", with(func(p *Params) { p.Memory, p.Time = 47104, 1 }), true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := newTestHasher(t, tt.current, 1)
			ok, rehash, err := h.Verify(ctx, phc, []byte("pw"))
			if !ok || err != nil || rehash != tt.want {
				t.Fatalf("Verify = %v, %v, %v; want true, %v, nil", ok, rehash, err, tt.want)
			}
			// A wrong password never asks for a rehash.
			if ok, rehash, _ := h.Verify(ctx, phc, []byte("nope")); ok || rehash {
				t.Fatalf("Verify(wrong) = %v, %v; want false, false", ok, rehash)
			}
		})
	}
	// Stored stronger than current: no rehash (never downgrade).
	strong := newTestHasher(t, with(func(p *Params) { p.Memory, p.Time = 32768, 3 }), 1)
	phc, _ = strong.Hash(ctx, []byte("pw"))
	if ok, rehash, err := stored.Verify(ctx, phc, []byte("pw")); !ok || rehash || err != nil {
		t.Fatalf("Verify(stronger stored) = %v, %v, %v; want true, false, nil", ok, rehash, err)
	}
}

const validPHC = "$argon2id$v=19$m=19456,t=2,p=1$c2VzYW1lLXNhbHQtMTZieQ$LmoyWWTDnaxrZ/UeyrcYf/pQ7leq87A34h02z15ck7w"

func TestMalformed(t *testing.T) {
	const salt, key = "c2VzYW1lLXNhbHQtMTZieQ", "LmoyWWTDnaxrZ/UeyrcYf/pQ7leq87A34h02z15ck7w"
	tests := []struct {
		name, phc string
		want      error
	}{
		{"empty", "", ErrMalformed},
		{"garbage", "not a hash", ErrMalformed},
		{"dollars only", "$$$$$", ErrMalformed},
		{"bcrypt", "$2b$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", ErrMalformed},
		{"argon2i", "$argon2i$v=19$m=19456,t=2,p=1$" + salt + "$" + key, ErrUnsupported},
		{"argon2d", "$argon2d$v=19$m=19456,t=2,p=1$" + salt + "$" + key, ErrUnsupported},
		{"version 16", "$argon2id$v=16$m=19456,t=2,p=1$" + salt + "$" + key, ErrUnsupported},
		{"no version", "$argon2id$m=19456,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"no leading dollar", "argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"trailing dollar", validPHC + "$", ErrMalformed},
		{"version word", "$argon2id$v=nineteen$m=19456,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"params reordered", "$argon2id$v=19$t=2,m=19456,p=1$" + salt + "$" + key, ErrMalformed},
		{"param missing", "$argon2id$v=19$m=19456,t=2$" + salt + "$" + key, ErrMalformed},
		{"extra param", "$argon2id$v=19$m=19456,t=2,p=1,keyid=x$" + salt + "$" + key, ErrMalformed},
		{"leading zero", "$argon2id$v=19$m=019456,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"plus sign", "$argon2id$v=19$m=+19456,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"negative", "$argon2id$v=19$m=-1,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"space", "$argon2id$v=19$m=19456, t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"memory 4 GiB", "$argon2id$v=19$m=4194304,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"memory overflow", "$argon2id$v=19$m=99999999999999999999,t=2,p=1$" + salt + "$" + key, ErrMalformed},
		{"memory under 8p", "$argon2id$v=19$m=15,t=1,p=2$" + salt + "$" + key, ErrMalformed},
		{"time 0", "$argon2id$v=19$m=19456,t=0,p=1$" + salt + "$" + key, ErrMalformed},
		{"time 21", "$argon2id$v=19$m=19456,t=21,p=1$" + salt + "$" + key, ErrMalformed},
		{"threads 0", "$argon2id$v=19$m=19456,t=2,p=0$" + salt + "$" + key, ErrMalformed},
		{"threads 17", "$argon2id$v=19$m=19456,t=2,p=17$" + salt + "$" + key, ErrMalformed},
		{"threads 256", "$argon2id$v=19$m=19456,t=2,p=256$" + salt + "$" + key, ErrMalformed},
		{"empty salt", "$argon2id$v=19$m=19456,t=2,p=1$$" + key, ErrMalformed},
		{"short salt", "$argon2id$v=19$m=19456,t=2,p=1$YWJj$" + key, ErrMalformed},
		{"long salt", "$argon2id$v=19$m=19456,t=2,p=1$" + strings.Repeat("QUFB", 22) + "$" + key, ErrMalformed},
		{"padded salt", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "==$" + key, ErrMalformed},
		{"url base64 key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$LmoyWWTDnaxrZ_UeyrcYf_pQ7leq87A34h02z15ck7w", ErrMalformed},
		{"stray bits", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$LmoyWWTDnaxrZ/UeyrcYf/pQ7leq87A34h02z15ck7x", ErrMalformed},
		{"short key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$YWI", ErrMalformed},
		{"long key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("QUFB", 43), ErrMalformed},
		{"newline in key", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + key[:20] + "\r\n" + key[20:], ErrMalformed},
		{"huge", "$argon2id$v=19$m=19456,t=2,p=1$" + salt + "$" + strings.Repeat("A", 10000), ErrMalformed},
	}
	h := newTestHasher(t, DefaultParams, 1)
	var hashed atomic.Int32
	h.onHash = func() { hashed.Add(1) }
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if _, _, _, err := ParsePHC(tt.phc); !errors.Is(err, tt.want) {
				t.Fatalf("ParsePHC(%q) = %v, want %v", tt.phc, err, tt.want)
			}
			ok, rehash, err := h.Verify(context.Background(), tt.phc, []byte("pw"))
			if ok || rehash || !errors.Is(err, tt.want) {
				t.Fatalf("Verify(%q) = %v, %v, %v; want false, false, %v", tt.phc, ok, rehash, err, tt.want)
			}
		})
	}
	if n := hashed.Load(); n != 0 {
		t.Fatalf("%d hashes computed for malformed strings, want 0", n)
	}
}

func TestTooLong(t *testing.T) {
	ctx := context.Background()
	h, err := New(DefaultParams, 1, 8)
	if err != nil {
		t.Fatal(err)
	}
	var hashed atomic.Int32
	h.onHash = func() { hashed.Add(1) }
	long := []byte("123456789")
	if _, err := h.Hash(ctx, long); !errors.Is(err, ErrTooLong) {
		t.Errorf("Hash = %v, want ErrTooLong", err)
	}
	if _, _, err := h.Verify(ctx, validPHC, long); !errors.Is(err, ErrTooLong) {
		t.Errorf("Verify = %v, want ErrTooLong", err)
	}
	if err := h.Dummy(ctx, long); !errors.Is(err, ErrTooLong) {
		t.Errorf("Dummy = %v, want ErrTooLong", err)
	}
	if n := hashed.Load(); n != 0 {
		t.Fatalf("%d hashes computed for over-long input, want 0", n)
	}
	if _, err := h.Hash(ctx, long[:8]); err != nil {
		t.Errorf("Hash(8 bytes) = %v, want nil", err)
	}
}

func TestDummy(t *testing.T) {
	h := newTestHasher(t, DefaultParams, 1)
	var hashed atomic.Int32
	h.onHash = func() { hashed.Add(1) }
	if err := h.Dummy(context.Background(), []byte("anything")); err != nil {
		t.Fatalf("Dummy: %v", err)
	}
	if n := hashed.Load(); n != 1 {
		t.Fatalf("Dummy computed %d hashes, want 1 (same work as Verify)", n)
	}
	p, _, _, err := ParsePHC(h.dummy)
	if err != nil || p != DefaultParams {
		t.Fatalf("dummy hash params = %+v, %v; want the current params", p, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := h.Dummy(ctx, []byte("x")); !errors.Is(err, context.Canceled) {
		t.Fatalf("Dummy(cancelled) = %v, want context.Canceled", err)
	}
}

// TestConcurrencyBound holds every hash inside the semaphore until the
// test has seen that no more than maxInFlight got in.
func TestConcurrencyBound(t *testing.T) {
	const maxInFlight, callers = 3, 10
	h := newTestHasher(t, DefaultParams, maxInFlight)
	var inside, peak atomic.Int32
	entered := make(chan struct{}, callers)
	release := make(chan struct{})
	h.onHash = func() {
		n := inside.Add(1)
		for {
			p := peak.Load()
			if n <= p || peak.CompareAndSwap(p, n) {
				break
			}
		}
		entered <- struct{}{}
		<-release
		inside.Add(-1)
	}
	var wg sync.WaitGroup
	for range callers {
		wg.Go(func() {
			if _, err := h.Hash(context.Background(), []byte("pw")); err != nil {
				t.Errorf("Hash: %v", err)
			}
		})
	}
	for range maxInFlight {
		<-entered
	}
	select {
	case <-entered:
		t.Fatalf("a hash started while %d were already running", maxInFlight)
	case <-time.After(100 * time.Millisecond):
	}
	close(release)
	wg.Wait()
	if p := peak.Load(); p != maxInFlight {
		t.Fatalf("peak concurrency %d, want %d", p, maxInFlight)
	}
}

func TestContextWhileWaiting(t *testing.T) {
	h := newTestHasher(t, DefaultParams, 1)
	release := make(chan struct{})
	busy := make(chan struct{})
	h.onHash = func() {
		select {
		case busy <- struct{}{}:
			<-release
		default: // later hashes run freely
		}
	}
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), []byte("holder"))
		done <- err
	}()
	<-busy // the only slot is now taken

	tests := []struct {
		name string
		ctx  func() (context.Context, context.CancelFunc)
		want error
	}{
		{"cancel", func() (context.Context, context.CancelFunc) {
			ctx, cancel := context.WithCancel(context.Background())
			time.AfterFunc(20*time.Millisecond, cancel)
			return ctx, cancel
		}, context.Canceled},
		{"deadline", func() (context.Context, context.CancelFunc) {
			return context.WithTimeout(context.Background(), 20*time.Millisecond)
		}, context.DeadlineExceeded},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ctx, cancel := tt.ctx()
			defer cancel()
			if _, err := h.Hash(ctx, []byte("pw")); !errors.Is(err, tt.want) {
				t.Errorf("Hash = %v, want %v", err, tt.want)
			}
			if _, _, err := h.Verify(ctx, validPHC, []byte("pw")); !errors.Is(err, tt.want) {
				t.Errorf("Verify = %v, want %v", err, tt.want)
			}
		})
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatalf("holder Hash: %v", err)
	}
	// A context that has already ended never takes a free slot.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for range 20 {
		if _, err := h.Hash(ctx, []byte("pw")); !errors.Is(err, context.Canceled) {
			t.Fatalf("Hash(cancelled, free slot) = %v, want context.Canceled", err)
		}
	}
}

func FuzzParsePHC(f *testing.F) {
	f.Add(validPHC)
	f.Add("$argon2id$v=19$m=47104,t=1,p=2$YW5vdGhlci1zYWx0LXh5eg$amNGx9LX3VIj/W/xfJzaqQ")
	f.Add("$argon2id$v=19$m=8,t=1,p=1$AAAAAAAAAAA$AAAAAA")
	f.Add("$argon2i$v=19$m=19456,t=2,p=1$c2FsdHNhbHQ$a2V5a2V5a2V5")
	f.Add("$argon2id$v=19$m=019456,t=2,p=1$$")
	f.Add("$$$$$")
	f.Add("")
	f.Fuzz(func(t *testing.T, s string) {
		p, salt, key, err := ParsePHC(s)
		if err != nil {
			if !errors.Is(err, ErrMalformed) && !errors.Is(err, ErrUnsupported) {
				t.Fatalf("ParsePHC(%q) error %v wraps neither sentinel", s, err)
			}
			return
		}
		if p.Memory > maxMemory || p.Time < 1 || p.Time > maxTime || p.Threads < 1 || p.Threads > maxThreads ||
			len(salt) > maxSaltLen || len(key) > maxKeyLen || int(p.SaltLen) != len(salt) || int(p.KeyLen) != len(key) {
			t.Fatalf("ParsePHC(%q) = %+v, %d-byte salt, %d-byte key: out of bounds", s, p, len(salt), len(key))
		}
		if back := encodePHC(p, salt, key); back != s {
			t.Fatalf("ParsePHC(%q) re-encodes as %q", s, back)
		}
	})
}

func BenchmarkHash(b *testing.B) {
	h := newTestHasher(b, DefaultParams, 1)
	pw := []byte("correct horse battery staple")
	b.ReportAllocs()
	n := 0
	for b.Loop() {
		if _, err := h.Hash(context.Background(), pw); err != nil {
			b.Fatal(err)
		}
		n++
	}
	b.ReportMetric(float64(n)/b.Elapsed().Seconds(), "hashes/s")
}

// BenchmarkHashParallel shows the throughput of a Hasher with one slot
// per CPU, the setting a server would likely use.
func BenchmarkHashParallel(b *testing.B) {
	h := newTestHasher(b, DefaultParams, runtime.GOMAXPROCS(0))
	pw := []byte("correct horse battery staple")
	var n atomic.Int64
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, err := h.Hash(context.Background(), pw); err != nil {
				b.Error(err)
				return
			}
			n.Add(1)
		}
	})
	b.ReportMetric(float64(n.Load())/b.Elapsed().Seconds(), "hashes/s")
}

// With MaxWait, a hash that finds every slot taken gives up after that
// long with ErrBusy, whatever its context allows; a free slot is taken.
func TestMaxWait(t *testing.T) {
	const wait = 30 * time.Millisecond
	h, err := New(DefaultParams, 1, 1024, MaxWait(wait))
	if err != nil {
		t.Fatal(err)
	}
	release := make(chan struct{})
	busy := make(chan struct{})
	h.onHash = func() {
		select {
		case busy <- struct{}{}:
			<-release
		default:
		}
	}
	done := make(chan error)
	go func() {
		_, err := h.Hash(context.Background(), []byte("holder"))
		done <- err
	}()
	<-busy
	ctx := context.Background()
	for name, call := range map[string]func() error{
		"Hash":   func() error { _, err := h.Hash(ctx, []byte("pw")); return err },
		"Verify": func() error { _, _, err := h.Verify(ctx, validPHC, []byte("pw")); return err },
		"Dummy":  func() error { return h.Dummy(ctx, []byte("pw")) },
	} {
		start := time.Now()
		err := call()
		if took := time.Since(start); !errors.Is(err, ErrBusy) || took < wait || took > 2*time.Second {
			t.Errorf("%s with the slot taken = %v after %v, want ErrBusy after %v", name, err, took, wait)
		}
	}
	close(release)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
	if _, err := h.Hash(ctx, []byte("pw")); err != nil {
		t.Fatalf("Hash with a free slot = %v", err)
	}
}
