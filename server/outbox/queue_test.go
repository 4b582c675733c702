package outbox

import (
	"context"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/dgraph-io/badger/v4"
)

// enqueueMany commits n jobs, a hundred per transaction, without Notify.
func enqueueMany(t *testing.T, db *badger.DB, o *Outbox, n int) []string {
	t.Helper()
	var ids []string
	for i := 0; i < n; i += 100 {
		err := db.Update(func(txn *badger.Txn) error {
			for j := i; j < min(i+100, n); j++ {
				job, err := o.Enqueue(txn, Job{Kind: "reset_link", To: fmt.Sprintf("u%d@example.org", j), Secret: "s"})
				if err != nil {
					return err
				}
				ids = append(ids, job.ID)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return ids
}

// Jobs handed over by Notify are delivered without reading the outbox
// back: after the start-up scan, no scan.
func TestNotifyNeedsNoScan(t *testing.T) {
	db := openDB(t, "")
	c := &capture{}
	o := newOutbox(t, db, newKey(t), testRenderer{}, c, fastOpts(t))
	start(t, o)
	waitFor(t, "the start-up scan", func() bool { return o.scans.Load() == 1 })
	ids := enqueueMany(t, db, o, 300)
	o.Notify(ids...)
	waitFor(t, "delivery", func() bool { return len(c.sent()) == 300 && pending(t, o) == 0 })
	if n := o.scans.Load(); n != 1 {
		t.Fatalf("%d scans, want only the start-up one", n)
	}
}

// gate is a Sender that blocks until opened, and counts mails per
// recipient.
type gate struct {
	open chan struct{}
	mu   sync.Mutex
	got  map[string]int
}

func (g *gate) Send(ctx context.Context, m Mail) error {
	select {
	case <-g.open:
	case <-ctx.Done():
		return ctx.Err()
	}
	g.mu.Lock()
	g.got[m.To]++
	g.mu.Unlock()
	return nil
}

func (g *gate) total() (mails, twice int) {
	g.mu.Lock()
	defer g.mu.Unlock()
	for _, n := range g.got {
		mails += n
		if n > 1 {
			twice++
		}
	}
	return mails, twice
}

// When the workers are so far behind that Notify cannot queue more IDs,
// the rest wait in Badger and a scan brings them: every job is delivered,
// once.
func TestNotifyOverflow(t *testing.T) {
	db := openDB(t, "")
	g := &gate{open: make(chan struct{}), got: map[string]int{}}
	opts := fastOpts(t)
	opts.Workers = 1
	o := newOutbox(t, db, newKey(t), testRenderer{}, g, opts)
	start(t, o)
	waitFor(t, "the start-up scan", func() bool { return o.scans.Load() == 1 })
	const n = readyCap + 300
	ids := enqueueMany(t, db, o, n)
	for _, id := range ids {
		o.Notify(id)
	}
	close(g.open)
	waitFor(t, "delivery", func() bool { m, _ := g.total(); return m == n && pending(t, o) == 0 })
	if m, twice := g.total(); m != n || twice != 0 {
		t.Fatalf("%d mails, %d recipients twice; want %d once each", m, twice, n)
	}
	if o.scans.Load() < 2 {
		t.Fatal("no scan after the overflow")
	}
}

// Delivered jobs are deleted many per transaction.
func TestDeletesInBatches(t *testing.T) {
	db := openDB(t, "")
	o := newOutbox(t, db, newKey(t), testRenderer{}, &capture{}, fastOpts(t))
	ids := enqueueMany(t, db, o, deleteBatch+88)
	in := make(chan deliveredJob, len(ids))
	for _, id := range ids {
		if !o.hold(id) {
			t.Fatal("hold failed")
		}
		in <- deliveredJob{id: id, kind: "reset_link", to: "x@example.org", attempts: 1}
	}
	close(in)
	o.deleteDelivered(in)
	if n := o.deletes.Load(); n != 2 {
		t.Fatalf("%d delete transactions, want 2", n)
	}
	if got := pending(t, o); got != 0 {
		t.Fatalf("Pending = %d, want 0", got)
	}
	if len(o.held) != 0 {
		t.Fatalf("%d jobs still held after deletion", len(o.held))
	}
}

// A job whose attempt failed is retried from the in-memory schedule, not
// by scanning, and a scan meanwhile does not schedule it twice.
func TestRetryScheduledOnce(t *testing.T) {
	db := openDB(t, "")
	c := &capture{err: fmt.Errorf("smtp: 421 busy")}
	opts := fastOpts(t)
	opts.MinBackoff = 50 * opts.MinBackoff
	opts.MaxBackoff = opts.MinBackoff
	o := newOutbox(t, db, newKey(t), testRenderer{}, c, opts)
	start(t, o)
	j := enqueue(t, db, o, Job{Kind: "reset_code", To: "k@example.org", Secret: "code-9876"})
	waitFor(t, "a failed attempt", func() bool { r := stored(t, db, jobPrefix, j.ID); return r != nil && r.Attempts == 1 })
	scans := o.scans.Load()
	o.Notify() // a scan finds it not due yet
	waitFor(t, "the scan", func() bool { return o.scans.Load() > scans })
	o.mu.Lock()
	scheduled := len(o.retries)
	o.mu.Unlock()
	if scheduled > 1 {
		t.Fatalf("%d retries scheduled, want 1 (or 0 during an attempt)", scheduled)
	}
	c.mu.Lock()
	c.err = nil
	c.mu.Unlock()
	waitFor(t, "delivery on retry", func() bool { return len(c.sent()) == 1 && pending(t, o) == 0 })
}

// syncs counts the calls of a Syncer.
type syncs struct{ n atomic.Int32 }

func (s *syncs) Sync(context.Context) error { s.n.Add(1); return nil }

// EnqueueNow waits for the Syncer, then hands the job over.
func TestEnqueueNowSyncs(t *testing.T) {
	db := openDB(t, "")
	c := &capture{}
	sy := &syncs{}
	opts := fastOpts(t)
	opts.Syncer = sy
	o := newOutbox(t, db, newKey(t), testRenderer{}, c, opts)
	start(t, o)
	waitFor(t, "the start-up scan", func() bool { return o.scans.Load() == 1 })
	if _, err := o.EnqueueNow(t.Context(), Job{Kind: "password_changed", To: "l@example.org"}); err != nil {
		t.Fatal(err)
	}
	if n := sy.n.Load(); n != 1 {
		t.Fatalf("%d syncs, want 1", n)
	}
	waitFor(t, "delivery", func() bool { return len(c.sent()) == 1 })
	if n := o.scans.Load(); n != 1 {
		t.Fatalf("%d scans, want only the start-up one", n)
	}
}
