package outbox

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"net/url"
	"strings"
	"sync"
	"time"
	"unicode"

	"github.com/dgraph-io/badger/v4"
)

const (
	// maxIdle bounds the sleep between scans, as a safety net for a missed
	// Notify or a clock jump.
	maxIdle = 30 * time.Second
	// scanBatch bounds the due jobs collected by one scan.
	scanBatch = 100
	// maxErrorLen bounds a stored LastError.
	maxErrorLen = 300
)

// Run delivers queued jobs until ctx is cancelled. It first scans all
// pending jobs, so jobs left by a crash or a stop are delivered; then it
// wakes on Notify, when the earliest retry is due, or every 30 s at most.
//
// On cancellation, Run stops handing out jobs, waits for the in-flight
// deliveries to finish (each bounded by Options.SendTimeout) and returns
// nil. Keep the database open until Run has returned. Only one Run may be
// active per Outbox.
func (o *Outbox) Run(ctx context.Context) error {
	o.mu.Lock()
	if o.running {
		o.mu.Unlock()
		return errors.New("outbox: Run already active")
	}
	o.running = true
	o.mu.Unlock()
	defer func() {
		o.mu.Lock()
		o.running = false
		o.mu.Unlock()
	}()

	jobs := make(chan string)
	// In-flight sends outlive ctx so a cancelled Run does not cut an SMTP
	// dialogue in the middle (which would only cause a duplicate later).
	sendCtx := context.WithoutCancel(ctx)
	var wg sync.WaitGroup
	for range o.opts.Workers {
		wg.Go(func() {
			for id := range jobs {
				o.deliver(sendCtx, id)
			}
		})
	}
	defer func() {
		close(jobs)
		wg.Wait()
	}()

	timer := time.NewTimer(0)
	defer timer.Stop()
	for {
		due, next, err := o.scan(ctx)
		if err != nil {
			if ctx.Err() != nil {
				return nil
			}
			if errors.Is(err, badger.ErrDBClosed) {
				return fmt.Errorf("outbox: run: %w", err)
			}
			o.log.Error("outbox scan failed", "error", err)
			next = o.opts.Now().Add(o.opts.MinBackoff)
		}
		for i, id := range due {
			select {
			case jobs <- id:
			case <-ctx.Done():
				for _, rest := range due[i:] {
					o.release(rest)
				}
				return nil
			}
		}
		if len(due) == scanBatch {
			continue // more may be due right now
		}

		wait := maxIdle
		if !next.IsZero() {
			wait = min(max(next.Sub(o.opts.Now()), 0), maxIdle)
		}
		timer.Reset(wait) // since Go 1.23, Reset needs no draining
		select {
		case <-ctx.Done():
			return nil
		case <-o.wake:
		case <-timer.C:
		}
	}
}

// scan claims up to scanBatch due jobs, oldest first, and returns the
// earliest NextAttempt among the others (zero if none).
func (o *Outbox) scan(ctx context.Context) (due []string, next time.Time, err error) {
	now := o.opts.Now()
	err = o.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(jobPrefix), PrefetchValues: true, PrefetchSize: 16})
		defer it.Close()
		for it.Rewind(); it.Valid() && len(due) < scanBatch; it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			item := it.Item()
			id := strings.TrimPrefix(string(item.Key()), jobPrefix)
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
			switch {
			case !at.After(now):
				if o.claim(id) {
					due = append(due, id)
				}
			case next.IsZero() || at.Before(next):
				next = at
			}
		}
		return nil
	})
	if err != nil {
		for _, id := range due {
			o.release(id)
		}
		return nil, time.Time{}, fmt.Errorf("outbox: scan: %w", err)
	}
	return due, next, nil
}

func (o *Outbox) claim(id string) bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	if _, busy := o.claimed[id]; busy {
		return false
	}
	o.claimed[id] = struct{}{}
	return true
}

func (o *Outbox) release(id string) {
	o.mu.Lock()
	delete(o.claimed, id)
	o.mu.Unlock()
}

// deliver makes one attempt at job id, which the caller has claimed.
func (o *Outbox) deliver(ctx context.Context, id string) {
	defer o.Notify() // the loop must reconsider the new NextAttempt
	defer o.release(id)

	// Re-read under the claim: the scan's snapshot may predate the commit
	// of a worker that just delivered or rescheduled this job.
	rec, found, err := loadRecord(o.db, id)
	switch {
	case errors.Is(err, errCorrupt):
		o.buryCorrupt(id, err)
		return
	case err != nil:
		o.log.Error("mail job not loaded", "job", id, "error", err)
		return
	case !found || rec.NextAttempt.After(o.opts.Now()):
		return
	}

	j := Job{
		ID: rec.ID, Kind: rec.Kind, Lang: rec.Lang, To: rec.To, Data: rec.Data,
		Attempts: rec.Attempts, NextAttempt: rec.NextAttempt, Created: rec.Created, LastError: rec.LastError,
	}
	ctx, cancel := context.WithTimeout(ctx, o.opts.SendTimeout)
	defer cancel()
	err = o.attempt(ctx, &j, rec)
	if err == nil {
		o.succeed(j)
		return
	}
	o.fail(j, rec, err)
}

