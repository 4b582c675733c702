// Package limit provides a github.com/ulule/limiter/v3 Store kept in
// Badger, so rate-limit counters and the blocks they cause survive a
// restart of the server: restarting must not hand an attacker a fresh
// budget of password guesses or recovery e-mails.
//
// The store keeps limiter's fixed-window semantics, as its memory and
// Redis stores do: a key's window opens at its first hit and lasts
// rate.Period; the count only grows within a window and starts again
// from zero in the next.
//
// Counting happens in memory, and the counters are written to Badger
// behind it (write-behind), in one batch every flush interval (100 ms by
// default), on Flush, and when Run stops. Counting a request therefore
// costs no disk write and no transaction, and never waits for the fsync
// of the requests it throttles. BadgerStore promises that:
//   - increments of one key are atomic within the store, which must be
//     the only one using its prefix in the database (Badger allows one
//     process per data directory);
//   - a counter read from Badger (after a restart, or once evicted from
//     memory) is never older than the last flush;
//   - an expired window is never counted, even if Badger has not yet
//     dropped it (Badger's TTL cleanup is lazy; it only saves space);
//   - memory is bounded: at most about maxKeys counters stay in memory;
//     flushed ones are evicted first and read back from Badger when hit
//     again.
//
// Durability trade-off: a crash of the process (SIGKILL, panic, OOM) loses
// the increments counted since the last flush, at most one flush interval
// of them (100 ms by default); a stop through Run's context loses nothing.
// With a Syncer (WithSyncer), a flush is on disk when it completes, so a
// crash of the machine loses no more; without one, flushed counters reach
// the disk with the database's next sync.
package limit

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"log/slog"
	"math"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/ulule/limiter/v3"
	"github.com/ulule/limiter/v3/drivers/store/common"
)

// ErrCorrupt reports a stored counter that cannot be decoded. The key is
// left as is (it expires with its Badger TTL); the caller decides whether
// to fail open or closed.
var ErrCorrupt = errors.New("limit: corrupt counter")

const (
	valueVersion = 1
	valueLen     = 1 + 8 + 8 // version, count, window end (unix ns)
	shards       = 64

	// DefaultFlushInterval is how often counters are written to Badger:
	// the most increments a crash of the process can lose.
	DefaultFlushInterval = 100 * time.Millisecond
	// DefaultMaxKeys bounds the counters kept in memory (about 150 bytes
	// each).
	DefaultMaxKeys = 1 << 16
)

// Syncer makes the transactions committed before a call durable (see
// badgerdb.Syncer).
type Syncer interface {
	Sync(ctx context.Context) error
}

// BadgerStore is a limiter.Store whose counters live in memory and are
// written behind to a Badger database. It is safe for concurrent use.
// Closing the database is the caller's business, after Run has returned
// or a last Flush.
type BadgerStore struct {
	db       *badger.DB
	prefix   string
	now      func() time.Time
	interval time.Duration
	maxKeys  int
	sync     Syncer
	log      *slog.Logger

	seed   maphash.Seed
	shards [shards]shard

	flushMu sync.Mutex    // one flush at a time, so batches land in order
	kick    chan struct{} // buffered(1): asks Run for an early flush
	sweep   int           // next shard whose expired counters a flush drops (under flushMu)
}

// shard holds the counters of the keys that hash to it.
type shard struct {
	mu    sync.Mutex
	m     map[string]*counter
	dirty []*counter // changed since their last flush was taken
	// evictions counts counters dropped from m, so that a read from
	// Badger made without the lock is known to be still current.
	evictions uint64
	clean     int // counters in m whose state is saved (evictable)
}

// counter is one key's window, in memory. ver counts changes; saved is
// the last version known to be in Badger. A counter whose ver is not
// saved is never evicted, so a read from Badger never goes back in time.
type counter struct {
	key    string
	st     state // zero end: no window (none yet, or reset)
	ver    uint64
	saved  uint64
	queued bool // in its shard's dirty list
}

var _ limiter.Store = (*BadgerStore)(nil)

// Option configures a BadgerStore.
type Option func(*BadgerStore)

// WithClock makes the store read the time from now instead of time.Now,
// for tests. Badger's own TTL still runs on the wall clock, so a test
// clock should start at the real time and only move forward.
func WithClock(now func() time.Time) Option {
	return func(s *BadgerStore) { s.now = now }
}

