package store

import (
	"context"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// pThrottle prefixes the sign-in failure records:
// throttle/<digest of portal|identifier> → Throttle.
const pThrottle = "throttle/"

// Throttle is the sign-in failure record of one identifier as typed
// (whether or not an account has it): how many failures in a row, and the
// time before which the next attempt is refused.
type Throttle struct {
	Failures  int       `json:"failures"`
	NotBefore time.Time `json:"not_before,omitzero"`
	// Last is the last failure; a record older than its memory is
	// forgotten (Badger's TTL runs on the real clock, this on the store's).
	Last time.Time `json:"last"`
}

// ErrTooEarly says an attempt came before the record's NotBefore.
var ErrTooEarly = errors.New("store: too early")

func (s *Store) readThrottle(txn *badger.Txn, key string, memory time.Duration) (Throttle, bool, error) {
	var t Throttle
	err := getJSON(txn, pThrottle+key, &t)
	if errors.Is(err, ErrNotFound) {
		return Throttle{}, false, nil
	}
	if err != nil {
		return Throttle{}, false, err
	}
	if memory > 0 && s.now().Sub(t.Last) >= memory {
		return Throttle{}, false, nil
	}
	return t, true, nil
}

// Throttle returns the failure record of key (zero when there is none or
// it is older than memory).
func (s *Store) Throttle(ctx context.Context, key string, memory time.Duration) (Throttle, error) {
	var t Throttle
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		t, _, err = s.readThrottle(txn, key, memory)
		return err
	})
	return t, err
}

// BeginAttempt admits one attempt for key, atomically: before NotBefore it
// returns the record and ErrTooEarly; otherwise, when the attempt would be
// followed by a delay if it failed (hold(Failures+1) > 0), it moves
// NotBefore forward by that delay at once, so that attempts racing this one
// are refused instead of all being checked in parallel. A success clears
// the record (ClearThrottle); a failure records itself (RecordFailure).
func (s *Store) BeginAttempt(ctx context.Context, key string, hold func(failures int) time.Duration, memory time.Duration) (Throttle, error) {
	var t Throttle
	err := s.update(ctx, func(txn *badger.Txn) error {
		var found bool
		var err error
		t, found, err = s.readThrottle(txn, key, memory)
		if err != nil || !found {
			return err
		}
		now := s.now()
		if now.Before(t.NotBefore) {
			return ErrTooEarly
		}
		d := hold(t.Failures + 1)
		if d <= 0 {
			return nil
		}
		t.NotBefore = ceilSecond(now.Add(d))
		return setJSON(txn, pThrottle+key, t, memory)
	})
	return t, err
}

// RecordFailure counts one more failure for key and sets NotBefore to
// delay(failures) from now (never earlier than it already is). The record
// is forgotten memory after the last failure.
func (s *Store) RecordFailure(ctx context.Context, key string, delay func(failures int) time.Duration, memory time.Duration) (Throttle, error) {
	var t Throttle
	err := s.update(ctx, func(txn *badger.Txn) error {
		var err error
		t, _, err = s.readThrottle(txn, key, memory)
		if err != nil {
			return err
		}
		now := s.now()
		t.Failures++
		t.Last = now
		if d := delay(t.Failures); d > 0 {
			if nb := ceilSecond(now.Add(d)); nb.After(t.NotBefore) {
				t.NotBefore = nb
			}
		}
		return setJSON(txn, pThrottle+key, t, memory)
	})
	return t, err
}

// ClearThrottle forgets the failures of key. It writes only when there is
// something to forget.
func (s *Store) ClearThrottle(ctx context.Context, key string) error {
	return s.update(ctx, func(txn *badger.Txn) error {
		_, err := txn.Get([]byte(pThrottle + key))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return txn.Delete([]byte(pThrottle + key))
	})
}

// SpendTry spends one try of the newest code of account and purpose, as a
// wrong code would (a wrong current password typed with a right
// confirmation code). It returns the tries left, and ErrDead when this was
// the last one.
func (s *Store) SpendTry(ctx context.Context, account, purpose string) (left int, err error) {
	err = s.update(ctx, func(txn *badger.Txn) error {
		current, err := currentDigest(txn, account, purpose)
		if err != nil {
			return err
		}
		t, err := s.getToken(txn, current)
		if err != nil {
			return err
		}
		t.Tries++
		left = t.MaxTries - t.Tries
		return setJSON(txn, pToken+current, t, s.ttl(t.Expires))
	})
	if err == nil && left <= 0 {
		return 0, ErrDead
	}
	return left, err
}

// ceilSecond rounds t up to a whole second: a "retry at" announced to the
// second is then never earlier than the real one.
func ceilSecond(t time.Time) time.Time {
	if d := t.Truncate(time.Second); d.Before(t) {
		return d.Add(time.Second)
	}
	return t
}
