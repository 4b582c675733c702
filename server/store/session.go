package store

import (
	"context"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Session is a signed-in browser. Only the digest of its cookie is kept.
type Session struct {
	Digest    string    `json:"-"`
	AccountID string    `json:"account_id"`
	Portal    string    `json:"portal"`
	Created   time.Time `json:"created"`
	LastSeen  time.Time `json:"last_seen"`
	// Expires is the absolute end; idle expiry is computed from LastSeen.
	Expires time.Time `json:"expires"`
	// Method is how the session was opened (MethodPassword or
	// MethodPasskey), at Created; PasskeyID names the passkey of a passkey
	// sign-in (PasskeyKey form).
	Method    string `json:"method,omitempty"`
	PasskeyID string `json:"passkey_id,omitempty"`
}

// How a session was opened.
const (
	MethodPassword = "password"
	MethodPasskey  = "passkey"
)

func accountSessionKey(account, digest string) string { return pAcctSes + account + "/" + digest }

// PutSession stores or refreshes a session.
func (s *Store) PutSession(ctx context.Context, sess Session) error {
	return s.update(ctx, func(txn *badger.Txn) error {
		ttl := sess.Expires.Sub(s.now())
		if ttl <= 0 {
			return nil
		}
		if err := setJSON(txn, pSession+sess.Digest, sess, ttl); err != nil {
			return err
		}
		return setBytes(txn, accountSessionKey(sess.AccountID, sess.Digest), nil, ttl)
	})
}

// Session returns the session with digest, or ErrNotFound.
func (s *Store) Session(ctx context.Context, digest string) (Session, error) {
	var sess Session
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, pSession+digest, &sess) })
	sess.Digest = digest
	return sess, err
}

// DeleteSession ends one session.
func (s *Store) DeleteSession(ctx context.Context, sess Session) error {
	return s.update(ctx, func(txn *badger.Txn) error {
		if err := txn.Delete([]byte(pSession + sess.Digest)); err != nil {
			return err
		}
		return txn.Delete([]byte(accountSessionKey(sess.AccountID, sess.Digest)))
	})
}

// EndSessions ends every session of an account.
func (s *Store) EndSessions(ctx context.Context, account string) error {
	return s.update(ctx, func(txn *badger.Txn) error { return deleteSessions(txn, account) })
}

func deleteSessions(txn *badger.Txn, account string) error {
	prefix := []byte(accountSessionKey(account, ""))
	var keys [][]byte
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	for it.Rewind(); it.Valid(); it.Next() {
		keys = append(keys, it.Item().KeyCopy(nil))
	}
	it.Close()
	for _, k := range keys {
		if err := txn.Delete([]byte(pSession + string(k[len(prefix):]))); err != nil {
			return err
		}
		if err := txn.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// deleteSessionsOpenedBy ends the sessions of account that the passkey
// with key id opened, but the one whose digest is keep.
func deleteSessionsOpenedBy(txn *badger.Txn, account, id, keep string) error {
	prefix := []byte(accountSessionKey(account, ""))
	var doomed []string
	it := txn.NewIterator(badger.IteratorOptions{Prefix: prefix})
	for it.Rewind(); it.Valid(); it.Next() {
		doomed = append(doomed, string(it.Item().Key()[len(prefix):]))
	}
	it.Close()
	for _, digest := range doomed {
		if digest == keep {
			continue
		}
		var sess Session
		err := getJSON(txn, pSession+digest, &sess)
		if errors.Is(err, ErrNotFound) {
			continue
		}
		if err != nil {
			return err
		}
		if sess.Method != MethodPasskey || sess.PasskeyID != id {
			continue
		}
		if err := txn.Delete([]byte(pSession + digest)); err != nil {
			return err
		}
		if err := txn.Delete([]byte(accountSessionKey(account, digest))); err != nil {
			return err
		}
	}
	return nil
}
