// Package limit provides a github.com/ulule/limiter/v3 Store kept in
// Badger, so rate-limit counters and the blocks they cause survive a
// restart of the server: restarting must not hand an attacker a fresh
// budget of password guesses or recovery e-mails.
//
// The store keeps limiter's fixed-window semantics, as its memory and
// Redis stores do: a key's window opens at its first hit and lasts
// rate.Period; the count only grows within a window and starts again
// from zero in the next. BadgerStore promises that:
//   - increments of one key are atomic, within the process and across
//     stores sharing the database (Badger transactions, retried on
//     conflict a bounded number of times);
//   - an expired window is never counted, even if Badger has not yet
//     dropped it (Badger's TTL cleanup is lazy; it only saves space);
//   - writes follow the database's own SyncWrites setting: with the
//     default (false) a crash of the machine, not of the process, can
//     lose the last increments.
package limit

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"math"
	"math/rand/v2"
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
	defaultMaxRetries = 32
	valueVersion      = 1
	valueLen          = 1 + 8 + 8 // version, count, window end (unix ns)
	lockStripes       = 64
)

// BadgerStore is a limiter.Store kept in a Badger database. It is safe for
// concurrent use. Closing the database is the caller's business.
type BadgerStore struct {
	db         *badger.DB
	prefix     string
	now        func() time.Time
	maxRetries int

	// Striped locks serialise updates of one key inside this process, so
	// a hot key (one client hammering) costs a short wait rather than a
	// storm of transaction conflicts; conflicts with other writers of the
	// same database are still handled by retrying.
	seed  maphash.Seed
	locks [lockStripes]sync.Mutex
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

// WithMaxRetries bounds how many times an update is retried after a
// Badger transaction conflict (default 32). Values below 1 mean 1.
func WithMaxRetries(n int) Option {
	return func(s *BadgerStore) { s.maxRetries = max(n, 1) }
}

// NewBadgerStore returns a store that keeps each key under prefix+key in
// db. Use distinct prefixes for distinct limits sharing one database.
func NewBadgerStore(db *badger.DB, prefix string, opts ...Option) *BadgerStore {
	s := &BadgerStore{
		db:         db,
		prefix:     prefix,
		now:        time.Now,
		maxRetries: defaultMaxRetries,
		seed:       maphash.MakeSeed(),
	}
	for _, o := range opts {
		o(s)
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
	k := s.dbKey(key)
	var st state
	var now time.Time
	err := s.update(ctx, key, func(txn *badger.Txn) error {
		now = s.now()
		old, found, err := read(txn, k, now)
		if err != nil {
			return err
		}
		if found {
			// Saturate rather than wrap round to a negative count.
			st = state{count: old.count + min(count, math.MaxInt64-old.count), end: old.end}
		} else {
			st = state{count: count, end: now.Add(rate.Period)}
		}
		e := badger.NewEntry(k, st.encode())
		// Badger expires on the wall clock, at whole seconds, and drops
		// an entry once ExpiresAt <= now: round up so it never vanishes
		// before the window ends.
		e.ExpiresAt = uint64(time.Now().Add(st.end.Sub(now)).Unix()) + 1
		return txn.SetEntry(e)
	})
	if err != nil {
		return limiter.Context{}, fmt.Errorf("limit: increment %q: %w", key, err)
	}
	return common.GetContextFromState(now, rate, st.end, st.count), nil
}

// Peek returns key's limit context without counting a hit.
func (s *BadgerStore) Peek(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	if err := checkRate(rate); err != nil {
		return limiter.Context{}, err
	}
	if err := ctx.Err(); err != nil {
		return limiter.Context{}, fmt.Errorf("limit: peek %q: %w", key, err)
	}
	k := s.dbKey(key)
	now := s.now()
	st := state{end: now.Add(rate.Period)} // what a first hit now would open
	err := s.db.View(func(txn *badger.Txn) error {
		old, found, err := read(txn, k, now)
		if found {
			st = old
		}
		return err
	})
	if err != nil {
		return limiter.Context{}, fmt.Errorf("limit: peek %q: %w", key, err)
	}
	return common.GetContextFromState(now, rate, st.end, st.count), nil
}

// Reset forgets key's window and count.
func (s *BadgerStore) Reset(ctx context.Context, key string, rate limiter.Rate) (limiter.Context, error) {
	if err := checkRate(rate); err != nil {
		return limiter.Context{}, err
	}
	k := s.dbKey(key)
	err := s.update(ctx, key, func(txn *badger.Txn) error { return txn.Delete(k) })
	if err != nil {
		return limiter.Context{}, fmt.Errorf("limit: reset %q: %w", key, err)
	}
	now := s.now()
	return common.GetContextFromState(now, rate, now.Add(rate.Period), 0), nil
}

// update runs fn in a read-write transaction, holding key's stripe lock,
// and retries it when Badger reports a conflict with another writer.
func (s *BadgerStore) update(ctx context.Context, key string, fn func(*badger.Txn) error) error {
	mu := &s.locks[maphash.String(s.seed, key)%lockStripes]
	mu.Lock()
	defer mu.Unlock()
	for attempt := 1; ; attempt++ {
		if err := ctx.Err(); err != nil {
			return err
		}
		err := s.db.Update(fn)
		if !errors.Is(err, badger.ErrConflict) {
			return err
		}
		if attempt >= s.maxRetries {
			return fmt.Errorf("gave up after %d conflicting attempts: %w", attempt, err)
		}
		// A short random pause de-synchronises competing writers.
		t := time.NewTimer(time.Duration(rand.Int64N(int64(attempt) * int64(100*time.Microsecond))))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
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

// read returns k's state if it exists and its window is still open at now.
func read(txn *badger.Txn, k []byte, now time.Time) (st state, found bool, err error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return state{}, false, nil
	}
	if err != nil {
		return state{}, false, err
	}
	err = item.Value(func(v []byte) error {
		st, err = decode(v)
		return err
	})
	if err != nil {
		return state{}, false, err
	}
	// The window is [start, end): at end a new one begins.
	if !now.Before(st.end) {
		return state{}, false, nil
	}
	return st, true, nil
}
