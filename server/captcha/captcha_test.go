package captcha

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"image/png"
	mrand "math/rand/v2"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

func openDB(tb testing.TB) *badger.DB {
	tb.Helper()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		tb.Fatalf("badger.Open: %v", err)
	}
	tb.Cleanup(func() { db.Close() })
	return db
}

func newService(tb testing.TB, opts Options) *Service {
	tb.Helper()
	s, err := New(openDB(tb), opts)
	if err != nil {
		tb.Fatalf("New: %v", err)
	}
	return s
}

// answer reads the stored answer (this package's tests only; other
// packages use Peek with -tags sesame_testhooks).
func answer(tb testing.TB, s *Service, id string) string {
	tb.Helper()
	d, err := s.digits(context.Background(), id)
	if err != nil {
		tb.Fatalf("digits(%q): %v", id, err)
	}
	var b strings.Builder
	for _, x := range d {
		b.WriteByte('0' + x)
	}
	return b.String()
}

func create(tb testing.TB, s *Service) string {
	tb.Helper()
	id, _, err := s.Create(context.Background())
	if err != nil {
		tb.Fatalf("Create: %v", err)
	}
	return id
}

func TestNewOptions(t *testing.T) {
	db := openDB(t)
	s, err := New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if s.ttl != 5*time.Minute || s.length != 6 || s.now == nil {
		t.Fatalf("defaults: ttl=%v length=%d", s.ttl, s.length)
	}
	for _, o := range []Options{{Length: 3}, {Length: 11}, {Length: -1}, {TTL: -time.Second}} {
		if _, err := New(db, o); err == nil {
			t.Errorf("New(%+v): want error", o)
		}
	}
	if _, err := New(nil, Options{}); err == nil {
		t.Error("New(nil db): want error")
	}
}

