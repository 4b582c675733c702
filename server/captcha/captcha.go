// Package captcha is Sésame's anti-robot challenge: six digits shown as a
// distorted PNG image and spoken, in French, in a WAV recording ("Recopiez
// les caractères de l'image ou de l'extrait sonore").
//
// Contract kept by this package:
//
//   - The answer never leaves the server except drawn in the image or spoken
//     in the audio. Only the challenge id goes to the client.
//   - A challenge is valid for Options.TTL (5 minutes by default) and is
//     single use: Verify deletes it whatever the outcome, so a wrong answer
//     means the client asks for a new challenge (the "refresh arrow" is the
//     same thing: Create again).
//   - Unknown, already used and expired ids are indistinguishable: all give
//     ErrNotFound.
//   - Fetching the image or the audio does not consume the challenge and
//     gives the same digits every time (the audio differs byte-wise on every
//     fetch: random pauses, noise, volume and speed).
//
// Challenges live in Badger under the key "captcha/<id>" with a Badger TTL,
// so they survive a restart and are shared by concurrent requests; expiry is
// also checked on every read against Options.Now.
//
// Not done here, by design: HTTP routing (the caller maps POST
// /api/v1/captcha to Create and GET /api/v1/captcha/{id}.png|.wav to
// ServeImage/ServeAudio or WriteImage/WriteAudio), rate limiting of Create
// (the caller's Options.Allow hook), and SESAME_CAPTCHA=off (the caller just
// does not call Verify).
//
// Tests in other packages that need the answer build with
// -tags sesame_testhooks, which adds (*Service).Peek (see peek.go).
package captcha

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/binary"
	"errors"
	"fmt"
	"hash/maphash"
	"sync"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/dgraph-io/badger/v4"
)

// Defaults and bounds of Options.
const (
	DefaultTTL    = 5 * time.Minute
	DefaultLength = 6

	// MinLength and MaxLength bound Options.Length: fewer digits are too
	// easy to guess, more do not fit the 240×80 image.
	MinLength = 4
	MaxLength = 10
)

// KeyPrefix is the Badger key prefix of stored challenges.
const KeyPrefix = "captcha/"

// idBytes is the number of random bytes in an id (base64url, 22 characters).
const idBytes = 16

var idLen = base64.RawURLEncoding.EncodedLen(idBytes)

// maxAnswerLen bounds the answer Verify is willing to normalise.
const maxAnswerLen = 256

var (
	// ErrNotFound: the id is unknown, was already used (verified), or has
	// expired. The three cases are deliberately not told apart.
	ErrNotFound = errors.New("captcha: challenge not found or expired")
	// ErrWrong: the answer does not match. The challenge is gone all the
	// same: the client must ask for a new one.
	ErrWrong = errors.New("captcha: wrong answer")
)

// Options configures a Service. The zero value is valid.
type Options struct {
	// TTL is how long a challenge can be answered. Default DefaultTTL.
	TTL time.Duration
	// Length is the number of digits, MinLength to MaxLength. Default
	// DefaultLength.
	Length int
	// Now is the clock used for expiry. Default time.Now.
	Now func() time.Time
	// Allow, if set, is called first by Create; a non-nil error is returned
	// by Create as is and nothing is generated. It is the hook for the
	// caller's rate limiting of challenge generation.
	Allow func(ctx context.Context) error
	// Sync, if set, is called after a challenge is consumed and before
	// Verify answers: for a database whose commits are not synced by Badger
	// itself (group commit), it makes the consumption durable, so a power
	// cut cannot bring a used challenge back.
	Sync func(ctx context.Context) error
}

// Service creates, renders and verifies challenges. It is safe for
// concurrent use. Use one Service per Badger database.
type Service struct {
	db     *badger.DB
	ttl    time.Duration
	length int
	now    func() time.Time
	allow  func(context.Context) error
	sync   func(context.Context) error

	// locks serialise Verify calls on the same id inside this process, so
	// single use holds even on a database opened without conflict detection
	// (with detection, a conflicting commit is also mapped to ErrNotFound).
	seed  maphash.Seed
	locks [64]sync.Mutex
}

// New returns a Service storing its challenges in db.
func New(db *badger.DB, opts Options) (*Service, error) {
	if db == nil {
		return nil, errors.New("captcha: nil database")
	}
	if opts.TTL < 0 {
		return nil, fmt.Errorf("captcha: negative TTL %v", opts.TTL)
	}
	if opts.TTL == 0 {
		opts.TTL = DefaultTTL
	}
	if opts.Length == 0 {
		opts.Length = DefaultLength
	}
	if opts.Length < MinLength || opts.Length > MaxLength {
		return nil, fmt.Errorf("captcha: length %d outside %d..%d", opts.Length, MinLength, MaxLength)
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	return &Service{
		db:     db,
		ttl:    opts.TTL,
		length: opts.Length,
		now:    opts.Now,
		allow:  opts.Allow,
		sync:   opts.Sync,
		seed:   maphash.MakeSeed(),
	}, nil
}

// TTL returns how long a new challenge stays valid.
func (s *Service) TTL() time.Duration { return s.ttl }

// Create makes a new challenge and returns its id and expiry time. The id is
// 22 URL-safe characters (16 random bytes); the answer stays server-side.
func (s *Service) Create(ctx context.Context) (id string, expires time.Time, err error) {
	if err := ctx.Err(); err != nil {
		return "", time.Time{}, err
	}
	if s.allow != nil {
		if err := s.allow(ctx); err != nil {
			return "", time.Time{}, err
		}
	}
	var raw [idBytes]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return "", time.Time{}, fmt.Errorf("captcha: random id: %w", err)
	}
	id = base64.RawURLEncoding.EncodeToString(raw[:])
	digits, err := randomDigits(s.length)
	if err != nil {
		return "", time.Time{}, err
	}
	expires = s.now().Add(s.ttl)
	rec := record{digits: digits, expires: expires}
	// Badger's TTL has one-second resolution and runs on the real clock:
	// round up so Badger never drops a challenge before our own check does.
	e := badger.NewEntry(key(id), rec.encode()).WithTTL(s.ttl + time.Second)
	if err := s.db.Update(func(txn *badger.Txn) error { return txn.SetEntry(e) }); err != nil {
		return "", time.Time{}, fmt.Errorf("captcha: store: %w", err)
	}
	return id, expires, nil
}

