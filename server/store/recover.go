package store

import (
	"context"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// Recovery is what one recovery request writes, decided from the account
// it names.
type Recovery struct {
	// Token, when not nil, is issued as by IssueToken, and Job, its mail,
	// queued with it.
	Token *Token
	Job   *outbox.Job
	// Flow, when not nil, is stored (adherent: the code is sent later).
	Flow *Flow
	// Trace, when not empty, is written instead of a token, for TraceTTL:
	// a request for an unknown account costs the durable write a known
	// one costs, and answers in the same time.
	Trace    string
	TraceTTL time.Duration
}

// Recover runs a recovery request in one transaction: it looks up the
// account of portal that key identifies (as AccountBy), hands it to decide
// (found is false when there is none) and writes what decide returns.
//
// Looking up and writing in one transaction waits once for the commits
// Badger is applying (every transaction starts by waiting for them)
// instead of twice. decide runs again when a concurrent commit forces the
// transaction to start over, so it must build a fresh Recovery each time;
// an error from it is returned as is, and nothing is written.
func (s *Store) Recover(ctx context.Context, portal, kind, key string, decide func(a Account, found bool) (Recovery, error)) error {
	var job *outbox.Job
	err := s.update(ctx, func(txn *badger.Txn) error {
		job = nil
		a, err := accountBy(txn, portal, kind, key)
		if err != nil && !errors.Is(err, ErrNotFound) {
			return err
		}
		r, err := decide(a, err == nil)
		if err != nil {
			return err
		}
		if r.Flow != nil {
			if err := setJSON(txn, pFlow+r.Flow.ID, *r.Flow, s.ttl(r.Flow.Expires)); err != nil {
				return err
			}
		}
		if r.Trace != "" {
			if err := setBytes(txn, pProbe+r.Trace, []byte{1}, r.TraceTTL); err != nil {
				return err
			}
		}
		if r.Token == nil {
			return nil
		}
		if err := s.issue(txn, *r.Token); err != nil {
			return err
		}
		job = r.Job
		return s.enqueue(txn, job)
	})
	if err == nil {
		s.notify(job)
	}
	return err
}
