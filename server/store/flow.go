package store

import (
	"context"
	"errors"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// Flow is a code recovery started in one browser (adherent). It exists for
// unknown member numbers too, with no account, so that every screen goes on
// identically and simply no mail leaves.
type Flow struct {
	ID          string    `json:"-"`
	Portal      string    `json:"portal"`
	AccountID   string    `json:"account_id,omitempty"`
	BrowserHash string    `json:"browser_hash"` // digest of the flow cookie
	MaskedEmail string    `json:"masked_email"`
	Expires     time.Time `json:"expires"`
	// The code of the flow: digest, expiry, tries.
	CodeDigest  string    `json:"code_digest,omitempty"`
	CodeExpires time.Time `json:"code_expires,omitzero"`
	CodeUsed    bool      `json:"code_used,omitempty"`
	Tries       int       `json:"tries"`
	MaxTries    int       `json:"max_tries"`
	Sends       int       `json:"sends"`
}

// PurposeFlowCode names the pointer to the flow holding an account's newest
// code.
const PurposeFlowCode = "flow-code"

// PutFlow stores a new flow.
func (s *Store) PutFlow(ctx context.Context, f Flow) error {
	return s.update(ctx, func(txn *badger.Txn) error {
		return setJSON(txn, pFlow+f.ID, f, s.ttl(f.Expires))
	})
}

// Flow returns the flow with id, ErrNotFound or ErrExpired.
func (s *Store) Flow(ctx context.Context, id string) (Flow, error) {
	var f Flow
	err := s.view(ctx, func(txn *badger.Txn) error { return getJSON(txn, pFlow+id, &f) })
	if err == nil && !s.now().Before(f.Expires) {
		err = ErrExpired
	}
	f.ID = id
	return f, err
}

// SetFlowCode gives the flow a new code (the previous one dies) and queues
// its mail in the same transaction; job is nil when the flow has no
// account. Tries start again.
func (s *Store) SetFlowCode(ctx context.Context, id, digest string, expires time.Time, maxTries int, job *outbox.Job) error {
	err := s.update(ctx, func(txn *badger.Txn) error {
		var f Flow
		if err := getJSON(txn, pFlow+id, &f); err != nil {
			return err
		}
		f.CodeDigest, f.CodeExpires, f.CodeUsed = digest, expires, false
		f.Tries, f.MaxTries = 0, maxTries
		f.Sends++
		if err := setJSON(txn, pFlow+id, f, s.ttl(f.Expires)); err != nil {
			return err
		}
		if f.AccountID != "" {
			// The account's newest code is this flow's: codes sent earlier
			// from other flows die, and a password change kills it too.
			if err := setBytes(txn, currentKey(f.AccountID, PurposeFlowCode), []byte(id), s.ttl(expires)); err != nil {
				return err
			}
		}
		return s.enqueue(txn, job)
	})
	if err == nil {
		s.notify(job)
	}
	return err
}

// TryFlowCode checks a typed code against the flow's. A wrong code spends a
// try (ErrWrongCode with the tries left; ErrDead once none is left). A right
// one is used up and, in the same transaction, issue is stored as the
// account's reset token.
func (s *Store) TryFlowCode(ctx context.Context, id, digest string, issue Token) (left int, err error) {
	now := s.now()
	wrong := false
	err = s.update(ctx, func(txn *badger.Txn) error {
		wrong = false
		var f Flow
		if err := getJSON(txn, pFlow+id, &f); err != nil {
			return err
		}
		switch {
		case !now.Before(f.Expires):
			return ErrExpired
		case f.CodeDigest == "" || f.CodeUsed || !now.Before(f.CodeExpires) || f.Tries >= f.MaxTries:
			return ErrDead
		}
		if f.AccountID != "" {
			current, err := currentDigest(txn, f.AccountID, PurposeFlowCode)
			if errors.Is(err, ErrNotFound) || err == nil && current != id {
				return ErrDead
			}
			if err != nil {
				return err
			}
		}
		if f.AccountID != "" && digest == f.CodeDigest {
			f.CodeUsed = true
			if err := setJSON(txn, pFlow+id, f, s.ttl(f.Expires)); err != nil {
				return err
			}
			issue.AccountID = f.AccountID
			return s.issue(txn, issue)
		}
		f.Tries++
		left = f.MaxTries - f.Tries
		wrong = true
		// The spent try must be committed: return nil, report after.
		return setJSON(txn, pFlow+id, f, s.ttl(f.Expires))
	})
	if err == nil && wrong {
		if left <= 0 {
			return 0, ErrDead
		}
		return left, ErrWrongCode
	}
	return left, err
}
