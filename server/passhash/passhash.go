// Package passhash hashes and verifies passwords with Argon2id.
//
// Hashes are stored as PHC strings ($argon2id$v=19$m=…,t=…,p=…$salt$key)
// that carry their own parameters, so the cost can be raised later:
// Verify reports when a stored hash is weaker than the current settings
// and should be replaced by a fresh Hash of the password just checked.
//
// A Hasher promises that:
//   - at most maxInFlight Argon2 computations run at once, whatever the
//     load, so memory use is bounded by maxInFlight × Params.Memory;
//     callers beyond that wait, and stop waiting when their context ends
//     or, with MaxWait, after a bounded time (ErrBusy), so that overload
//     is answered quickly rather than by requests hanging until they time
//     out;
//   - an input longer than maxInputBytes is refused with ErrTooLong
//     before any work is done;
//   - a stored string is never trusted to set an unbounded cost: its
//     parameters are capped (1 GiB, 20 passes, 16 lanes, 64-byte salt,
//     128-byte key) and anything else is ErrMalformed, never a panic;
//   - keys are compared in constant time, and Dummy lets a caller spend
//     the cost of a Verify for an account that does not exist, so the
//     response time does not reveal which accounts exist.
package passhash

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"errors"
	"fmt"
	"time"

	"golang.org/x/crypto/argon2"
)

// Errors callers branch on. Returned errors wrap them, so use errors.Is.
var (
	// ErrTooLong: the password is longer than the Hasher's maxInputBytes.
	ErrTooLong = errors.New("passhash: input too long")
	// ErrMalformed: a stored PHC string cannot be parsed, or its
	// parameters are outside the accepted bounds.
	ErrMalformed = errors.New("passhash: malformed PHC string")
	// ErrUnsupported: a well-formed PHC string for another algorithm or
	// Argon2 version, which this package cannot verify.
	ErrUnsupported = errors.New("passhash: unsupported hash")
	// ErrInvalidParams: Params below the accepted minimum or above the
	// bounds a stored hash may carry.
	ErrInvalidParams = errors.New("passhash: invalid parameters")
	// ErrBusy: every hashing slot stayed taken for the Hasher's MaxWait.
	// The caller should answer "try again shortly" (503, Retry-After).
	ErrBusy = errors.New("passhash: every hashing slot is busy")
)

// Params are the Argon2id cost settings.
type Params struct {
	Memory  uint32 // KiB
	Time    uint32 // passes over memory
	Threads uint8  // lanes; part of the hash, not just of its speed
	SaltLen uint32 // bytes
	KeyLen  uint32 // bytes
}

// DefaultParams is the OWASP Password Storage Cheat Sheet recommendation
// for Argon2id: 19 MiB, 2 passes, 1 lane, 16-byte salt, 32-byte key.
var DefaultParams = Params{Memory: 19456, Time: 2, Threads: 1, SaltLen: 16, KeyLen: 32}

// Validate reports whether p is strong enough to hash new passwords:
// (Memory, Time) must meet or exceed one of OWASP's minimum pairs
// (47104/1, 19456/2, 12288/3, 9216/4, 7168/5), Threads at least 1, salt
// and key at least 16 bytes. It also refuses settings above the bounds
// ParsePHC accepts, since such hashes could never be verified.
func (p Params) Validate() error {
	// OWASP's equivalent minimum (memory KiB, passes) pairs: less memory
	// is acceptable only if paid for with more passes.
	owaspMinimums := [...]struct{ memory, time uint32 }{
		{47104, 1},
		{19456, 2},
		{12288, 3},
		{9216, 4},
		{7168, 5},
	}
	strong := false
	for _, m := range owaspMinimums {
		if p.Memory >= m.memory && p.Time >= m.time {
			strong = true
			break
		}
	}
	switch {
	case !strong:
		return fmt.Errorf("passhash: m=%d KiB with t=%d is below OWASP's minimum (e.g. m=19456,t=2): %w", p.Memory, p.Time, ErrInvalidParams)
	case p.Threads < 1 || p.Threads > maxThreads:
		return fmt.Errorf("passhash: threads %d, want 1 to %d: %w", p.Threads, maxThreads, ErrInvalidParams)
	case p.SaltLen < 16 || p.SaltLen > maxSaltLen:
		return fmt.Errorf("passhash: salt length %d, want 16 to %d: %w", p.SaltLen, maxSaltLen, ErrInvalidParams)
	case p.KeyLen < 16 || p.KeyLen > maxKeyLen:
		return fmt.Errorf("passhash: key length %d, want 16 to %d: %w", p.KeyLen, maxKeyLen, ErrInvalidParams)
	case p.Memory > maxMemory || p.Time > maxTime:
		return fmt.Errorf("passhash: m=%d,t=%d above the readable bounds m=%d,t=%d: %w", p.Memory, p.Time, maxMemory, maxTime, ErrInvalidParams)
	}
	return nil
}

// Hasher hashes and verifies passwords. It is safe for concurrent use.
type Hasher struct {
	params   Params
	sem      chan struct{} // one token per Argon2 computation under way
	maxInput int
	maxWait  time.Duration // 0: wait for a slot as long as ctx allows
	dummy    string        // PHC string no password matches, for Dummy

	onHash func() // test hook: called inside the semaphore before hashing
}