// Verify checks answer against challenge id and consumes the challenge,
// whatever the outcome. Whitespace in answer is ignored (" 12 34 56" is
// "123456"). It returns nil on success, ErrWrong for a wrong answer and
// ErrNotFound for an unknown, used or expired id; other errors are storage
// failures.
func (s *Service) Verify(ctx context.Context, id, answer string) error {
	if err := ctx.Err(); err != nil {
		return err
	}
	if !validID(id) {
		return ErrNotFound
	}
	mu := &s.locks[maphash.String(s.seed, id)%uint64(len(s.locks))]
	mu.Lock()
	defer mu.Unlock()

	var outcome error
	err := s.db.Update(func(txn *badger.Txn) error {
		k := key(id)
		rec, err := get(txn, k)
		if err != nil && !errors.Is(err, errCorrupt) {
			return err
		}
		if err := txn.Delete(k); err != nil {
			return err
		}
		switch {
		case rec.digits == nil:
			outcome = errCorrupt
		case !s.now().Before(rec.expires):
			outcome = ErrNotFound
		case !matches(rec.digits, answer):
			outcome = ErrWrong
		default:
			outcome = nil
		}
		return nil
	})
	switch {
	case errors.Is(err, ErrNotFound), errors.Is(err, badger.ErrConflict):
		// A conflict means another Verify consumed it first.
		return ErrNotFound
	case err != nil:
		return fmt.Errorf("captcha: verify: %w", err)
	}
	if s.sync != nil {
		if err := s.sync(ctx); err != nil {
			return fmt.Errorf("captcha: verify: sync: %w", err)
		}
	}
	return outcome
}

// digits returns the answer of a live challenge without consuming it.
func (s *Service) digits(ctx context.Context, id string) ([]byte, error) {
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if !validID(id) {
		return nil, ErrNotFound
	}
	var rec record
	err := s.db.View(func(txn *badger.Txn) error {
		var err error
		rec, err = get(txn, key(id))
		return err
	})
	switch {
	case errors.Is(err, ErrNotFound):
		return nil, ErrNotFound
	case err != nil:
		return nil, fmt.Errorf("captcha: read: %w", err)
	}
	if !s.now().Before(rec.expires) {
		return nil, ErrNotFound
	}
	return rec.digits, nil
}

// matches compares answer, whitespace removed, with digits in constant time
// (for answers of the expected length).
func matches(digits []byte, answer string) bool {
	if len(answer) > maxAnswerLen {
		return false
	}
	want := make([]byte, len(digits))
	for i, d := range digits {
		want[i] = '0' + d
	}
	got := make([]byte, 0, len(answer))
	for _, r := range answer {
		if unicode.IsSpace(r) {
			continue
		}
		got = utf8.AppendRune(got, r)
	}
	return subtle.ConstantTimeCompare(want, got) == 1
}

// randomDigits returns n uniformly random digits 0-9 from crypto/rand.
func randomDigits(n int) ([]byte, error) {
	out := make([]byte, 0, n)
	var buf [32]byte
	for len(out) < n {
		if _, err := rand.Read(buf[:]); err != nil {
			return nil, fmt.Errorf("captcha: random digits: %w", err)
		}
		for _, b := range buf {
			if b < 250 && len(out) < n { // 250 = 25×10: no modulo bias
				out = append(out, b%10)
			}
		}
	}
	return out, nil
}

func validID(id string) bool {
	if len(id) != idLen {
		return false
	}
	b, err := base64.RawURLEncoding.Strict().DecodeString(id)
	return err == nil && len(b) == idBytes
}

func key(id string) []byte { return []byte(KeyPrefix + id) }

// record is the stored challenge: version 1, expiry (Unix nanoseconds, big
// endian), then the digits as bytes 0-9.
type record struct {
	digits  []byte
	expires time.Time
}

const recordVersion = 1

func (r record) encode() []byte {
	b := make([]byte, 9, 9+len(r.digits))
	b[0] = recordVersion
	binary.BigEndian.PutUint64(b[1:], uint64(r.expires.UnixNano()))
	return append(b, r.digits...)
}

var errCorrupt = errors.New("captcha: corrupt stored challenge")

func decode(b []byte) (record, error) {
	if len(b) < 9+MinLength || len(b) > 9+MaxLength || b[0] != recordVersion {
		return record{}, errCorrupt
	}
	digits := append([]byte(nil), b[9:]...)
	for _, d := range digits {
		if d > 9 {
			return record{}, errCorrupt
		}
	}
	return record{
		digits:  digits,
		expires: time.Unix(0, int64(binary.BigEndian.Uint64(b[1:9]))),
	}, nil
}

// get reads and decodes a challenge; a missing key is ErrNotFound.
func get(txn *badger.Txn, k []byte) (record, error) {
	item, err := txn.Get(k)
	if errors.Is(err, badger.ErrKeyNotFound) {
		return record{}, ErrNotFound
	}
	if err != nil {
		return record{}, err
	}
	var rec record
	err = item.Value(func(v []byte) error {
		var err error
		rec, err = decode(v)
		return err
	})
	return rec, err
}
