package outbox

import (
	"crypto/cipher"
	"crypto/rand"
	"encoding/binary"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Key layout. Job IDs sort by creation time, so a prefix scan visits the
// oldest jobs first.
const (
	jobPrefix  = "outbox/job/"
	deadPrefix = "outbox/dead/"
)

// aadPrefix versions the additional data bound to each sealed secret.
const aadPrefix = "sesame/outbox/v1/"

func jobKey(id string) []byte  { return []byte(jobPrefix + id) }
func deadKey(id string) []byte { return []byte(deadPrefix + id) }

// record is the persisted form of a Job: the same fields, except that the
// secret only exists sealed.
type record struct {
	ID          string            `json:"id"`
	Kind        string            `json:"kind"`
	Lang        string            `json:"lang"`
	To          string            `json:"to"`
	Data        map[string]string `json:"data,omitempty"`
	Sealed      []byte            `json:"sealed"` // nonce || AES-GCM ciphertext of Secret
	Attempts    int               `json:"attempts"`
	NextAttempt time.Time         `json:"next_attempt"`
	Created     time.Time         `json:"created"`
	LastError   string            `json:"last_error,omitempty"`
}

// newID returns 8 bytes of big-endian unix nanoseconds followed by 8 random
// bytes, in hex: sortable by creation time and unique without coordination.
func newID(now time.Time) (string, error) {
	var b [16]byte
	binary.BigEndian.PutUint64(b[:8], uint64(now.UnixNano()))
	if _, err := rand.Read(b[8:]); err != nil {
		return "", fmt.Errorf("outbox: random job id: %w", err)
	}
	return hex.EncodeToString(b[:]), nil
}

// seal encrypts secret for job id. The empty secret is sealed too, so that
// every record is authenticated the same way.
func seal(aead cipher.AEAD, id, secret string) ([]byte, error) {
	nonce := make([]byte, aead.NonceSize(), aead.NonceSize()+len(secret)+aead.Overhead())
	if _, err := rand.Read(nonce); err != nil {
		return nil, fmt.Errorf("outbox: random nonce: %w", err)
	}
	return aead.Seal(nonce, nonce, []byte(secret), []byte(aadPrefix+id)), nil
}

// errOpen is returned when a sealed secret cannot be opened: wrong key,
// tampering, or a ciphertext moved from another job. Retrying cannot help.
var errOpen = errors.New("outbox: cannot open sealed secret (wrong key or tampered job)")

func open(aead cipher.AEAD, id string, sealed []byte) (string, error) {
	n := aead.NonceSize()
	if len(sealed) < n+aead.Overhead() {
		return "", errOpen
	}
	plain, err := aead.Open(nil, sealed[:n], sealed[n:], []byte(aadPrefix+id))
	if err != nil {
		return "", errOpen
	}
	return string(plain), nil
}

// errCorrupt marks a stored job that cannot be decoded at all.
var errCorrupt = errors.New("outbox: corrupt job record")

func encodeRecord(r *record) ([]byte, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("outbox: encode job %s: %w", r.ID, err)
	}
	return b, nil
}

func decodeRecord(b []byte) (*record, error) {
	var r record
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, fmt.Errorf("outbox: decode job: %w", err)
	}
	if r.ID == "" {
		return nil, errors.New("outbox: decode job: missing id")
	}
	return &r, nil
}

// loadRecord reads job id in a fresh transaction; found is false if the job
// no longer exists (already delivered or dead-lettered).
func loadRecord(db *badger.DB, id string) (r *record, found bool, err error) {
	err = db.View(func(txn *badger.Txn) error {
		item, err := txn.Get(jobKey(id))
		if errors.Is(err, badger.ErrKeyNotFound) {
			return nil
		}
		if err != nil {
			return err
		}
		return item.Value(func(v []byte) error {
			r, err = decodeRecord(v)
			if err != nil {
				return fmt.Errorf("%w: %w", errCorrupt, err)
			}
			found = true
			return nil
		})
	})
	if err != nil {
		return nil, false, fmt.Errorf("outbox: load job %s: %w", id, err)
	}
	return r, found, nil
}
