// Package store keeps Sésame's state in Badger: accounts and their
// identifier indexes, recovery tokens and codes (digests only), recovery
// flows, sessions, passkeys and passkey ceremonies.
//
// Every operation that changes several records does it in one transaction,
// and the operations that e-mail something write the outbox job in that same
// transaction, so an accepted request is never lost and never half done.
// With a Syncer (WithSyncer), each write returns once its transaction is on
// disk: one synced commit per operation, its fsync shared with the
// operations committing at the same time.
// Journeys declare the few methods they need as their own interfaces; a
// Redis implementation of the same methods can replace this one.
package store

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// Key prefixes. One letter each: keys are read often.
const (
	pAccount = "a/" // a/<id> → Account
	pIndex   = "i/" // i/<portal>/<kind>/<key> → account id
	pToken   = "t/" // t/<digest> → Token
	pCurrent = "c/" // c/<account>/<purpose> → tokenList: the Kept newest digests, newest first
	pFlow    = "f/" // f/<id> → Flow
	pSession = "s/" // s/<digest> → Session
	pAcctSes = "z/" // z/<account>/<digest> → "" (sessions of an account)
	pProbe   = "p/" // p/<digest> → recovery request trace (parity writes)
	// Passkeys; credential ids are written base64url without padding.
	pPasskey   = "w/"  // w/<account>/<credential id> → Passkey
	pPasskeyID = "wi/" // wi/<credential id> → account id (owner of an assertion)
	pCeremony  = "wc/" // wc/<digest> → Ceremony (registration or sign-in under way)
)

// Errors callers branch on.
var (
	ErrNotFound   = errors.New("store: not found")
	ErrExpired    = errors.New("store: expired")
	ErrUsed       = errors.New("store: already used")
	ErrSuperseded = errors.New("store: superseded by a newer one")
	ErrDead       = errors.New("store: no tries left")
	ErrConflict   = errors.New("store: changed concurrently")
)

// Enqueuer writes a mail job into the caller's transaction, and is told
// the IDs of the jobs whose transaction committed.
type Enqueuer interface {
	Enqueue(txn *badger.Txn, j outbox.Job) (outbox.Job, error)
	Notify(ids ...string)
}

// Syncer makes the transactions committed before a call durable (see
// badgerdb.Syncer: one fsync shared by concurrent commits).
type Syncer interface {
	Sync(ctx context.Context) error
}

// Store is the Badger implementation.
type Store struct {
	db   *badger.DB
	out  Enqueuer
	now  func() time.Time
	sync Syncer // nil: Badger syncs its commits itself, or nothing needs to
}

// Option configures a Store.
type Option func(*Store)

// WithSyncer makes every write wait for sy before it returns, for a
// database whose commits are not synced by Badger itself
// (badgerdb.OpenGroupCommit): a write that returned nil is on disk.
func WithSyncer(sy Syncer) Option {
	return func(s *Store) { s.sync = sy }
}

// New returns a Store over db that queues mail in out.
func New(db *badger.DB, out Enqueuer, now func() time.Time, opts ...Option) *Store {
	if now == nil {
		now = time.Now
	}
	s := &Store{db: db, out: out, now: now}
	for _, o := range opts {
		o(s)
	}
	return s
}

// DB exposes the database for readiness checks.
func (s *Store) DB() *badger.DB { return s.db }

// update runs fn in a read-write transaction, retrying a few times when
// another transaction wrote the same keys first. Once it has committed, it
// waits until the commit is durable: the one synced write of a request.
func (s *Store) update(ctx context.Context, fn func(txn *badger.Txn) error) error {
	var err error
	for range 5 {
		if err = ctx.Err(); err != nil {
			return err
		}
		err = s.db.Update(fn)
		if err == nil && s.sync != nil {
			return s.sync.Sync(ctx)
		}
		if !errors.Is(err, badger.ErrConflict) {
			return err
		}
	}
	return fmt.Errorf("%w: %w", ErrConflict, err)
}

func (s *Store) view(ctx context.Context, fn func(txn *badger.Txn) error) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	return s.db.View(fn)
}

func getJSON(txn *badger.Txn, key string, v any) error {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return ErrNotFound
	}
	if err != nil {
		return fmt.Errorf("store: get: %w", err)
	}
	return item.Value(func(b []byte) error {
		if err := json.Unmarshal(b, v); err != nil {
			return fmt.Errorf("store: decode %q: %w", key[:2], err)
		}
		return nil
	})
}

func getString(txn *badger.Txn, key string) (string, error) {
	item, err := txn.Get([]byte(key))
	if errors.Is(err, badger.ErrKeyNotFound) {
		return "", ErrNotFound
	}
	if err != nil {
		return "", fmt.Errorf("store: get: %w", err)
	}
	b, err := item.ValueCopy(nil)
	return string(b), err
}

// setJSON writes v under key; a positive ttl lets Badger drop the record
// once it can no longer matter (expiry itself is always checked on read).
func setJSON(txn *badger.Txn, key string, v any, ttl time.Duration) error {
	b, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("store: encode: %w", err)
	}
	return setBytes(txn, key, b, ttl)
}

func setBytes(txn *badger.Txn, key string, b []byte, ttl time.Duration) error {
	e := badger.NewEntry([]byte(key), b)
	if ttl > 0 {
		e = e.WithTTL(ttl)
	}
	if err := txn.SetEntry(e); err != nil {
		return fmt.Errorf("store: set: %w", err)
	}
	return nil
}

// enqueue writes job in txn when there is one, and notes its ID in job
// (the ID of the last attempt, the one that commits).
func (s *Store) enqueue(txn *badger.Txn, job *outbox.Job) error {
	if job == nil {
		return nil
	}
	stored, err := s.out.Enqueue(txn, *job)
	if err != nil {
		return fmt.Errorf("store: queue mail: %w", err)
	}
	job.ID = stored.ID
	return nil
}

// notify hands the committed job to the outbox's workers.
func (s *Store) notify(job *outbox.Job) {
	if job != nil {
		s.out.Notify(job.ID)
	}
}
