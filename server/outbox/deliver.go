package outbox

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"net/url"
	"strings"
	"time"
	"unicode"

	"github.com/dgraph-io/badger/v4"
)

// deliver makes one attempt at job id, which the caller holds. A delivered
// job goes to the deleter, which releases it once deleted; otherwise the
// job is released here.
func (o *Outbox) deliver(ctx context.Context, id string, delivered chan<- deliveredJob) {
	// Re-read under the hold: a scan's snapshot may predate the commit
	// of a worker that just delivered or rescheduled this job.
	rec, found, err := loadRecord(o.db, id)
	switch {
	case errors.Is(err, errCorrupt):
		o.buryCorrupt(id, err)
		o.release(id)
		return
	case err != nil:
		o.log.Error("mail job not loaded", "job", id, "error", err)
		o.release(id)
		o.scheduleScan(o.opts.Now().Add(o.opts.MinBackoff))
		return
	case !found:
		o.release(id)
		return
	case rec.NextAttempt.After(o.opts.Now()):
		o.release(id)
		o.retry(id, rec.NextAttempt)
		return
	}

	j := Job{
		ID: rec.ID, Kind: rec.Kind, Lang: rec.Lang, To: rec.To, Data: rec.Data,
		Attempts: rec.Attempts, NextAttempt: rec.NextAttempt, Created: rec.Created, LastError: rec.LastError,
	}
	sendCtx, cancel := context.WithTimeout(ctx, o.opts.SendTimeout)
	err = o.attempt(sendCtx, &j, rec)
	cancel()
	if err == nil {
		o.delivered.Add(1)
		delivered <- deliveredJob{id: id, kind: j.Kind, attempts: j.Attempts + 1, to: j.To}
		return
	}
	next, retry := o.fail(j, rec, err)
	o.release(id)
	if retry {
		o.retry(id, next)
	}
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
	m.Headers = withMessageID(m.Headers, j.ID)
	if err := o.send.Send(ctx, m); err != nil {
		return fmt.Errorf("send: %w", err)
	}
	return nil
}

// deliveredJob is what the deleter logs of a delivered job.
type deliveredJob struct {
	id, kind, to string
	attempts     int
}

// deleteDelivered deletes delivered jobs, as many per transaction as were
// delivered while the previous one was written, and releases them. The
// commits are not synced: a delete lost in a crash only means the mail is
// sent again (delivery is at least once).
func (o *Outbox) deleteDelivered(in <-chan deliveredJob) {
	batch := make([]deliveredJob, 0, deleteBatch)
	for d := range in {
		batch = append(batch[:0], d)
	more:
		for len(batch) < deleteBatch {
			select {
			case d, ok := <-in:
				if !ok {
					break more
				}
				batch = append(batch, d)
			default:
				break more
			}
		}
		err := o.db.Update(func(txn *badger.Txn) error {
			for _, d := range batch {
				if err := txn.Delete(jobKey(d.id)); err != nil {
					return err
				}
			}
			return nil
		})
		o.deletes.Add(1)
		for _, d := range batch {
			if err != nil {
				// The mail went out; it will go out again after a scan.
				o.log.Error("mail delivered but job not deleted", "job", d.id, "kind", d.kind, "error", err)
			} else {
				o.log.Info("mail delivered", "job", d.id, "kind", d.kind, "attempts", d.attempts, "to", mask(d.to))
			}
			o.release(d.id)
		}
	}
}

// fail records a failed attempt: the job is rescheduled (retry is true,
// at next) or moved to the dead letters.
func (o *Outbox) fail(j Job, rec *record, cause error) (next time.Time, retry bool) {
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
		// The job stays as it was and is retried after the backoff.
		o.log.Error("mail delivery failed; job not updated", append(attrs, "store_error", err)...)
		return rec.NextAttempt, true
	}
	if dead {
		o.dead.Add(1)
		o.log.Error("mail delivery failed; job moved to dead letters", attrs...)
		return time.Time{}, false
	}
	o.retried.Add(1)
	o.log.Warn("mail delivery failed", append(attrs, "next_attempt", rec.NextAttempt)...)
	return rec.NextAttempt, true
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

// withMessageID returns headers with a Message-ID derived from the job, so
// that every attempt at the same job (a retry, or a resend after a crash)
// carries the same Message-ID and receivers can drop the duplicate. A
// Message-ID the Renderer set wins. The senders add the domain part.
func withMessageID(h map[string]string, jobID string) map[string]string {
	for k := range h {
		if strings.EqualFold(k, "Message-ID") {
			return h
		}
	}
	out := make(map[string]string, len(h)+1)
	maps.Copy(out, h)
	out["Message-ID"] = jobID
	return out
}