// Option configures a Hasher.
type Option func(*Hasher)

// MaxWait bounds how long a hash waits for a free slot before failing
// with ErrBusy (default: as long as its context allows).
func MaxWait(d time.Duration) Option {
	return func(h *Hasher) { h.maxWait = max(d, 0) }
}

// New returns a Hasher that writes hashes with p, runs at most maxInFlight
// hashes at once and refuses inputs longer than maxInputBytes.
func New(p Params, maxInFlight int, maxInputBytes int, opts ...Option) (*Hasher, error) {
	if err := p.Validate(); err != nil {
		return nil, err
	}
	if maxInFlight < 1 {
		return nil, fmt.Errorf("passhash: maxInFlight %d, want at least 1", maxInFlight)
	}
	if maxInputBytes < 1 {
		return nil, fmt.Errorf("passhash: maxInputBytes %d, want at least 1", maxInputBytes)
	}
	// The dummy key is random bytes rather than a real hash: Verify does
	// the same work either way, no password can match it, and New stays
	// cheap.
	salt := make([]byte, p.SaltLen)
	key := make([]byte, p.KeyLen)
	if _, err := rand.Read(salt); err != nil {
		return nil, fmt.Errorf("passhash: dummy salt: %w", err)
	}
	if _, err := rand.Read(key); err != nil {
		return nil, fmt.Errorf("passhash: dummy key: %w", err)
	}
	h := &Hasher{
		params:   p,
		sem:      make(chan struct{}, maxInFlight),
		maxInput: maxInputBytes,
		dummy:    encodePHC(p, salt, key),
	}
	for _, o := range opts {
		o(h)
	}
	return h, nil
}

// Params returns the parameters new hashes are written with.
func (h *Hasher) Params() Params { return h.params }

// Hash returns a PHC string for password with a fresh random salt.
// It waits for a free slot, up to ctx's end.
func (h *Hasher) Hash(ctx context.Context, password []byte) (string, error) {
	if err := h.checkLen(password); err != nil {
		return "", err
	}
	salt := make([]byte, h.params.SaltLen)
	if _, err := rand.Read(salt); err != nil {
		return "", fmt.Errorf("passhash: salt: %w", err)
	}
	key, err := h.derive(ctx, password, salt, h.params)
	if err != nil {
		return "", err
	}
	return encodePHC(h.params, salt, key), nil
}

// Verify reports whether password matches the stored PHC string, computed
// with the string's own parameters. needsRehash is true only when ok is
// true and the stored hash is weaker than the Hasher's current Params
// (lower memory, passes, key or salt length): the caller should then
// store a fresh Hash of the same password. A wrong password is ok=false
// with a nil error; err is for malformed input, ErrTooLong or ctx's end.
func (h *Hasher) Verify(ctx context.Context, phc string, password []byte) (ok, needsRehash bool, err error) {
	if err := h.checkLen(password); err != nil {
		return false, false, err
	}
	p, salt, want, err := ParsePHC(phc)
	if err != nil {
		return false, false, err
	}
	got, err := h.derive(ctx, password, salt, p)
	if err != nil {
		return false, false, err
	}
	if subtle.ConstantTimeCompare(got, want) != 1 {
		return false, false, nil
	}
	cur := h.params
	weaker := p.Memory < cur.Memory || p.Time < cur.Time || p.KeyLen < cur.KeyLen || p.SaltLen < cur.SaltLen
	return true, weaker, nil
}

// Dummy does the work of a Verify with the current Params against a hash
// no password matches, and discards the result. Call it when the account
// asked for does not exist so that answering takes as long as for one that
// does. It returns only the errors Verify would (ErrTooLong, ctx's end).
func (h *Hasher) Dummy(ctx context.Context, password []byte) error {
	_, _, err := h.Verify(ctx, h.dummy, password)
	return err
}

func (h *Hasher) checkLen(password []byte) error {
	if len(password) > h.maxInput {
		return fmt.Errorf("passhash: input of %d bytes, limit %d: %w", len(password), h.maxInput, ErrTooLong)
	}
	return nil
}

// derive runs one Argon2id computation once a slot is free.
func (h *Hasher) derive(ctx context.Context, password, salt []byte, p Params) ([]byte, error) {
	// Checked first because select picks at random among ready cases: an
	// already-ended ctx must not win a slot.
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("passhash: waiting for a hashing slot: %w", err)
	}
	if err := h.acquire(ctx); err != nil {
		return nil, err
	}
	defer func() { <-h.sem }()
	if h.onHash != nil {
		h.onHash()
	}
	return argon2.IDKey(password, salt, p.Time, p.Memory, p.Threads, p.KeyLen), nil
}

// acquire takes a hashing slot, waiting at most maxWait (if set) and
// until ctx ends.
func (h *Hasher) acquire(ctx context.Context) error {
	select {
	case h.sem <- struct{}{}:
		return nil
	default:
	}
	var expired <-chan time.Time
	if h.maxWait > 0 {
		t := time.NewTimer(h.maxWait)
		defer t.Stop()
		expired = t.C
	}
	select {
	case h.sem <- struct{}{}:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("passhash: waiting for a hashing slot: %w", ctx.Err())
	case <-expired:
		return fmt.Errorf("passhash: waited %v: %w", h.maxWait, ErrBusy)
	}
}
