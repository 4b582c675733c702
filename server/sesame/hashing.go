package sesame

import (
	"context"
	"errors"
	"net/http"
	"time"

	"sesame/server/passhash"
	"sesame/server/problem"
	"sesame/shared/api"
)

// A hash waits at most hashWait for one of the hashing slots; past it the
// request is answered 503 "unavailable" with Retry-After: hashRetry, so
// that a crowd of sign-ins gets an answer it can act on instead of
// connections held until they time out. Ten seconds lets a burst of 500
// sign-ins drain on a 2-core machine (about 90 hashes/s) without shedding
// any, which a person on a phone still waits for.
const (
	hashWait  = 10 * time.Second
	hashRetry = time.Second
)

// hashing is the Argon2id hasher the journeys use: passhash.ErrBusy
// becomes the 503 a client can retry.
type hashing struct {
	h   *passhash.Hasher
	now func() time.Time
}

func (h hashing) Hash(ctx context.Context, password []byte) (string, error) {
	phc, err := h.h.Hash(ctx, password)
	return phc, h.busy(err)
}

func (h hashing) Verify(ctx context.Context, phc string, password []byte) (ok, needsRehash bool, err error) {
	ok, needsRehash, err = h.h.Verify(ctx, phc, password)
	return ok, needsRehash, h.busy(err)
}

func (h hashing) Dummy(ctx context.Context, password []byte) error {
	return h.busy(h.h.Dummy(ctx, password))
}

func (h hashing) busy(err error) error {
	if errors.Is(err, passhash.ErrBusy) {
		return &problem.Error{Status: http.StatusServiceUnavailable, Code: api.CodeUnavailable, RetryAt: h.now().Add(hashRetry), Err: err}
	}
	return err
}
