package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// TestRecover: one transaction looks the account up and writes the token
// and its mail, a flow, or a trace; an error from decide writes nothing.
func TestRecover(t *testing.T) {
	refused := errors.New("refused")
	for _, tc := range []struct {
		name      string
		key       string
		decide    func(a Account, found bool) (Recovery, error)
		wantFound bool
		wantErr   error
		wantJobs  int32
		wantToken bool
		wantFlow  bool
		wantTrace bool
	}{
		{name: "known account, link", key: "a@b.fr", wantFound: true, wantJobs: 1, wantToken: true,
			decide: func(a Account, found bool) (Recovery, error) {
				return Recovery{Token: &Token{Digest: "d1", AccountID: a.ID, Purpose: "reset", Expires: time.Now().Add(time.Hour)},
					Job: &outbox.Job{Kind: "reset_link", To: a.Email}}, nil
			}},
		{name: "unknown account, trace", key: "nobody@b.fr",
			decide: func(Account, bool) (Recovery, error) { return Recovery{Trace: "p1", TraceTTL: time.Hour}, nil }, wantTrace: true},
		{name: "flow", key: "a@b.fr", wantFound: true, wantFlow: true,
			decide: func(a Account, _ bool) (Recovery, error) {
				return Recovery{Flow: &Flow{ID: "f1", Portal: "employeur", AccountID: a.ID, Expires: time.Now().Add(time.Hour)}}, nil
			}},
		{name: "refused, nothing written", key: "a@b.fr", wantFound: true, wantErr: refused,
			decide: func(Account, bool) (Recovery, error) {
				return Recovery{Trace: "p1", TraceTTL: time.Hour}, refused
			}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			q := &queue{}
			s, _ := openWith(t, q)
			ctx := context.Background()
			a := account(t, s)
			var found bool
			err := s.Recover(ctx, "employeur", KindEmail, tc.key, func(b Account, ok bool) (Recovery, error) {
				found = ok
				if ok && b.ID != a.ID {
					t.Errorf("decide got account %q, want %q", b.ID, a.ID)
				}
				return tc.decide(b, ok)
			})
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("Recover = %v, want %v", err, tc.wantErr)
			}
			if found != tc.wantFound {
				t.Errorf("found = %v, want %v", found, tc.wantFound)
			}
			if n := q.n.Load(); n != tc.wantJobs {
				t.Errorf("%d mails queued, want %d", n, tc.wantJobs)
			}
			if _, err := s.Token(ctx, "d1", "reset"); (err == nil) != tc.wantToken {
				t.Errorf("token: %v, want it stored: %v", err, tc.wantToken)
			}
			if _, err := s.Flow(ctx, "f1"); (err == nil) != tc.wantFlow {
				t.Errorf("flow: %v, want it stored: %v", err, tc.wantFlow)
			}
			err = s.db.View(func(txn *badger.Txn) error { _, err := txn.Get([]byte(pProbe + "p1")); return err })
			if (err == nil) != tc.wantTrace {
				t.Errorf("trace: %v, want it written: %v", err, tc.wantTrace)
			}
		})
	}
}