func TestCreate(t *testing.T) {
	now := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	s := newService(t, Options{Now: func() time.Time { return now }})
	id, exp, err := s.Create(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if len(id) != 22 || !validID(id) {
		t.Fatalf("id %q: want 22 base64url characters", id)
	}
	if !exp.Equal(now.Add(5 * time.Minute)) {
		t.Fatalf("expires %v, want %v", exp, now.Add(5*time.Minute))
	}
	a := answer(t, s, id)
	if len(a) != 6 || strings.Trim(a, "0123456789") != "" {
		t.Fatalf("answer %q: want 6 digits", a)
	}
	// Stored in Badger under captcha/<id>, with a Badger TTL.
	err = s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get([]byte("captcha/" + id))
		if err != nil {
			return err
		}
		if item.ExpiresAt() == 0 {
			t.Error("no Badger TTL on the stored challenge")
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if id2 := create(t, s); id2 == id {
		t.Fatal("two challenges with the same id")
	}
}

func TestCreateAllowHook(t *testing.T) {
	limited := errors.New("too many")
	calls := 0
	s := newService(t, Options{Allow: func(context.Context) error {
		calls++
		if calls > 2 {
			return limited
		}
		return nil
	}})
	for i := range 3 {
		_, _, err := s.Create(context.Background())
		if want := i < 2; (err == nil) != want {
			t.Fatalf("Create #%d: err=%v", i+1, err)
		}
		if i == 2 && !errors.Is(err, limited) {
			t.Fatalf("Create #3: err=%v, want the hook's error", err)
		}
	}
}

func TestRandomDigitsUniform(t *testing.T) {
	var count [10]int
	for range 2000 {
		d, err := randomDigits(10)
		if err != nil {
			t.Fatal(err)
		}
		for _, x := range d {
			count[x]++
		}
	}
	for d, n := range count { // expectation 2000, σ≈42
		if n < 1700 || n > 2300 {
			t.Errorf("digit %d drawn %d times out of 20000", d, n)
		}
	}
}

func TestVerifyRight(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	id := create(t, s)
	a := answer(t, s, id)
	if err := s.Verify(ctx, id, a); err != nil {
		t.Fatalf("Verify right answer: %v", err)
	}
	// Single use.
	if err := s.Verify(ctx, id, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second Verify: %v, want ErrNotFound", err)
	}
	if err := s.WriteImage(ctx, &bytes.Buffer{}, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("image after use: %v, want ErrNotFound", err)
	}
}

func TestVerifyAnswerSpaces(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	for _, format := range []func(string) string{
		func(a string) string { return " " + a[:2] + " " + a[2:4] + " " + a[4:] },
		func(a string) string { return "\t" + a + "\n" },
		func(a string) string { return a[:3] + "\u00a0" + a[3:] }, // no-break space
		func(a string) string { return a[:3] + "\u202f" + a[3:] }, // narrow no-break space
	} {
		id := create(t, s)
		in := format(answer(t, s, id))
		if err := s.Verify(ctx, id, in); err != nil {
			t.Errorf("Verify(%q): %v", in, err)
		}
	}
}

func TestVerifyWrong(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	id := create(t, s)
	a := answer(t, s, id)
	wrong := []byte(a)
	wrong[5] = '0' + (wrong[5]-'0'+1)%10
	if err := s.Verify(ctx, id, string(wrong)); !errors.Is(err, ErrWrong) {
		t.Fatalf("wrong answer: %v, want ErrWrong", err)
	}
	// A wrong answer consumed the challenge: the right one is too late.
	if err := s.Verify(ctx, id, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("after wrong answer: %v, want ErrNotFound", err)
	}
	for _, bad := range []string{"", a[:5], a + "0", "abcdef", strings.Repeat("1", 300), "１２３４５６"} {
		id := create(t, s)
		if err := s.Verify(ctx, id, bad); !errors.Is(err, ErrWrong) {
			t.Errorf("Verify(%q): %v, want ErrWrong", bad, err)
		}
	}
}

func TestVerifyUnknown(t *testing.T) {
	s := newService(t, Options{})
	for _, id := range []string{"", "x", "AAAAAAAAAAAAAAAAAAAAAA", "../../../etc/passwd", strings.Repeat("A", 100000)} {
		if err := s.Verify(context.Background(), id, "123456"); !errors.Is(err, ErrNotFound) {
			t.Errorf("Verify(%.20q): %v, want ErrNotFound", id, err)
		}
	}
}

func TestExpiry(t *testing.T) {
	var now atomic.Pointer[time.Time]
	t0 := time.Date(2025, 3, 1, 10, 0, 0, 0, time.UTC)
	now.Store(&t0)
	s := newService(t, Options{Now: func() time.Time { return *now.Load() }})
	ctx := context.Background()
	id := create(t, s)
	id2 := create(t, s)
	a := answer(t, s, id)

	t1 := t0.Add(5*time.Minute - time.Nanosecond)
	now.Store(&t1)
	if err := s.WriteImage(ctx, &bytes.Buffer{}, id); err != nil {
		t.Fatalf("image just before expiry: %v", err)
	}
	if err := s.Verify(ctx, id2, answer(t, s, id2)); err != nil {
		t.Fatalf("verify just before expiry: %v", err)
	}

	t2 := t0.Add(5 * time.Minute)
	now.Store(&t2)
	if err := s.WriteImage(ctx, &bytes.Buffer{}, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("image after expiry: %v, want ErrNotFound", err)
	}
	if err := s.WriteAudio(ctx, &bytes.Buffer{}, id); !errors.Is(err, ErrNotFound) {
		t.Fatalf("audio after expiry: %v, want ErrNotFound", err)
	}
	if err := s.Verify(ctx, id, a); !errors.Is(err, ErrNotFound) {
		t.Fatalf("verify after expiry: %v, want ErrNotFound", err)
	}
}

func TestVerifyConcurrent(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	for range 200 {
		id := create(t, s)
		a := answer(t, s, id)
		var ok atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				<-start
				switch err := s.Verify(ctx, id, a); {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, ErrNotFound):
					t.Errorf("Verify: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := ok.Load(); n != 1 {
			t.Fatalf("%d concurrent Verify calls succeeded, want exactly 1", n)
		}
	}
}

// Without Badger conflict detection single use still holds (per-id locks).
func TestVerifyConcurrentNoConflictDetection(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil).WithDetectConflicts(false))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s, err := New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	for range 100 {
		id := create(t, s)
		a := answer(t, s, id)
		var ok atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for range 4 {
			wg.Go(func() {
				<-start
				if s.Verify(ctx, id, a) == nil {
					ok.Add(1)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := ok.Load(); n != 1 {
			t.Fatalf("%d concurrent Verify calls succeeded, want exactly 1", n)
		}
	}
}

// Two Services on one database share no locks: Badger's conflict
// detection keeps single use, a conflicting commit being ErrNotFound.
func TestVerifyConcurrentTwoServices(t *testing.T) {
	db := openDB(t)
	s1, _ := New(db, Options{})
	s2, _ := New(db, Options{})
	ctx := context.Background()
	for range 200 {
		id := create(t, s1)
		a := answer(t, s1, id)
		var ok atomic.Int32
		var wg sync.WaitGroup
		start := make(chan struct{})
		for _, s := range []*Service{s1, s2, s1, s2, s1, s2, s1, s2} {
			wg.Go(func() {
				<-start
				switch err := s.Verify(ctx, id, a); {
				case err == nil:
					ok.Add(1)
				case !errors.Is(err, ErrNotFound):
					t.Errorf("Verify: %v", err)
				}
			})
		}
		close(start)
		wg.Wait()
		if n := ok.Load(); n != 1 {
			t.Fatalf("%d concurrent Verify calls succeeded, want exactly 1", n)
		}
	}
}

// Both Verify transactions read the challenge before either commits (the
// clock, called inside the transaction, is the rendezvous): exactly one
// commits, the other gets Badger's conflict, reported as ErrNotFound.
func TestVerifyConflictIsNotFound(t *testing.T) {
	db := openDB(t)
	var rendezvous atomic.Bool
	var arrived sync.WaitGroup
	clock := func() time.Time {
		if rendezvous.Load() {
			arrived.Done()
			arrived.Wait()
		}
		return time.Now()
	}
	s1, _ := New(db, Options{Now: clock})
	s2, _ := New(db, Options{Now: clock})
	ctx := context.Background()
	id := create(t, s1)
	a := answer(t, s1, id)
	arrived.Add(2)
	rendezvous.Store(true)
	errs := make(chan error, 2)
	for _, s := range []*Service{s1, s2} {
		go func() { errs <- s.Verify(ctx, id, a) }()
	}
	e1, e2 := <-errs, <-errs
	if e1 != nil {
		e1, e2 = e2, e1
	}
	if e1 != nil || !errors.Is(e2, ErrNotFound) {
		t.Fatalf("Verify results %v and %v, want nil and ErrNotFound", e1, e2)
	}
}

func TestPersistsAcrossRestart(t *testing.T) {
	dir := t.TempDir()
	open := func() *badger.DB {
		db, err := badger.Open(badger.DefaultOptions(dir).WithLogger(nil))
		if err != nil {
			t.Fatal(err)
		}
		return db
	}
	db := open()
	s, err := New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	id := create(t, s)
	a := answer(t, s, id)
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	db = open()
	defer db.Close()
	s, err = New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Verify(context.Background(), id, a); err != nil {
		t.Fatalf("Verify after restart: %v", err)
	}
}

func TestCorruptRecord(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	id := create(t, s)
	if err := s.db.Update(func(txn *badger.Txn) error {
		return txn.Set(key(id), []byte{1, 2, 3})
	}); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteImage(ctx, &bytes.Buffer{}, id); err == nil || errors.Is(err, ErrNotFound) {
		t.Fatalf("image of a corrupt record: %v", err)
	}
	if err := s.Verify(ctx, id, "123456"); err == nil || errors.Is(err, ErrWrong) {
		t.Fatalf("verify of a corrupt record: %v", err)
	}
	if err := s.Verify(ctx, id, "123456"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("corrupt record not deleted: %v", err)
	}
}

func TestRecordRoundTrip(t *testing.T) {
	r := record{digits: []byte{0, 1, 2, 9, 8, 7}, expires: time.Unix(1700000000, 123456789)}
	got, err := decode(r.encode())
	if err != nil || !bytes.Equal(got.digits, r.digits) || !got.expires.Equal(r.expires) {
		t.Fatalf("round trip: %+v %v", got, err)
	}
	for _, bad := range [][]byte{nil, {1}, append([]byte{2}, r.encode()[1:]...), append(r.encode()[:9], 1, 2, 3, 10)} {
		if _, err := decode(bad); err == nil {
			t.Errorf("decode(%v): want error", bad)
		}
	}
}

func TestCanceledContext(t *testing.T) {
	s := newService(t, Options{})
	id := create(t, s)
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, _, err := s.Create(ctx); !errors.Is(err, context.Canceled) {
		t.Errorf("Create: %v", err)
	}
	if err := s.Verify(ctx, id, "1"); !errors.Is(err, context.Canceled) {
		t.Errorf("Verify: %v", err)
	}
	if err := s.WriteImage(ctx, &bytes.Buffer{}, id); !errors.Is(err, context.Canceled) {
		t.Errorf("WriteImage: %v", err)
	}
	// The challenge was not consumed.
	if err := s.Verify(context.Background(), id, answer(t, s, id)); err != nil {
		t.Errorf("Verify after canceled calls: %v", err)
	}
}

func TestImage(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	id := create(t, s)
	var a, b bytes.Buffer
	if err := s.WriteImage(ctx, &a, id); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(a.Bytes()))
	if err != nil {
		t.Fatalf("png.Decode: %v", err)
	}
	if r := img.Bounds(); r.Dx() != 240 || r.Dy() != 80 {
		t.Fatalf("image %v, want 240×80", r)
	}
	// Reload: not consumed, same picture.
	if err := s.WriteImage(ctx, &b, id); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two fetches of the same challenge gave different images")
	}
	if err := s.Verify(ctx, id, answer(t, s, id)); err != nil {
		t.Fatalf("Verify after image fetches: %v", err)
	}
}

// Every allowed length fits the 240×80 image, whatever the random layout.
func TestImageAllLengths(t *testing.T) {
	for n := MinLength; n <= MaxLength; n++ {
		s := newService(t, Options{Length: n})
		for range 20 {
			id := create(t, s)
			var buf bytes.Buffer
			if err := s.WriteImage(context.Background(), &buf, id); err != nil {
				t.Fatalf("length %d: %v", n, err)
			}
		}
	}
}

type wavInfo struct {
	format, channels, bits uint16
	rate, dataLen          uint32
	duration               time.Duration
}

// parseWAV checks a canonical RIFF/WAVE file and returns its format.
func parseWAV(t *testing.T, b []byte) wavInfo {
	t.Helper()
	le := binary.LittleEndian
	if len(b) < 44 || string(b[0:4]) != "RIFF" || string(b[8:12]) != "WAVE" {
		t.Fatalf("not a RIFF/WAVE file (%d bytes)", len(b))
	}
	if int(le.Uint32(b[4:])) != len(b)-8 {
		t.Fatalf("RIFF size %d, file %d bytes", le.Uint32(b[4:]), len(b))
	}
	if string(b[12:16]) != "fmt " || le.Uint32(b[16:]) != 16 || string(b[36:40]) != "data" {
		t.Fatalf("unexpected chunk layout %q %q", b[12:16], b[36:40])
	}
	w := wavInfo{
		format:   le.Uint16(b[20:]),
		channels: le.Uint16(b[22:]),
		rate:     le.Uint32(b[24:]),
		bits:     le.Uint16(b[34:]),
		dataLen:  le.Uint32(b[40:]),
	}
	if w.format != 1 || w.channels != 1 || w.bits != 16 || w.rate != 8000 {
		t.Fatalf("format %+v, want PCM mono 16-bit 8000 Hz", w)
	}
	if le.Uint32(b[28:]) != w.rate*2 || le.Uint16(b[32:]) != 2 {
		t.Fatalf("byte rate / block align inconsistent")
	}
	if int(w.dataLen) != len(b)-44 || w.dataLen%2 != 0 {
		t.Fatalf("data size %d, file has %d bytes after the header", w.dataLen, len(b)-44)
	}
	w.duration = time.Duration(w.dataLen/2) * time.Second / time.Duration(w.rate)
	return w
}

func TestAudio(t *testing.T) {
	s := newService(t, Options{})
	ctx := context.Background()
	id := create(t, s)
	var a, b bytes.Buffer
	if err := s.WriteAudio(ctx, &a, id); err != nil {
		t.Fatal(err)
	}
	if err := s.WriteAudio(ctx, &b, id); err != nil {
		t.Fatal(err)
	}
	wa, wb := parseWAV(t, a.Bytes()), parseWAV(t, b.Bytes())
	for _, w := range []wavInfo{wa, wb} {
		if w.duration < 2*time.Second || w.duration > 20*time.Second {
			t.Errorf("duration %v, want 2 to 20 s", w.duration)
		}
	}
	if bytes.Equal(a.Bytes(), b.Bytes()) {
		t.Error("two audio fetches are byte-identical")
	}
	if d := (wa.duration - wb.duration).Abs(); d > 3*time.Second {
		t.Errorf("durations %v and %v differ by more than 3 s", wa.duration, wb.duration)
	}
	t.Logf("audio: %v and %v, %d and %d bytes", wa.duration, wb.duration, a.Len(), b.Len())
	// Not consumed.
	if err := s.Verify(ctx, id, answer(t, s, id)); err != nil {
		t.Fatalf("Verify after audio fetches: %v", err)
	}
}

// The longest challenge stays within 20 s, the shortest above 2 s.
func TestAudioBounds(t *testing.T) {
	for _, n := range []int{MinLength, MaxLength} {
		s := newService(t, Options{Length: n})
		for range 10 {
			var buf bytes.Buffer
			if err := s.WriteAudio(context.Background(), &buf, create(t, s)); err != nil {
				t.Fatal(err)
			}
			w := parseWAV(t, buf.Bytes())
			if w.duration < 2*time.Second || w.duration > 20*time.Second {
				t.Errorf("length %d: duration %v", n, w.duration)
			}
		}
	}
}

func TestVoiceAssets(t *testing.T) {
	v := voice()
	total := len(v.intro) * 2
	if len(v.intro) < voiceRate { // "Veuillez recopier…" takes well over 1 s
		t.Errorf("intro is %d samples", len(v.intro))
	}
	for d, c := range v.digits {
		total += len(c) * 2
		if len(c) < voiceRate/10 || len(c) > voiceRate {
			t.Errorf("digit %d: %d samples (%v)", d, len(c), time.Duration(len(c))*time.Second/voiceRate)
		}
		var peak float32
		for _, x := range c {
			peak = max(peak, x, -x)
		}
		if peak < 0.5 || peak > 0.8 {
			t.Errorf("digit %d: peak %.2f, want about -3 dBFS", d, peak)
		}
	}
	if total > 150_000 {
		t.Errorf("embedded voice is %d bytes, budget 150 kB", total)
	}
}

func TestResample(t *testing.T) {
	c := make([]float32, 1000)
	for i := range c {
		c[i] = float32(i)
	}
	if n := len(resample(c, 1.25)); n != 800 {
		t.Errorf("faster: %d samples, want 800", n)
	}
	if n := len(resample(c, 0.8)); n != 1250 {
		t.Errorf("slower: %d samples, want 1250", n)
	}
	if r := resample(c, 0.5); r[3] != 1.5 {
		t.Errorf("interpolation: %v", r[:4])
	}
}

// The recording says the sentence then exactly the challenge's digits, in
// order, without overlaps, and the voice stands out of the background.
func TestAudioSpeaksTheDigits(t *testing.T) {
	v := voice()
	digits := []byte{4, 0, 7, 7, 1, 9}
	for seed := range uint64(50) {
		us, total := plan(mrand.New(mrand.NewPCG(seed, 1)), v, digits)
		if len(us) != len(digits)+1 || us[0].clip != introClip {
			t.Fatalf("plan %+v", us)
		}
		for i, d := range digits {
			if us[i+1].clip != int(d) {
				t.Fatalf("utterance %d says %d, want %d", i+1, us[i+1].clip, d)
			}
		}
		end := 0
		for _, u := range us {
			if u.at < end+voiceRate/4 { // at least 250 ms apart
				t.Fatalf("seed %d: utterance at %d overlaps or follows too closely the previous one ending at %d", seed, u.at, end)
			}
			end = u.at + u.len
		}
		if total < end+voiceRate/4 {
			t.Fatalf("seed %d: total %d cuts the last digit ending at %d", seed, total, end)
		}

		// Same seed: the rendered output is as planned. Voice windows are
		// much louder than the pauses.
		out := speak(mrand.New(mrand.NewPCG(seed, 1)), digits)
		if len(out) != total {
			t.Fatalf("rendered %d samples, planned %d", len(out), total)
		}
		var voiced, silent float64
		var nv, ns int
		prev := 0
		for _, u := range us {
			for _, x := range out[prev:u.at] {
				silent += float64(x * x)
				ns++
			}
			for _, x := range out[u.at : u.at+u.len] {
				voiced += float64(x * x)
				nv++
			}
			prev = u.at + u.len
		}
		if snr := (voiced / float64(nv)) / (silent / float64(ns)); snr < 20 {
			t.Errorf("seed %d: voice/background power ratio %.1f, want ≥ 20", seed, snr)
		}
	}
}

// Verify waits for the sync hook after consuming a challenge, whatever the
// outcome, and reports its failure.
func TestVerifySyncs(t *testing.T) {
	var calls int
	var fail error
	s := newService(t, Options{Sync: func(context.Context) error { calls++; return fail }})
	ctx := context.Background()
	id := create(t, s)
	if err := s.Verify(ctx, id, "000000000"); !errors.Is(err, ErrWrong) {
		t.Fatalf("Verify wrong answer: %v, want ErrWrong", err)
	}
	if calls != 1 {
		t.Fatalf("sync called %d times after a wrong answer, want 1", calls)
	}
	fail = errors.New("disk gone")
	id = create(t, s)
	if err := s.Verify(ctx, id, answer(t, s, id)); err == nil || errors.Is(err, ErrWrong) || errors.Is(err, ErrNotFound) {
		t.Fatalf("Verify with a failing sync: %v, want the sync error", err)
	}
	if calls != 2 {
		t.Fatalf("sync called %d times, want 2", calls)
	}
}
