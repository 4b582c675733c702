package outbox

import (
	"container/heap"
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/dgraph-io/badger/v4"
)

const (
	// maxIdle is the period of the safety-net scan of the whole outbox,
	// for a job no Notify or retry schedule brought (a lost wake-up, a
	// clock jump, a failed store write).
	maxIdle = 30 * time.Second
	// scanBatch bounds the jobs one read transaction of a scan collects.
	scanBatch = 100
	// readyCap bounds the job IDs waiting in memory for a worker; past it,
	// jobs wait in Badger and a scan brings them.
	readyCap = 4096
	// retryCap bounds the retries scheduled in memory; past it, a scan
	// finds the later ones when they are due.
	retryCap = 10_000
	// deleteBatch bounds the delivered jobs deleted in one transaction.
	deleteBatch = 512
	// maxErrorLen bounds a stored LastError.
	maxErrorLen = 300
)

// Run delivers queued jobs until ctx is cancelled.
//
// Jobs reach the workers without reading Badger: Notify hands over the IDs
// of committed jobs, and failed attempts are rescheduled in memory. Badger
// is scanned only at start (jobs left by a crash or a stop), when the
// workers fall so far behind that Notify cannot queue more IDs, for
// retries beyond what memory holds, and every 30 s as a safety net.
// Delivered jobs are deleted in batches, one transaction for all those
// delivered while the previous batch was being written.
//
// On cancellation, Run stops handing out jobs, waits for the in-flight
// deliveries to finish (each bounded by Options.SendTimeout), deletes the
// delivered jobs and returns nil. Keep the database open until Run has
// returned. Only one Run may be active per Outbox.
func (o *Outbox) Run(ctx context.Context) error {
	o.mu.Lock()
	if o.running {
		o.mu.Unlock()
		return errors.New("outbox: Run already active")
	}
	o.running = true
	o.scanFrom, o.scanWanted = "", true // what a previous life left
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.running = false
		o.mu.Unlock()
	}()

	delivered := make(chan deliveredJob, readyCap)
	var deleter sync.WaitGroup
	deleter.Go(func() { o.deleteDelivered(delivered) })
	// In-flight sends outlive ctx so a cancelled Run does not cut an SMTP
	// dialogue in the middle (which would only cause a duplicate later).
	sendCtx := context.WithoutCancel(ctx)
	var workers sync.WaitGroup
	for range o.opts.Workers {
		workers.Go(func() {
			for {
				select {
				case <-ctx.Done():
					return
				case id := <-o.ready:
					if ctx.Err() != nil {
						o.release(id)
						return
					}
					o.deliver(sendCtx, id, delivered)
				}
			}
		})
	}
	defer func() {
		workers.Wait()
		close(delivered)
		deleter.Wait()
		if c, ok := o.send.(interface{ CloseIdle() }); ok {
			c.CloseIdle()
		}
	}()

	lastFull := time.Time{}
	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		now := o.opts.Now()
		if !o.dispatchRetries(ctx, now) {
			return nil
		}
		if now.Sub(lastFull) >= maxIdle {
			o.wantScan("")
		}
		if from, ok := o.takeScan(); ok {
			if from == "" {
				lastFull = now
			}
			err := o.scan(ctx, from)
			switch {
			case ctx.Err() != nil:
				return nil
			case errors.Is(err, badger.ErrDBClosed):
				return fmt.Errorf("outbox: run: %w", err)
			case err != nil:
				o.log.Error("outbox scan failed", "error", err)
				o.scheduleScan(o.opts.Now().Add(o.opts.MinBackoff))
			}
		}

		wait := maxIdle - o.opts.Now().Sub(lastFull)
		if at, ok := o.nextWake(); ok {
			wait = min(wait, at.Sub(o.opts.Now()))
		}
		timer.Reset(max(wait, 0)) // since Go 1.23, Reset needs no draining
		select {
		case <-ctx.Done():
			return nil
		case <-o.wake:
		case <-timer.C:
		}
	}
}

// Notify hands the jobs ids, whose transaction has committed, to the
// workers. Without ids it asks for a scan of the whole outbox. It never
// blocks: when the workers are too far behind, the jobs wait in Badger for
// a scan that starts at the oldest of them.
func (o *Outbox) Notify(ids ...string) {
	if len(ids) == 0 {
		o.wantScan("")
		o.poke()
		return
	}
	for _, id := range ids {
		if !o.hold(id) {
			continue // queued or in delivery already
		}
		select {
		case o.ready <- id:
		default:
			o.release(id)
			o.wantScan(id)
			o.poke()
		}
	}
}

// poke wakes the loop; calls made while it is busy are merged into one.
func (o *Outbox) poke() {
	select {
	case o.wake <- struct{}{}:
	default:
	}
}

// hold marks job id as queued or in delivery, unless it already is.
func (o *Outbox) hold(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, busy := o.held[id]; busy {
		return false
	}
	o.held[id] = struct{}{}
	return true
}

func (o *Outbox) release(id string) {
	o.mu.Lock()
	delete(o.held, id)
	o.mu.Unlock()
}

func (o *Outbox) isHeld(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	_, busy := o.held[id]
	return busy
}

// wantScan asks for a scan from job id on ("" for all jobs).
func (o *Outbox) wantScan(from string) {
	o.mu.Lock()
	if !o.scanWanted || from < o.scanFrom {
		o.scanFrom = from
	}
	o.scanWanted = true
	o.mu.Unlock()
}

