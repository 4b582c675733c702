package badgerdb

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// fakeDisk stands for the data directory: a commit is a sequence number,
// and a sync makes durable every commit made before it started.
type fakeDisk struct {
	commits atomic.Uint64 // last commit made
	durable atomic.Uint64 // last commit a finished sync covered
	fail    atomic.Bool   // the next sync fails
	delay   time.Duration
}

func (d *fakeDisk) sync() error {
	covered := d.commits.Load()
	time.Sleep(d.delay)
	if d.fail.CompareAndSwap(true, false) {
		return errors.New("disk on fire")
	}
	for {
		old := d.durable.Load()
		if covered <= old || d.durable.CompareAndSwap(old, covered) {
			return nil
		}
	}
}

// A nil error from Sync means the caller's commit is durable, and
// concurrent callers share syncs.
func TestSyncCoversEarlierCommits(t *testing.T) {
	d := &fakeDisk{delay: 200 * time.Microsecond}
	s := &Syncer{sync: d.sync}
	const clients, each = 32, 50
	var wg sync.WaitGroup
	for range clients {
		wg.Go(func() {
			for range each {
				mine := d.commits.Add(1)
				if err := s.Sync(context.Background()); err != nil {
					t.Error(err)
					return
				}
				if got := d.durable.Load(); got < mine {
					t.Errorf("Sync returned with commit %d not durable (durable up to %d)", mine, got)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	if st.Calls != clients*each {
		t.Fatalf("Calls = %d, want %d", st.Calls, clients*each)
	}
	if st.Rounds >= st.Calls/2 {
		t.Errorf("%d syncs for %d calls: commits are not grouped", st.Rounds, st.Calls)
	}
	t.Logf("%d calls, %d syncs (%.1f commits per sync)", st.Calls, st.Rounds, float64(st.Calls)/float64(st.Rounds))
}

// The callers of a failed sync get its error; a later sync succeeds for
// the callers after it.
func TestSyncError(t *testing.T) {
	d := &fakeDisk{}
	s := &Syncer{sync: d.sync}
	d.fail.Store(true)
	if err := s.Sync(context.Background()); err == nil {
		t.Fatal("Sync = nil after a failed sync")
	}
	if err := s.Sync(context.Background()); err != nil {
		t.Fatalf("Sync after recovery = %v", err)
	}
}

// A caller waiting behind a running sync stops waiting when its context
// ends; the running sync is not disturbed.
func TestSyncWaitCancelled(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 4)
	s := &Syncer{sync: func() error { entered <- struct{}{}; <-release; return nil }}
	first := make(chan error, 1)
	go func() { first <- s.Sync(context.Background()) }()
	<-entered
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := s.Sync(ctx); !errors.Is(err, context.Canceled) {
		t.Fatalf("Sync with a cancelled context = %v, want context.Canceled", err)
	}
	close(release)
	if err := <-first; err != nil {
		t.Fatal(err)
	}
}

// Each round pauses for gather before it syncs, and the commits that
// arrive during a round share the next one.
func TestSyncGathers(t *testing.T) {
	release := make(chan struct{})
	entered := make(chan struct{}, 16)
	var pauses atomic.Int32
	s := &Syncer{
		sync:   func() error { entered <- struct{}{}; <-release; return nil },
		gather: time.Millisecond,
		pause: func(d time.Duration) {
			if d != time.Millisecond {
				t.Errorf("paused %v, want 1ms", d)
			}
			pauses.Add(1)
		},
	}
	// A round runs; three commits arrive meanwhile and share the next.
	first := make(chan error, 1)
	go func() { first <- s.Sync(context.Background()) }()
	<-entered
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			if err := s.Sync(context.Background()); err != nil {
				t.Error(err)
			}
		})
	}
	for s.Stats().Calls < 4 {
		time.Sleep(time.Millisecond)
	}
	release <- struct{}{} // the first round ends, the shared one starts
	<-entered
	release <- struct{}{}
	wg.Wait()
	if err := <-first; err != nil {
		t.Fatal(err)
	}
	if p, r := pauses.Load(), s.Stats().Rounds; p != 2 || r != 2 {
		t.Fatalf("%d pauses, %d rounds; want 2 and 2 (one running, one shared by three)", p, r)
	}
}

func TestSyncNothingToDo(t *testing.T) {
	var nilSyncer *Syncer
	for _, s := range []*Syncer{nilSyncer, {}} {
		if err := s.Sync(context.Background()); err != nil {
			t.Fatalf("Sync = %v", err)
		}
	}
	db, s, err := OpenGroupCommit(Options{Dir: "", SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if err := s.Sync(context.Background()); err != nil || s.Stats().Calls != 0 {
		t.Fatalf("in memory: Sync = %v, stats %+v; want a no-op", err, s.Stats())
	}
}

func TestSyncReplacedLogs(t *testing.T) {
	dir := t.TempDir()
	touch := func(names ...string) {
		t.Helper()
		for _, name := range names {
			if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o600); err != nil {
				t.Fatal(err)
			}
		}
	}
	touch("00007.mem", "00008.mem", "00010.mem", "000001.sst", "MANIFEST", "x.mem")
	r := replacedLogs{dir: dir, newest: -1}
	if n, err := r.sync(); err != nil || n != 2 || r.newest != 10 {
		t.Fatalf("first look: synced %d, newest %d, %v; want 2 (every log but the newest), 10", n, r.newest, err)
	}
	for _, name := range []string{"00007.mem", "00008.mem"} {
		if err := os.Remove(filepath.Join(dir, name)); err != nil {
			t.Fatal(err)
		}
	}
	if n, err := r.sync(); err != nil || n != 0 {
		t.Fatalf("nothing replaced: synced %d, %v; want 0", n, err)
	}
	touch("00011.mem") // Badger replaced memtable 10
	if n, err := r.sync(); err != nil || n != 1 || r.newest != 11 {
		t.Fatalf("after a switch: synced %d, newest %d, %v; want 1, 11", n, r.newest, err)
	}
}

// Concurrent commits on disk, each followed by Sync, are all there after
// a reopen, and the memtable switches they cause are survived.
func TestGroupCommitOnDisk(t *testing.T) {
	dir := t.TempDir()
	db, s, err := OpenGroupCommit(Options{Dir: dir, SyncWrites: true})
	if err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(context.Background()); err != nil {
		t.Fatal(err)
	}
	firstLog := s.logs.newest
	val := make([]byte, 2048) // 16 × 400 × 2 KiB: more than one 8 MiB memtable
	var wg sync.WaitGroup
	for c := range 16 {
		wg.Go(func() {
			for i := range 400 {
				k := []byte(fmt.Sprintf("k/%02d/%04d", c, i))
				if err := db.Update(func(txn *badger.Txn) error { return txn.Set(k, val) }); err != nil {
					t.Error(err)
					return
				}
				if err := s.Sync(context.Background()); err != nil {
					t.Error(err)
					return
				}
			}
		})
	}
	wg.Wait()
	st := s.Stats()
	t.Logf("%d commits, %d syncs, write-ahead logs %d to %d", st.Calls, st.Rounds, firstLog, s.logs.newest)
	if s.logs.newest <= firstLog {
		t.Errorf("no memtable switch seen (logs %d to %d): the test writes too little", firstLog, s.logs.newest)
	}
	if st.Rounds == 0 || st.Rounds > st.Calls {
		t.Fatalf("stats %+v", st)
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	if err := s.Sync(context.Background()); !errors.Is(err, badger.ErrDBClosed) {
		t.Fatalf("Sync after Close = %v, want ErrDBClosed", err)
	}
	db, err = Open(Options{Dir: dir})
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	n := 0
	err = db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte("k/")})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	if err != nil || n != 16*400 {
		t.Fatalf("after reopen: %d keys (%v), want %d", n, err, 16*400)
	}
}

// BenchmarkCommit is one small synced commit from 16 clients: Badger
// syncing each transaction itself (Open), against one shared sync per
// round (OpenGroupCommit). Its commits/sync metric is how many commits an
// fsync carried.
func BenchmarkCommit(b *testing.B) {
	for _, group := range []bool{false, true} {
		name := "badger-sync"
		if group {
			name = "group-commit"
		}
		b.Run(name, func(b *testing.B) {
			o := Options{Dir: b.TempDir(), SyncWrites: true}
			var db *badger.DB
			var s *Syncer
			var err error
			if group {
				db, s, err = OpenGroupCommit(o)
			} else {
				db, err = Open(o)
			}
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var seq atomic.Int64
			val := make([]byte, 200)
			b.SetParallelism((16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ReportAllocs()
			b.RunParallel(func(pb *testing.PB) {
				ctx := context.Background()
				for pb.Next() {
					k := []byte("bench/" + strconv.FormatInt(seq.Add(1), 10))
					if err := db.Update(func(txn *badger.Txn) error { return txn.Set(k, val) }); err != nil {
						b.Error(err)
						return
					}
					if err := s.Sync(ctx); err != nil {
						b.Error(err)
						return
					}
				}
			})
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "commits/s")
			if st := s.Stats(); st.Rounds > 0 {
				b.ReportMetric(float64(st.Calls)/float64(st.Rounds), "commits/sync")
			}
		})
	}
}