// WithFlushInterval sets how often Run writes the counters to Badger
// (default 100 ms): the window of increments a crash can lose.
func WithFlushInterval(d time.Duration) Option {
	return func(s *BadgerStore) {
		if d > 0 {
			s.interval = d
		}
	}
}

// WithMaxKeys bounds the counters kept in memory (default 65536).
func WithMaxKeys(n int) Option {
	return func(s *BadgerStore) { s.maxKeys = max(n, shards) }
}

// WithLogger sets where Run reports failed flushes (default
// slog.Default()).
func WithLogger(l *slog.Logger) Option {
	return func(s *BadgerStore) {
		if l != nil {
			s.log = l
		}
	}
}

// WithSyncer makes each flush wait until its batch is on disk, for a
// database whose commits Badger does not sync itself.
func WithSyncer(sy Syncer) Option {
	return func(s *BadgerStore) { s.sync = sy }
}

// NewBadgerStore returns a store that keeps each key under prefix+key in
// db. Use distinct prefixes for distinct limits sharing one database, and
// one store per prefix. Start Run to have the counters written to Badger.
func NewBadgerStore(db *badger.DB, prefix string, opts ...Option) *BadgerStore {
	s := &BadgerStore{
		db:       db,
		prefix:   prefix,
		now:      time.Now,
		interval: DefaultFlushInterval,
		maxKeys:  DefaultMaxKeys,
		seed:     maphash.MakeSeed(),
		kick:     make(chan struct{}, 1),
		log:      slog.Default(),
	}
	for _, o := range opts {
		o(s)
	}
	for i := range s.shards {
		s.shards[i].m = make(map[string]*counter)
	}
	return s
}

// Get counts one hit on key and returns the resulting limit context.
func (s *BadgerStore) Get(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	return s.Increment(ctx, key, 1, rate)
}

// Increment counts count hits on key (count must not be negative: Reset
// is the only way down) and returns the resulting limit context. The
// first hit of a window, or the first after it ended, opens a new window
// of rate.Period.
func (s *BadgerStore) Increment(ctx context.Context, key string, count int64, rate limiter.Rate) (limiter.Context, error) {
	if err := checkRate(rate); err != nil {
		return limiter.Context{}, err
	}
	if count < 0 {
		return limiter.Context{}, fmt.Errorf("limit: increment %q by %d: count must not be negative", key, count)
	}
	sh, c, err := s.counter(ctx, key)
	if err != nil {
		return limiter.Context{}, fmt.Errorf("limit: increment %q: %w", key, err)
	}
	defer sh.mu.Unlock()
	now := s.now()
	st := c.st
	if st.open(now) {
		// Saturate rather than wrap round to a negative count.
		st.count += min(count, math.MaxInt64-st.count)
	} else {
		st = state{count: count, end: now.Add(rate.Period)}
	}
	sh.change(c, st)
	return common.GetContextFromState(now, rate, st.end, st.count), nil
}

// Peek returns key's limit context without counting a hit.
func (s *BadgerStore) Peek(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	if err := checkRate(rate); err != nil {
		return limiter.Context{}, err
	}
	sh, c, err := s.counter(ctx, key)
	if err != nil {
		return limiter.Context{}, fmt.Errorf("limit: peek %q: %w", key, err)
	}
	defer sh.mu.Unlock()
	now := s.now()
	st := c.st
	if !st.open(now) {
		st = state{end: now.Add(rate.Period)} // what a first hit now would open
	}
	return common.GetContextFromState(now, rate, st.end, st.count), nil
}

// Reset forgets key's window and count.
func (s *BadgerStore) Reset(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	if err := checkRate(rate); err != nil {
		return limiter.Context{}, err
	}
	if err := ctx.Err(); err != nil {
		return limiter.Context{}, fmt.Errorf("limit: reset %q: %w", key, err)
	}
	// No read: the stored value, even a corrupt one, is simply replaced
	// by "nothing" at the next flush.
	sh := s.shard(key)
	sh.mu.Lock()
	c, ok := sh.m[key]
	if !ok {
		c = &counter{key: key}
		s.insert(sh, c)
	}
	sh.change(c, state{})
	sh.mu.Unlock()
	now := s.now()
	return common.GetContextFromState(now, rate, now.Add(rate.Period), 0), nil
}

