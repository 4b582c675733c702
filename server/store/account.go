package store

import (
	"context"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Account is a member of one portal.
type Account struct {
	ID           string `json:"id"`
	Portal       string `json:"portal"`
	NIR          string `json:"nir,omitempty"`       // canonical, 15 characters
	Birthdate    string `json:"birthdate,omitempty"` // YYYY-MM-DD
	MemberNumber string `json:"member_number,omitempty"`
	// Email as given; EmailKey its lower-case lookup form.
	Email         string `json:"email,omitempty"`
	EmailKey      string `json:"email_key,omitempty"`
	EmailVerified bool   `json:"email_verified"`
	Phone         string `json:"phone,omitempty"`
	// PasswordHash is an Argon2id PHC string; empty while the first
	// connection is pending.
	PasswordHash      string    `json:"password_hash,omitempty"`
	PasswordChangedAt time.Time `json:"password_changed_at,omitzero"`
	// WebAuthnID is random, never derived from the e-mail.
	WebAuthnID []byte    `json:"webauthn_id,omitempty"`
	Created    time.Time `json:"created"`
}

// Identifier kinds of the index.
const (
	KindNIR    = "nir"
	KindEmail  = "email"
	KindMember = "member_number"
)

func indexKey(portal, kind, key string) string { return pIndex + portal + "/" + kind + "/" + key }

// indexes lists the identifiers an account is found by.
func (a Account) indexes() []string {
	var keys []string
	if a.NIR != "" {
		keys = append(keys, indexKey(a.Portal, KindNIR, a.NIR))
	}
	if a.EmailKey != "" {
		keys = append(keys, indexKey(a.Portal, KindEmail, a.EmailKey))
	}
	if a.MemberNumber != "" {
		keys = append(keys, indexKey(a.Portal, KindMember, a.MemberNumber))
	}
	return keys
}

// PutAccounts creates or replaces accounts. An account whose identifier is
// already known replaces the existing one and keeps its id, passkeys id and
// creation date; a replaced account keeps its password when the new one has
// none. It returns how many were written.
func (s *Store) PutAccounts(ctx context.Context, accounts []Account, newID func() string) (int, error) {
	err := s.update(ctx, func(txn *badger.Txn) error {
		for _, a := range accounts {
			var old Account
			found := false
			for _, k := range a.indexes() {
				id, err := getString(txn, k)
				if errors.Is(err, ErrNotFound) {
					continue
				}
				if err != nil {
					return err
				}
				if err := getJSON(txn, pAccount+id, &old); err != nil {
					return err
				}
				found = true
				break
			}
			if found {
				a.ID, a.Created, a.WebAuthnID = old.ID, old.Created, old.WebAuthnID
				if a.PasswordHash == "" {
					a.PasswordHash, a.PasswordChangedAt = old.PasswordHash, old.PasswordChangedAt
				}
				for _, k := range old.indexes() {
					if err := txn.Delete([]byte(k)); err != nil {
						return err
					}
				}
			} else {
				a.ID = newID()
				a.Created = s.now().UTC()
			}
			if err := setJSON(txn, pAccount+a.ID, a, 0); err != nil {
				return err
			}
			for _, k := range a.indexes() {
				if err := setBytes(txn, k, []byte(a.ID), 0); err != nil {
					return err
				}
			}
		}
		return nil
	})
	if err != nil {
		return 0, err
	}
	return len(accounts), nil
}

// AccountBy finds the account of portal whose identifier of kind is key.
func (s *Store) AccountBy(ctx context.Context, portal, kind, key string) (Account, error) {
	var a Account
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		a, err = accountBy(txn, portal, kind, key)
		return err
	})
	return a, err
}

func accountBy(txn *badger.Txn, portal, kind, key string) (Account, error) {
	var a Account
	id, err := getString(txn, indexKey(portal, kind, key))
	if err != nil {
		return a, err
	}
	err = getJSON(txn, pAccount+id, &a)
	return a, err
}

// Account returns the account with the given id.
func (s *Store) Account(ctx context.Context, id string) (Account, error) {
	var a Account
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, pAccount+id, &a) })
	return a, err
}

// CountAccounts counts the accounts (start-up message, tests).
func (s *Store) CountAccounts(ctx context.Context) (int, error) {
	n := 0
	err := s.view(ctx, func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pAccount)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			n++
		}
		return nil
	})
	return n, err
}
