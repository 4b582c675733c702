package store

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// Passkey is a WebAuthn credential of an account. The store keeps the
// fields as plain data; the passkey journey turns them into go-webauthn's
// credential and back.
type Passkey struct {
	ID        []byte `json:"id"` // credential id
	AccountID string `json:"account_id"`
	Portal    string `json:"portal"`
	Name      string `json:"name"`
	PublicKey []byte `json:"public_key"` // COSE key
	// AttestationType and AttestationFormat as verified at registration.
	AttestationType   string   `json:"attestation_type,omitempty"`
	AttestationFormat string   `json:"attestation_format,omitempty"`
	Transports        []string `json:"transports,omitempty"`
	Attachment        string   `json:"attachment,omitempty"`
	AAGUID            []byte   `json:"aaguid,omitempty"`
	// Flags of the authenticator data: user presence and verification,
	// backup eligibility (never changes) and backup state (may change).
	UserPresent    bool `json:"up"`
	UserVerified   bool `json:"uv"`
	BackupEligible bool `json:"be"`
	BackupState    bool `json:"bs"`
	// SignCount is the last signature counter seen (0: the authenticator
	// does not count).
	SignCount uint32    `json:"sign_count"`
	Created   time.Time `json:"created"`
	LastUsed  time.Time `json:"last_used,omitzero"`
}

// PasskeyKey is the form of a credential id inside keys and URLs.
func PasskeyKey(id []byte) string { return base64.RawURLEncoding.EncodeToString(id) }

func passkeyKey(account string, id []byte) string {
	return pPasskey + account + "/" + PasskeyKey(id)
}

// ErrExists says a record with the same identity is already there.
var ErrExists = errors.New("store: already exists")

// SetWebAuthnID gives the account its WebAuthn user handle, unless it has
// one already, and returns the account as stored.
func (s *Store) SetWebAuthnID(ctx context.Context, accountID string, handle []byte) (Account, error) {
	var a Account
	err := s.update(ctx, func(txn *badger.Txn) error {
		if err := getJSON(txn, pAccount+accountID, &a); err != nil {
			return err
		}
		if len(a.WebAuthnID) > 0 {
			return nil
		}
		a.WebAuthnID = slices.Clone(handle)
		return setJSON(txn, pAccount+a.ID, a, 0)
	})
	return a, err
}

// Passkeys lists the passkeys of an account, oldest first.
func (s *Store) Passkeys(ctx context.Context, accountID string) ([]Passkey, error) {
	var out []Passkey
	err := s.view(ctx, func(txn *badger.Txn) error {
		var err error
		out, err = passkeysOf(txn, accountID)
		return err
	})
	if err != nil {
		return nil, err
	}
	slices.SortStableFunc(out, func(a, b Passkey) int { return a.Created.Compare(b.Created) })
	return out, nil
}

func passkeysOf(txn *badger.Txn, accountID string) ([]Passkey, error) {
	var out []Passkey
	it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(pPasskey + accountID + "/"), PrefetchValues: true})
	defer it.Close()
	for it.Rewind(); it.Valid(); it.Next() {
		var pk Passkey
		err := it.Item().Value(func(b []byte) error { return json.Unmarshal(b, &pk) })
		if err != nil {
			return nil, fmt.Errorf("store: decode passkey: %w", err)
		}
		out = append(out, pk)
	}
	return out, nil
}

// PasskeyOwner returns the passkey with credential id, whichever account
// holds it, or ErrNotFound.
func (s *Store) PasskeyOwner(ctx context.Context, id []byte) (Passkey, error) {
	var pk Passkey
	err := s.view(ctx, func(txn *badger.Txn) error {
		account, err := getString(txn, pPasskeyID+PasskeyKey(id))
		if err != nil {
			return err
		}
		return getJSON(txn, passkeyKey(account, id), &pk)
	})
	return pk, err
}

// AddPasskey stores a new passkey of its account and queues job, when not
// nil, in the same transaction. A credential id already registered, on
// any account, is refused with ErrExists; a missing account with
// ErrNotFound.
func (s *Store) AddPasskey(ctx context.Context, pk Passkey, job *outbox.Job) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		var a Account
		if err := getJSON(txn, pAccount+pk.AccountID, &a); err != nil {
			return err
		}
		if _, err := getString(txn, pPasskeyID+PasskeyKey(pk.ID)); err == nil {
			return ErrExists
		} else if !errors.Is(err, ErrNotFound) {
			return err
		}
		if err := setJSON(txn, passkeyKey(pk.AccountID, pk.ID), pk, 0); err != nil {
			return err
		}
		if err := setBytes(txn, pPasskeyID+PasskeyKey(pk.ID), []byte(pk.AccountID), 0); err != nil {
			return err
		}
		return s.enqueue(txn, job)
	})
	if err == nil {
		s.notify(job)
	}
	return err
}

