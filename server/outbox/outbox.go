package outbox

import (
	"context"
	"crypto/aes"
	"crypto/cipher"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Job is one mail to deliver. Secret only ever exists in memory: it is
// sealed before being stored and opened just before rendering.
type Job struct {
	ID          string            // set by Enqueue; sortable by creation time
	Kind        string            // template name, e.g. "reset_link"
	Lang        string            // "fr" or "en"
	To          string            // recipient address
	Data        map[string]string // non-secret template data
	Secret      string            `json:"-"` // token or code; persisted sealed only
	Attempts    int               // delivery attempts made so far
	NextAttempt time.Time         // not delivered before this time
	Created     time.Time
	LastError   string // text of the last failure, without secret or full address
}

// Mail is a rendered message, ready for a Sender.
type Mail struct {
	To      string
	Subject string
	Text    string
	HTML    string
	Headers map[string]string // extra headers, e.g. "Auto-Submitted"
}

// Renderer turns a job, with its Secret opened, into a mail.
// An error wrapping ErrPermanent means rendering will never succeed.
type Renderer interface {
	Render(job Job) (Mail, error)
}

// Sender delivers one mail. An error wrapping ErrPermanent means retrying
// is pointless (e.g. the recipient was rejected); any other error is taken
// as temporary and the job is retried later.
type Sender interface {
	Send(ctx context.Context, m Mail) error
}

// ErrPermanent marks a delivery failure that retrying cannot fix.
var ErrPermanent = errors.New("permanent delivery failure")

// Permanent wraps err so that errors.Is(err, ErrPermanent) holds.
func Permanent(err error) error {
	if err == nil || errors.Is(err, ErrPermanent) {
		return err
	}
	return fmt.Errorf("%w: %w", ErrPermanent, err)
}

// Options tunes an Outbox. The zero value is usable.
type Options struct {
	Workers     int              // concurrent deliveries; default 2
	MinBackoff  time.Duration    // delay after the first failure; default 2s
	MaxBackoff  time.Duration    // cap of the delay between attempts; default 5m
	SendTimeout time.Duration    // bound of one render+send; default 30s
	Logger      *slog.Logger     // default slog.Default()
	Now         func() time.Time // default time.Now

	// Syncer, when set, makes EnqueueNow wait until its commit is on
	// disk, for a database whose commits Badger does not sync itself.
	// (Jobs enqueued in the caller's transaction follow the caller's.)
	Syncer interface {
		Sync(ctx context.Context) error
	}

	// MaxAttempts bounds delivery attempts. 0 means retry forever, even
	// permanent failures (at MaxBackoff), so that no accepted request is
	// dropped. When > 0, a job is moved to outbox/dead/<id> on a permanent
	// failure or once it has failed MaxAttempts times.
	MaxAttempts int
}

// Stats are cumulative counters since New, for metrics.
type Stats struct {
	Delivered uint64 // mails accepted by the Sender
	Retried   uint64 // failed attempts scheduled for a retry
	Dead      uint64 // jobs moved to the dead letters
}

// Outbox queues mail jobs in Badger and delivers them. Its methods are safe
// for concurrent use.
type Outbox struct {
	db     *badger.DB
	aead   cipher.AEAD
	render Renderer
	send   Sender
	opts   Options
	log    *slog.Logger

	ready chan string   // committed jobs waiting for a worker (buffered, readyCap)
	wake  chan struct{} // buffered(1): wakes the loop, coalescing calls

	mu         sync.Mutex
	held       map[string]struct{}  // jobs in ready or being delivered or deleted
	retries    retryHeap            // next attempts of failed jobs, earliest first
	scheduled  map[string]time.Time // job → its earliest entry in retries
	scanWanted bool                 // a scan of Badger is due, from scanFrom
	scanFrom   string               // job ID the scan starts at ("" for all)
	scanAt     time.Time            // when a scan of all jobs is due (zero: none)
	running    bool

	delivered, retried, dead atomic.Uint64
	scans, deletes           atomic.Uint64 // Badger scans and delete transactions, for tests
}

// New returns an Outbox storing its jobs in db. key is the 32-byte
// AES-256 key sealing job secrets; keep it outside the data directory, so
// that a copy of the database alone reveals no token.
func New(db *badger.DB, key []byte, r Renderer, s Sender, opts Options) (*Outbox, error) {
	switch {
	case db == nil:
		return nil, errors.New("outbox: nil database")
	case len(key) != 32:
		return nil, fmt.Errorf("outbox: key must be 32 bytes, got %d", len(key))
	case r == nil:
		return nil, errors.New("outbox: nil renderer")
	case s == nil:
		return nil, errors.New("outbox: nil sender")
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, fmt.Errorf("outbox: cipher: %w", err)
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, fmt.Errorf("outbox: gcm: %w", err)
	}
	if opts.Workers <= 0 {
		opts.Workers = 2
	}
	if opts.MinBackoff <= 0 {
		opts.MinBackoff = 2 * time.Second
	}
	if opts.MaxBackoff <= 0 {
		opts.MaxBackoff = 5 * time.Minute
	}
	if opts.MaxBackoff < opts.MinBackoff {
		opts.MaxBackoff = opts.MinBackoff
	}
	if opts.SendTimeout <= 0 {
		opts.SendTimeout = 30 * time.Second
	}
	if opts.MaxAttempts < 0 {
		opts.MaxAttempts = 0
	}
	if opts.Now == nil {
		opts.Now = time.Now
	}
	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	return &Outbox{
		db:        db,
		aead:      aead,
		render:    r,
		send:      s,
		opts:      opts,
		log:       logger.With("component", "outbox"),
		ready:     make(chan string, readyCap),
		wake:      make(chan struct{}, 1),
		held:      make(map[string]struct{}),
		scheduled: make(map[string]time.Time),
	}, nil
}

// Enqueue adds j to the caller's read-write transaction, so the mail commits
// or vanishes together with whatever else txn writes (the token). It sets
// ID, Created and NextAttempt, resets Attempts and LastError, and returns
// the stored job. After committing txn, call Notify with the job's ID so
// that delivery starts at once rather than at the next scan of Badger.
func (o *Outbox) Enqueue(txn *badger.Txn, j Job) (Job, error) {
	if txn == nil {
		return Job{}, errors.New("outbox: enqueue: nil transaction")
	}
	if j.To == "" || j.Kind == "" {
		return Job{}, errors.New("outbox: enqueue: job needs To and Kind")
	}
	now := o.opts.Now()
	id, err := newID(now)
	if err != nil {
		return Job{}, err
	}
	j.ID, j.Created, j.NextAttempt, j.Attempts, j.LastError = id, now, now, 0, ""
	sealed, err := seal(o.aead, id, j.Secret)
	if err != nil {
		return Job{}, err
	}
	val, err := encodeRecord(&record{
		ID: j.ID, Kind: j.Kind, Lang: j.Lang, To: j.To, Data: j.Data,
		Sealed: sealed, NextAttempt: j.NextAttempt, Created: j.Created,
	})
	if err != nil {
		return Job{}, err
	}
	if err := txn.Set(jobKey(id), val); err != nil {
		return Job{}, fmt.Errorf("outbox: enqueue job %s: %w", id, err)
	}
	// Logged when added to the transaction: the caller may still discard it.
	o.log.Info("mail queued", "job", id, "kind", j.Kind, "to", mask(j.To))
	return j, nil
}

// EnqueueNow stores j in its own transaction and hands it to the workers. Use it
// for mails that accompany no token, such as notifications.
func (o *Outbox) EnqueueNow(ctx context.Context, j Job) (Job, error) {
	if err := ctx.Err(); err != nil {
		return Job{}, fmt.Errorf("outbox: enqueue: %w", err)
	}
	var out Job
	err := o.db.Update(func(txn *badger.Txn) error {
		var err error
		out, err = o.Enqueue(txn, j)
		return err
	})
	if err != nil {
		return Job{}, fmt.Errorf("outbox: enqueue: %w", err)
	}
	if o.opts.Syncer != nil {
		if err := o.opts.Syncer.Sync(ctx); err != nil {
			return Job{}, fmt.Errorf("outbox: enqueue: %w", err)
		}
	}
	o.Notify(out.ID)
	return out, nil
}

// Pending counts the queued jobs, delivered or dead ones excluded.
func (o *Outbox) Pending(ctx context.Context) (int, error) {
	return o.count(ctx, jobPrefix)
}

// DeadLetters counts the jobs given up (see Options.MaxAttempts). They stay
// under outbox/dead/<id>, secret still sealed, for inspection.
func (o *Outbox) DeadLetters(ctx context.Context) (int, error) {
	return o.count(ctx, deadPrefix)
}

func (o *Outbox) count(ctx context.Context, prefix string) (int, error) {
	n := 0
	err := o.db.View(func(txn *badger.Txn) error {
		it := txn.NewIterator(badger.IteratorOptions{Prefix: []byte(prefix)})
		defer it.Close()
		for it.Rewind(); it.Valid(); it.Next() {
			if err := ctx.Err(); err != nil {
				return err
			}
			n++
		}
		return nil
	})
	if err != nil {
		return 0, fmt.Errorf("outbox: count %s: %w", prefix, err)
	}
	return n, nil
}

// Stats returns a snapshot of the counters.
func (o *Outbox) Stats() Stats {
	return Stats{
		Delivered: o.delivered.Load(),
		Retried:   o.retried.Load(),
		Dead:      o.dead.Load(),
	}
}
