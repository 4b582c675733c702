package sesame

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"sesame/server/passhash"
	"sesame/server/problem"
	"sesame/shared/api"
)

// Every hashing slot busy past the wait is a 503 "unavailable" with
// Retry-After, never a 500 or a hang; other errors pass through as they
// are.
func TestHashingBusyIs503(t *testing.T) {
	now := time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC)
	h := hashing{now: func() time.Time { return now }}
	err := h.busy(fmt.Errorf("verify: %w", passhash.ErrBusy))
	var pe *problem.Error
	if !errors.As(err, &pe) || pe.Status != http.StatusServiceUnavailable || pe.Code != api.CodeUnavailable || !pe.RetryAt.Equal(now.Add(hashRetry)) {
		t.Fatalf("busy = %#v, want a 503 unavailable retrying after %v", err, hashRetry)
	}
	if !errors.Is(err, passhash.ErrBusy) {
		t.Error("the cause is lost")
	}
	rec := httptest.NewRecorder()
	problem.Write(rec, httptest.NewRequest(http.MethodPost, "/api/v1/portals/employeur/session", nil), nil, err)
	var body api.Problem
	if rec.Code != http.StatusServiceUnavailable || rec.Header().Get("Retry-After") == "" ||
		rec.Header().Get("Content-Type") != "application/problem+json" ||
		json.Unmarshal(rec.Body.Bytes(), &body) != nil || body.Code != api.CodeUnavailable {
		t.Fatalf("answer %d %v %s", rec.Code, rec.Header(), rec.Body)
	}
	for _, other := range []error{nil, passhash.ErrTooLong, context.Canceled} {
		if got := h.busy(other); got != other {
			t.Errorf("busy(%v) = %v, want it unchanged", other, got)
		}
	}
}
