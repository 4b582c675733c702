package store

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// syncCounter is a Syncer that counts its calls.
type syncCounter struct {
	n   atomic.Int32
	err error
}

func (c *syncCounter) Sync(context.Context) error { c.n.Add(1); return c.err }

// ids is an Enqueuer that records what Notify is told.
type ids struct {
	queue
	notified []string
}

func (q *ids) Enqueue(txn *badger.Txn, j outbox.Job) (outbox.Job, error) {
	j.ID = "job-" + j.Kind
	return q.queue.Enqueue(txn, j)
}

func (q *ids) Notify(ids ...string) { q.notified = append(q.notified, ids...) }

// Every write waits for the Syncer once, after its commit; reads and
// writes that fail do not. The committed job's ID is handed to Notify.
func TestWritesWaitForSync(t *testing.T) {
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	sy := &syncCounter{}
	q := &ids{}
	c := newClock()
	s := New(db, q, c.now, WithSyncer(sy))
	ctx := context.Background()
	a := account(t, s)
	if n := sy.n.Load(); n != 1 {
		t.Fatalf("PutAccounts: %d syncs, want 1", n)
	}
	job := &outbox.Job{Kind: "reset_link", To: a.Email}
	tok := Token{Digest: "d1", AccountID: a.ID, Portal: a.Portal, Purpose: "reset", Created: c.now(), Expires: c.now().Add(time.Hour)}
	if err := s.IssueToken(ctx, tok, job); err != nil {
		t.Fatal(err)
	}
	if n := sy.n.Load(); n != 2 {
		t.Fatalf("IssueToken: %d syncs in all, want 2", n)
	}
	if job.ID == "" || len(q.notified) != 1 || q.notified[0] != job.ID {
		t.Fatalf("notified %v, want the committed job %q", q.notified, job.ID)
	}
	if _, err := s.Token(ctx, "d1", "reset"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryCode(ctx, "nobody", "change", "x", true); !errors.Is(err, ErrNotFound) {
		t.Fatalf("TryCode = %v, want ErrNotFound", err)
	}
	if n := sy.n.Load(); n != 2 {
		t.Fatalf("after a read and a failed write: %d syncs, want still 2", n)
	}
	sy.err = errors.New("disk gone")
	trace := func(Account, bool) (Recovery, error) { return Recovery{Trace: "p1", TraceTTL: time.Minute}, nil }
	if err := s.Recover(ctx, "employeur", KindEmail, "nobody@example.fr", trace); err == nil {
		t.Fatal("Recover succeeded although its sync failed")
	}
}