// attempt opens the secret, renders and sends; a panic in the Renderer or
// Sender becomes a temporary error instead of killing the process.
func (o *Outbox) attempt(ctx context.Context, j *Job, rec *record) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("outbox: panic during delivery of %s job", j.Kind)
		}
	}()
	secret, err := open(o.aead, rec.ID, rec.Sealed)
	if err != nil {
		return Permanent(err)
	}
	j.Secret = secret
	m, err := o.render.Render(*j)
	if err != nil {
		return fmt.Errorf("render %s: %w", j.Kind, err)
	}
	if m.To == "" {
		m.To = j.To
	}
	if err := o.send.Send(ctx, m); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

func (o *Outbox) succeed(j Job) {
	o.delivered.Add(1)
	err := o.db.Update(func(txn *badger.Txn) error { return txn.Delete(jobKey(j.ID)) })
	if err != nil {
		// The mail went out; it will go out again after the next scan.
		o.log.Error("mail delivered but job not deleted", "job", j.ID, "kind", j.Kind, "error", err)
		return
	}
	o.log.Info("mail delivered", "job", j.ID, "kind", j.Kind, "attempts", j.Attempts+1, "to", mask(j.To))
}

func (o *Outbox) fail(j Job, rec *record, cause error) {
	permanent := errors.Is(cause, ErrPermanent)
	rec.Attempts++
	rec.LastError = sanitize(cause, j)
	now := o.opts.Now()
	delay := backoff(rec.Attempts, o.opts.MinBackoff, o.opts.MaxBackoff, rand.Float64())
	if permanent {
		delay = o.opts.MaxBackoff // only reached with MaxAttempts == 0
	}
	rec.NextAttempt = now.Add(delay)
	dead := o.opts.MaxAttempts > 0 && (permanent || rec.Attempts >= o.opts.MaxAttempts)

	val, err := encodeRecord(rec)
	if err == nil {
		err = o.db.Update(func(txn *badger.Txn) error {
			if dead {
				if err := txn.Set(deadKey(rec.ID), val); err != nil {
					return err
				}
				return txn.Delete(jobKey(rec.ID))
			}
			return txn.Set(jobKey(rec.ID), val)
		})
	}
	attrs := []any{"job", rec.ID, "kind", rec.Kind, "attempts", rec.Attempts, "to", mask(rec.To),
		"permanent", permanent, "error", rec.LastError}
	if err != nil {
		// The job stays as it was and is retried at the next scan.
		o.log.Error("mail delivery failed; job not updated", append(attrs, "store_error", err)...)
		return
	}
	if dead {
		o.dead.Add(1)
		o.log.Error("mail delivery failed; job moved to dead letters", attrs...)
		return
	}
	o.retried.Add(1)
	o.log.Warn("mail delivery failed", append(attrs, "next_attempt", rec.NextAttempt)...)
}

// buryCorrupt moves an undecodable record, as is, to the dead letters:
// it can never be delivered and would otherwise be rescanned forever.
func (o *Outbox) buryCorrupt(id string, cause error) {
	err := o.db.Update(func(txn *badger.Txn) error {
		item, err := txn.Get(jobKey(id))
		if err != nil {
			return err
		}
		raw, err := item.ValueCopy(nil)
		if err != nil {
			return err
		}
		if err := txn.Set(deadKey(id), raw); err != nil {
			return err
		}
		return txn.Delete(jobKey(id))
	})
	if err != nil {
		o.log.Error("corrupt mail job not moved", "job", id, "error", err)
		return
	}
	o.dead.Add(1)
	o.log.Error("corrupt mail job moved to dead letters", "job", id, "error", cause)
}

// backoff is the delay after the given number of failed attempts:
// min·2^(attempts-1) capped at max, minus up to 20% jitter (r in [0,1)) so
// that jobs failing together do not retry in lockstep.
func backoff(attempts int, minD, maxD time.Duration, r float64) time.Duration {
	d := minD
	for i := 1; i < attempts && d < maxD; i++ {
		d *= 2
	}
	d = min(d, maxD)
	return d - time.Duration(float64(d)*0.2*r)
}

// sanitize returns the text of err fit for storage and logs: the secret is
// redacted, the recipient masked, control characters dropped, length bounded.
// Senders should already avoid bodies in errors; this is a second line.
func sanitize(err error, j Job) string {
	s := err.Error()
	if j.Secret != "" {
		for _, v := range []string{j.Secret, url.QueryEscape(j.Secret), url.PathEscape(j.Secret)} {
			s = strings.ReplaceAll(s, v, "[redacted]")
		}
	}
	s = maskIn(s, j.To)
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
	if len(s) > maxErrorLen {
		s = strings.ToValidUTF8(s[:maxErrorLen], "") + "…"
	}
	return s
}

// mask hides an address for logs: "alice@example.org" → "a***@e***".
func mask(addr string) string {
	local, domain, ok := strings.Cut(addr, "@")
	first := func(s string) string {
		for _, r := range s {
			return string(r)
		}
		return ""
	}
	if !ok {
		return first(local) + "***"
	}
	return first(local) + "***@" + first(domain) + "***"
}
