package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// Token states.
const (
	StateActive     = "active"
	StateUsed       = "used"
	StateSuperseded = "superseded"
)

// Retention is how long a token record outlives its expiry, so that a late
// click is told "expired", "used" or "superseded" rather than "invalid".
const Retention = 7 * 24 * time.Hour

// Kept is how many token records of one account and purpose are retained:
// the newest and the Kept-1 before it. Issuing one more deletes the oldest,
// whose late click is then told "invalid". Without the bound, an account
// asked for a link every second would keep 600,000 records for a week;
// with it the database holds at most Kept records per account and purpose,
// whatever the rate the limits allow.
const Kept = 5

// Token is the digest of a link token or code and what it may do.
type Token struct {
	Digest    string    `json:"-"`
	AccountID string    `json:"account_id"`
	Portal    string    `json:"portal"`
	Purpose   string    `json:"purpose"`
	State     string    `json:"state"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	Tries     int       `json:"tries,omitempty"`
	MaxTries  int       `json:"max_tries,omitempty"`
}

func currentKey(account, purpose string) string { return pCurrent + account + "/" + purpose }
func historyKey(account, purpose string) string { return pHistory + account + "/" + purpose }

func (s *Store) ttl(expires time.Time) time.Duration {
	return expires.Sub(s.now()) + Retention
}

// IssueToken stores t as the only usable token of its account and purpose:
// every older one is marked superseded. job, when not nil, is queued in the
// same transaction.
func (s *Store) IssueToken(ctx context.Context, t Token, job *outbox.Job) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		if err := s.issue(txn, t); err != nil {
			return err
		}
		return s.enqueue(txn, job)
	})
	if err == nil {
		s.notify(job)
	}
	return err
}

// issue stores t, active, as the newest token of its account and purpose:
// the previous one is superseded and the oldest beyond Kept deleted.
func (s *Store) issue(txn *badger.Txn, t Token) error {
	t.State = StateActive
	if err := s.supersede(txn, t.AccountID, t.Purpose); err != nil {
		return err
	}
	ttl := s.ttl(t.Expires)
	if err := setJSON(txn, pToken+t.Digest, t, ttl); err != nil {
		return err
	}
	if err := setBytes(txn, currentKey(t.AccountID, t.Purpose), []byte(t.Digest), ttl); err != nil {
		return err
	}
	return s.remember(txn, t.AccountID, t.Purpose, t.Digest, ttl)
}

// remember puts digest first in the history of account and purpose and
// deletes the token records that fall beyond Kept. The history lives as
// long as its newest token.
func (s *Store) remember(txn *badger.Txn, account, purpose, digest string, ttl time.Duration) error {
	key := historyKey(account, purpose)
	old, err := getString(txn, key)
	if err != nil && !errors.Is(err, ErrNotFound) {
		return err
	}
	kept := []string{digest}
	for _, d := range strings.Fields(old) {
		if d == digest {
			continue
		}
		if len(kept) < Kept {
			kept = append(kept, d)
			continue
		}
		if err := txn.Delete([]byte(pToken + d)); err != nil {
			return fmt.Errorf("store: delete an old token: %w", err)
		}
	}
	return setBytes(txn, key, []byte(strings.Join(kept, " ")), ttl)
}

// supersede marks the current token of account and purpose superseded.
func (s *Store) supersede(txn *badger.Txn, account, purpose string) error {
	digest, err := getString(txn, currentKey(account, purpose))
	if errors.Is(err, ErrNotFound) {
		return nil
	}
	if err != nil {
		return err
	}
	var old Token
	if err := getJSON(txn, pToken+digest, &old); err != nil {
		if errors.Is(err, ErrNotFound) {
			return nil
		}
		return err
	}
	if old.State != StateActive {
		return nil
	}
	old.State = StateSuperseded
	return setJSON(txn, pToken+digest, old, s.ttl(old.Expires))
}

// check says whether t can still be used at now.
func check(t Token, now time.Time) error {
	switch {
	case t.State == StateUsed:
		return ErrUsed
	case t.State == StateSuperseded:
		return ErrSuperseded
	case !now.Before(t.Expires):
		return ErrExpired
	case t.MaxTries > 0 && t.Tries >= t.MaxTries:
		return ErrDead
	}
	return nil
}

// Token returns the token with digest if it may still be used for purpose;
// otherwise ErrNotFound, ErrUsed, ErrSuperseded, ErrExpired or ErrDead.
// Looking never consumes.
func (s *Store) Token(ctx context.Context, digest, purpose string) (Token, error) {
	var t Token
	err := s.view(ctx, func(txn *badger.Txn) error {
		if err := getJSON(txn, pToken+digest, &t); err != nil {
			return err
		}
		if t.Purpose != purpose {
			return ErrNotFound
		}
		return check(t, s.now())
	})
	t.Digest = digest
	return t, err
}

// CurrentToken returns the newest token of account for purpose, if usable.
func (s *Store) CurrentToken(ctx context.Context, account, purpose string) (Token, error) {
	var digest string
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		digest, err = getString(txn, currentKey(account, purpose))
		return err
	})
	if err != nil {
		return Token{}, err
	}
	return s.Token(ctx, digest, purpose)
}

// TryCode compares a typed code's digest with the newest code of account
// and purpose. A wrong code spends a try; the last try kills the code. It
// returns the tries left. A right code is consumed at once when consume is
// set.
func (s *Store) TryCode(ctx context.Context, account, purpose, digest string, consume bool) (left int, err error) {
	wrong := false
	err = s.update(ctx, func(txn *badger.Txn) error {
		wrong = false
		current, err := getString(txn, currentKey(account, purpose))
		if err != nil {
			return err
		}
		var t Token
		if err := getJSON(txn, pToken+current, &t); err != nil {
			return err
		}
		if err := check(t, s.now()); err != nil {
			return err
		}
		if current == digest {
			left = t.MaxTries - t.Tries
			if consume {
				t.State = StateUsed
				return setJSON(txn, pToken+current, t, s.ttl(t.Expires))
			}
			return nil
		}
		t.Tries++
		left = t.MaxTries - t.Tries
		wrong = true
		// The spent try must be committed: return nil, report after.
		return setJSON(txn, pToken+current, t, s.ttl(t.Expires))
	})
	if err == nil && wrong {
		if left <= 0 {
			return 0, ErrDead
		}
		return left, ErrWrongCode
	}
	return left, err
}

// ErrWrongCode says a typed code was wrong and tries remain.
var ErrWrongCode = errors.New("store: wrong code")

// PasswordChange is the new password of an account.
type PasswordChange struct {
	AccountID string
	// ExpectHash is the hash read before the new one was computed: if it
	// changed meanwhile, the change fails with ErrConflict.
	ExpectHash string
	NewHash    string
	At         time.Time
	// ConsumeDigest and Purpose name the token the change uses up, if any.
	ConsumeDigest string
	Purpose       string
	// Notify is the notification mail, queued in the same transaction.
	Notify *outbox.Job
}

// ChangePassword sets a new password hash and, atomically: uses up the
// token that allowed it, kills every other token and code of the account,
// ends all its sessions, and queues the notification.
func (s *Store) ChangePassword(ctx context.Context, c PasswordChange) (Account, error) {
	var a Account
	err := s.update(ctx, func(txn *badger.Txn) error {
		if c.ConsumeDigest != "" {
			var t Token
			if err := getJSON(txn, pToken+c.ConsumeDigest, &t); err != nil {
				return err
			}
			if t.Purpose != c.Purpose || t.AccountID != c.AccountID {
				return ErrNotFound
			}
			if err := check(t, s.now()); err != nil {
				return err
			}
			t.State = StateUsed
			if err := setJSON(txn, pToken+c.ConsumeDigest, t, s.ttl(t.Expires)); err != nil {
				return err
			}
		}
		if err := getJSON(txn, pAccount+c.AccountID, &a); err != nil {
			return err
		}
		if a.PasswordHash != c.ExpectHash {
			return ErrConflict
		}
		a.PasswordHash, a.PasswordChangedAt = c.NewHash, c.At.UTC()
		if err := setJSON(txn, pAccount+a.ID, a, 0); err != nil {
			return err
		}
		if err := s.revokeAll(txn, a.ID); err != nil {
			return err
		}
		if err := deleteSessions(txn, a.ID); err != nil {
			return err
		}
		return s.enqueue(txn, c.Notify)
	})
	if err == nil {
		s.notify(c.Notify)
	}
	return a, err
}

// revokeAll supersedes every outstanding token and code of account.
func (s *Store) revokeAll(txn *badger.Txn, account string) error {
	prefix := []byte(currentKey(account, ""))
	var purposes []string
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	for it.Rewind(); it.Valid(); it.Next() {
		purposes = append(purposes, strings.TrimPrefix(string(it.Item().Key()), string(prefix)))
	}
	it.Close()
	for _, p := range purposes {
		if err := s.supersede(txn, account, p); err != nil {
			return err
		}
		if err := txn.Delete([]byte(currentKey(account, p))); err != nil {
			return err
		}
	}
	return nil
}