func (o *Outbox) takeScan() (from string, ok bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	from, ok = o.scanFrom, o.scanWanted
	o.scanFrom, o.scanWanted = "", false
	return from, ok
}

// scheduleScan asks for a scan of all jobs at a given time.
func (o *Outbox) scheduleScan(at time.Time) {
	o.mu.Lock()
	if o.scanAt.IsZero() || at.Before(o.scanAt) {
		o.scanAt = at
	}
	o.mu.Unlock()
}

// nextWake is when the loop has something to do: the earliest retry or
// scheduled scan.
func (o *Outbox) nextWake() (time.Time, bool) {
	o.mu.Lock()
	defer o.mu.Unlock()
	at := o.scanAt
	if len(o.retries) > 0 && (at.IsZero() || o.retries[0].at.Before(at)) {
		at = o.retries[0].at
	}
	return at, !at.IsZero()
}

// retry schedules job id for its next attempt at at. An attempt already
// scheduled earlier stands: the worker then finds the job not due yet and
// schedules it again.
func (o *Outbox) retry(id string, at time.Time) {
	o.mu.Lock()
	if cur, ok := o.scheduled[id]; ok && !at.Before(cur) {
		o.mu.Unlock()
		return
	}
	if len(o.retries) < retryCap {
		heap.Push(&o.retries, retryEntry{at: at, id: id})
		o.scheduled[id] = at
	} else if o.scanAt.IsZero() || at.Before(o.scanAt) {
		o.scanAt = at // a scan will find it
	}
	o.mu.Unlock()
	o.poke()
}

// dispatchRetries hands the due retries, and a due scan, to their doers.
// It returns false if ctx ended.
func (o *Outbox) dispatchRetries(ctx context.Context, now time.Time) bool {
	for {
		o.mu.Lock()
		if !o.scanAt.IsZero() && !o.scanAt.After(now) {
			o.scanAt = time.Time{}
			o.scanFrom, o.scanWanted = "", true
		}
		if len(o.retries) == 0 || o.retries[0].at.After(now) {
			o.mu.Unlock()
			return true
		}
		e := heap.Pop(&o.retries).(retryEntry)
		if at, ok := o.scheduled[e.id]; !ok || !at.Equal(e.at) {
			o.mu.Unlock()
			continue // superseded by an earlier entry, already dispatched
		}
		delete(o.scheduled, e.id)
		_, busy := o.held[e.id]
		if !busy {
			o.held[e.id] = struct{}{}
		}
		o.mu.Unlock()
		if busy {
			continue
		}
		select {
		case o.ready <- e.id:
		case <-ctx.Done():
			o.release(e.id)
			return false
		}
	}
}

// scan walks the jobs from key from (all of them if empty), a batch per
// read transaction: due jobs nobody holds go to the workers, the others
// into the retry schedule.
func (o *Outbox) scan(ctx context.Context, from string) error {
	o.scans.Add(1)
	cursor := []byte(jobPrefix + from)
	for {
		due, next, done, err := o.scanBatch(ctx, cursor)
		if err != nil {
			return err
		}
		for i, id := range due {
			select {
			case o.ready <- id:
			case <-ctx.Done():
				for _, rest := range due[i:] {
					o.release(rest)
				}
				return ctx.Err()
			}
		}
		if done {
			return nil
		}
		cursor = next
	}
}

// scanBatch reads up to scanBatch jobs from cursor on and holds the due
// ones. It returns the key to continue from, or done at the end.
func (o *Outbox) scanBatch(ctx context.Context, cursor []byte) (due []string, next []byte, done bool, err error) {
	now := o.opts.Now()
	seen := 0
	done = true
	err = o.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(jobPrefix), PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Seek(cursor); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			if seen == scanBatch {
				next, done = item.KeyCopy(nil), false
				return nil
			}
			seen++
			id := strings.TrimPrefix(string(item.Key()), jobPrefix)
			if o.isHeld(id) {
				continue
			}
			var at time.Time
			err := item.Value(func(v []byte) error {
				r, err := decodeRecord(v)
				if err != nil {
					return err
				}
				at = r.NextAttempt
				return nil
			})
			if err != nil {
				at = now // let a worker dead-letter the corrupt record
			}
			if at.After(now) {
				o.retry(id, at)
				continue
			}
			if o.hold(id) {
				due = append(due, id)
			}
		}
		return nil
	})
	if err != nil {
		for _, id := range due {
			o.release(id)
		}
		return nil, nil, true, fmt.Errorf("outbox: scan: %w", err)
	}
	return due, next, done, nil
}

// retryEntry is a job's next attempt in the in-memory schedule.
type retryEntry struct {
	at time.Time
	id string
}

// retryHeap orders retries by time (container/heap).
type retryHeap []retryEntry

func (h retryHeap) Len() int           { return len(h) }
func (h retryHeap) Less(i, j int) bool { return h[i].at.Before(h[j].at) }
func (h retryHeap) Swap(i, j int)      { h[i], h[j] = h[j], h[i] }
func (h *retryHeap) Push(x any)        { *h = append(*h, x.(retryEntry)) }
func (h *retryHeap) Pop() any {
	old := *h
	e := old[len(old)-1]
	*h = old[:len(old)-1]
	return e
}
