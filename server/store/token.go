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

// Token states. A token is superseded when it is no longer the newest of
// its account and purpose (see tokenList); records written before that was
// derived may still say StateSuperseded.
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

// tokenList is the record c/<account>/<purpose>: the digests of the
// account's Kept newest tokens for purpose, newest first, and whether the
// newest was revoked by a password change. Only the newest, unrevoked, may
// be used: the others are superseded. Issuing a token writes this one
// record instead of rewriting the previous token's.
//
// It is stored as the digests separated by spaces, after a "-" when
// revoked. (SetFlowCode stores a flow ID the same way, a list of one.)
type tokenList struct {
	revoked bool
	digests []string
}

func parseTokenList(v string) tokenList {
	f := strings.Fields(v)
	if len(f) > 0 && f[0] == "-" {
		return tokenList{revoked: true, digests: f[1:]}
	}
	return tokenList{digests: f}
}

func (l tokenList) String() string {
	s := strings.Join(l.digests, " ")
	if l.revoked {
		return "- " + s
	}
	return s
}

// current is the digest that may be used, "" if none.
func (l tokenList) current() string {
	if l.revoked || len(l.digests) == 0 {
		return ""
	}
	return l.digests[0]
}

// getTokenList reads the list of account and purpose; none is an empty
// list.
func getTokenList(txn *badger.Txn, account, purpose string) (tokenList, error) {
	v, err := getString(txn, currentKey(account, purpose))
	if errors.Is(err, ErrNotFound) {
		return tokenList{}, nil
	}
	return parseTokenList(v), err
}

// currentDigest returns the digest of the token of account and purpose
// that may be used, or ErrNotFound.
func currentDigest(txn *badger.Txn, account, purpose string) (string, error) {
	l, err := getTokenList(txn, account, purpose)
	if err != nil {
		return "", err
	}
	if c := l.current(); c != "" {
		return c, nil
	}
	return "", ErrNotFound
}

func (s *Store) ttl(expires time.Time) time.Duration {
	return expires.Sub(s.now()) + Retention
}

// IssueToken stores t as the only usable token of its account and purpose:
// every older one is superseded. job, when not nil, is queued in the same
// transaction.
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

// issue stores t, active, as the newest token of its account and purpose,
// which supersedes the others, and deletes the records beyond Kept. The
// list lives as long as its newest token.
func (s *Store) issue(txn *badger.Txn, t Token) error {
	t.State = StateActive
	old, err := getTokenList(txn, t.AccountID, t.Purpose)
	if err != nil {
		return err
	}
	l := tokenList{digests: make([]string, 1, Kept)}
	l.digests[0] = t.Digest
	for _, d := range old.digests {
		switch {
		case d == t.Digest:
		case len(l.digests) < Kept:
			l.digests = append(l.digests, d)
		default:
			if err := txn.Delete([]byte(pToken + d)); err != nil {
				return fmt.Errorf("store: delete an old token: %w", err)
			}
		}
	}
	ttl := s.ttl(t.Expires)
	if err := setJSON(txn, pToken+t.Digest, t, ttl); err != nil {
		return err
	}
	return setBytes(txn, currentKey(t.AccountID, t.Purpose), []byte(l.String()), ttl)
}

// usable says whether t, whose account and purpose let current be used,
// can still be used at now.
func usable(t Token, current string, now time.Time) error {
	switch {
	case t.State == StateUsed:
		return ErrUsed
	case t.State == StateSuperseded || t.Digest != current:
		return ErrSuperseded
	case !now.Before(t.Expires):
		return ErrExpired
	case t.MaxTries > 0 && t.Tries >= t.MaxTries:
		return ErrDead
	}
	return nil
}

// getToken reads the token with digest and tells whether it can be used.
// The token is returned, with its Digest, whenever it exists.
func (s *Store) getToken(txn *badger.Txn, digest string) (Token, error) {
	var t Token
	if err := getJSON(txn, pToken+digest, &t); err != nil {
		return t, err
	}
	t.Digest = digest
	l, err := getTokenList(txn, t.AccountID, t.Purpose)
	if err != nil {
		return t, err
	}
	return t, usable(t, l.current(), s.now())
}

// Token returns the token with digest if it may still be used for purpose;
// otherwise ErrNotFound, ErrUsed, ErrSuperseded, ErrExpired or ErrDead.
// Looking never consumes.
func (s *Store) Token(ctx context.Context, digest, purpose string) (Token, error) {
	var t Token
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		t, err = s.getToken(txn, digest)
		if t.Digest != "" && t.Purpose != purpose {
			return ErrNotFound
		}
		return err
	})
	t.Digest = digest
	return t, err
}

// CurrentToken returns the newest token of account for purpose, if usable.
func (s *Store) CurrentToken(ctx context.Context, account, purpose string) (Token, error) {
	var digest string
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		digest, err = currentDigest(txn, account, purpose)
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
		current, err := currentDigest(txn, account, purpose)
		if err != nil {
			return err
		}
		t, err := s.getToken(txn, current)
		if err != nil {
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
			t, err := s.getToken(txn, c.ConsumeDigest)
			if t.Digest != "" && (t.Purpose != c.Purpose || t.AccountID != c.AccountID) {
				return ErrNotFound
			}
			if err != nil {
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

// revokeAll supersedes every outstanding token and code of account: each
// of its lists is marked revoked, and keeps its expiry.
func (s *Store) revokeAll(txn *badger.Txn, account string) error {
	type list struct {
		key     []byte
		l       tokenList
		expires uint64
	}
	var revoke []list
	it := txn.NewIterator(badger.IteratorOptions{PrefetchValues: true, Prefix: []byte(currentKey(account, ""))})
	for it.Rewind(); it.Valid(); it.Next() {
		item := it.Item()
		v, err := item.ValueCopy(nil)
		if err != nil {
			it.Close()
			return fmt.Errorf("store: read a token list: %w", err)
		}
		if l := parseTokenList(string(v)); !l.revoked {
			l.revoked = true
			revoke = append(revoke, list{item.KeyCopy(nil), l, item.ExpiresAt()})
		}
	}
	it.Close()
	for _, r := range revoke {
		e := badger.NewEntry(r.key, []byte(r.l.String()))
		e.ExpiresAt = r.expires
		if err := txn.SetEntry(e); err != nil {
			return fmt.Errorf("store: revoke: %w", err)
		}
	}
	return nil
}