// PasskeyUse is what a verified sign-in changes on a passkey.
type PasskeyUse struct {
	AccountID string
	ID        []byte
	// SeenCount is the counter the assertion was verified against: if the
	// stored one moved meanwhile (a concurrent sign-in with the same
	// credential), the use fails with ErrConflict.
	SeenCount uint32
	SignCount uint32
	// UserVerified is the credential's recorded user verification, as
	// go-webauthn advances it; BackupState the assertion's.
	UserVerified bool
	BackupState  bool
	At           time.Time
}

// UsePasskey records a verified sign-in: the new counter, flags and time.
// A passkey deleted meanwhile gives ErrNotFound.
func (s *Store) UsePasskey(ctx context.Context, u PasskeyUse) error {
	return s.update(ctx, func(txn *badger.Txn) error {
		var pk Passkey
		key := passkeyKey(u.AccountID, u.ID)
		if err := getJSON(txn, key, &pk); err != nil {
			return err
		}
		if pk.SignCount != u.SeenCount {
			return ErrConflict
		}
		pk.SignCount, pk.BackupState, pk.LastUsed = u.SignCount, u.BackupState, u.At.UTC()
		pk.UserVerified = u.UserVerified
		return setJSON(txn, key, pk, 0)
	})
}

// DeletePasskey removes a passkey of an account, ends the sessions it
// opened but the one whose digest is keepSession (the member deleting
// it), and queues job, all in one transaction. ErrNotFound when the
// account has no such passkey.
func (s *Store) DeletePasskey(ctx context.Context, accountID string, id []byte, keepSession string, job *outbox.Job) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		key := passkeyKey(accountID, id)
		var pk Passkey
		if err := getJSON(txn, key, &pk); err != nil {
			return err
		}
		if err := txn.Delete([]byte(key)); err != nil {
			return fmt.Errorf("store: delete: %w", err)
		}
		if err := txn.Delete([]byte(pPasskeyID + PasskeyKey(id))); err != nil {
			return fmt.Errorf("store: delete: %w", err)
		}
		if err := deleteSessionsOpenedBy(txn, accountID, PasskeyKey(id), keepSession); err != nil {
			return err
		}
		return s.enqueue(txn, job)
	})
	if err == nil {
		s.notify(job)
	}
	return err
}

// Ceremony is a passkey registration or sign-in under way: go-webauthn's
// session data, bound to one browser by the digest of a cookie.
type Ceremony struct {
	Digest string `json:"-"`
	// Kind is "register" or "signin".
	Kind   string `json:"kind"`
	Portal string `json:"portal"`
	// AccountID is the account a registration adds a passkey to.
	AccountID string `json:"account_id,omitempty"`
	// Name is the name a registration gives the passkey.
	Name string `json:"name,omitempty"`
	// Data is go-webauthn's SessionData, as JSON.
	Data    json.RawMessage `json:"data"`
	Expires time.Time       `json:"expires"`
}

// PutCeremony stores a ceremony until it expires.
func (s *Store) PutCeremony(ctx context.Context, c Ceremony) error {
	return s.update(ctx, func(txn *badger.Txn) error {
		ttl := c.Expires.Sub(s.now())
		if ttl <= 0 {
			return ErrExpired
		}
		// Badger's TTL counts whole seconds: a second more, never less.
		return setJSON(txn, pCeremony+c.Digest, c, ttl+time.Second)
	})
}

// TakeCeremony consumes the ceremony with digest, in one transaction: it
// is gone afterwards whatever the caller does with it. A ceremony past
// its Expires gives ErrExpired (and is gone too); none, ErrNotFound.
func (s *Store) TakeCeremony(ctx context.Context, digest string) (Ceremony, error) {
	var c Ceremony
	err := s.update(ctx, func(txn *badger.Txn) error {
		c = Ceremony{}
		if err := getJSON(txn, pCeremony+digest, &c); err != nil {
			return err
		}
		if err := txn.Delete([]byte(pCeremony + digest)); err != nil {
			return fmt.Errorf("store: delete: %w", err)
		}
		return nil
	})
	c.Digest = digest
	if err != nil {
		return Ceremony{}, err
	}
	if !s.now().Before(c.Expires) {
		return Ceremony{}, ErrExpired
	}
	return c, nil
}