func (s *BadgerStore) shard(key string) *shard {
	return &s.shards[maphash.String(s.seed, key)%shards]
}

// counter returns key's counter with its shard locked, reading it from
// Badger on a miss. The read is made without the lock; if another caller
// loaded or changed the key meanwhile, its counter wins.
func (s *BadgerStore) counter(ctx context.Context, key string) (*shard, *counter, error) {
	if err := ctx.Err(); err != nil {
		return nil, nil, err
	}
	sh := s.shard(key)
	sh.mu.Lock()
	for {
		if c, ok := sh.m[key]; ok {
			return sh, c, nil
		}
		evictions := sh.evictions
		sh.mu.Unlock()
		st, err := s.load(key)
		if err != nil {
			return nil, nil, err
		}
		sh.mu.Lock()
		if c, ok := sh.m[key]; ok {
			return sh, c, nil
		}
		if sh.evictions == evictions {
			c := &counter{key: key, st: st}
			s.insert(sh, c)
			return sh, c, nil
		}
		// A counter was evicted meanwhile, perhaps this key's, saved
		// after the read: read again.
	}
}

// insert adds c to sh (locked), first evicting saved counters if the
// shard is full. If none can go, it asks Run for an early flush and lets
// the shard grow meanwhile.
func (s *BadgerStore) insert(sh *shard, c *counter) {
	if limit := s.maxKeys / shards; len(sh.m) >= limit {
		// Only when a quarter of the shard can go, so that the walk
		// is paid for by many insertions.
		if sh.clean >= limit/4 {
			sh.evict(limit - limit/4)
		}
		if len(sh.m) >= limit {
			select {
			case s.kick <- struct{}{}:
			default:
			}
		}
	}
	sh.m[c.key] = c
	if c.ver == c.saved {
		sh.clean++
	}
}

// evict forgets saved counters of sh (locked) until it holds at most goal.
func (sh *shard) evict(goal int) {
	for k, c := range sh.m {
		if len(sh.m) <= goal {
			return
		}
		if c.ver == c.saved {
			delete(sh.m, k)
			sh.evictions++
			sh.clean--
		}
	}
}

// change gives c (its shard locked) a new state to flush.
func (sh *shard) change(c *counter, st state) {
	if c.ver == c.saved {
		sh.clean--
	}
	c.st = st
	c.ver++
	if !c.queued {
		c.queued = true
		sh.dirty = append(sh.dirty, c)
	}
}

// load reads key's window from Badger; the zero state if there is none or
// it has ended (by the store's clock).
func (s *BadgerStore) load(key string) (state, error) {
	var st state
	err := s.db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(s.dbKey(key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			st, err = decode(v)
			return err
		})
	})
	if err != nil {
		return state{}, err
	}
	if !st.open(s.now()) {
		st = state{}
	}
	return st, nil
}

func (s *BadgerStore) dbKey(key string) []byte {
	return []byte(s.prefix + key)
}

func checkRate(rate limiter.Rate) error {
	if rate.Period <= 0 {
		return fmt.Errorf("limit: rate period %v: must be positive", rate.Period)
	}
	return nil
}

// state is one key's window: count hits until end.
type state struct {
	count int64
	end   time.Time
}

// open says whether the window is still running at now: it is
// [start, end), and at end a new one begins.
func (st state) open(now time.Time) bool {
	return !st.end.IsZero() && now.Before(st.end)
}

func (st state) encode() []byte {
	b := make([]byte, valueLen)
	b[0] = valueVersion
	binary.BigEndian.PutUint64(b[1:], uint64(st.count))
	binary.BigEndian.PutUint64(b[9:], uint64(st.end.UnixNano()))
	return b
}

func decode(b []byte) (state, error) {
	if len(b) != valueLen || b[0] != valueVersion {
		return state{}, fmt.Errorf("%d-byte value: %w", len(b), ErrCorrupt)
	}
	st := state{
		count: int64(binary.BigEndian.Uint64(b[1:])),
		end:   time.Unix(0, int64(binary.BigEndian.Uint64(b[9:]))),
	}
	if st.count < 0 {
		return state{}, fmt.Errorf("negative count %d: %w", st.count, ErrCorrupt)
	}
	return st, nil
}
