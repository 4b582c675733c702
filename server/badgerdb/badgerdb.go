// Package badgerdb opens the embedded Badger database with settings sized for
// a small edge server, keeps its value log garbage-collected, and makes its
// commits durable in groups (see [Syncer]).
package badgerdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"
	"github.com/dgraph-io/badger/v4/options"
)

// Options say where and how to open the database.
type Options struct {
	// Dir is the data directory; empty means in memory (tests).
	Dir string
	// SyncWrites makes every commit durable before it returns: what a user
	// was told is saved survives a crash.
	//
	// Badger (v4.9.6) does it by syncing its write-ahead log once per
	// transaction, one transaction after the other in its single writer:
	// sixteen concurrent commits cost sixteen fsyncs in a row. Open
	// keeps that behaviour; OpenGroupCommit shares one fsync between all
	// the commits waiting for it.
	SyncWrites bool
	Logger     *slog.Logger
}

// Open opens the database. With SyncWrites, Badger syncs each commit
// itself.
//
// The settings keep the resident set near 100 MB under write load instead
// of Badger's 500 MB defaults:
//   - two 4 MiB memtables (each costs about 5 MiB of Go heap and maps an
//     8 MiB write-ahead log), so values of 256 KiB or more go to the
//     value log, which takes 64 MiB files;
//   - no compression, hence no block cache: table blocks are read in
//     place from the memory-mapped files, in the page cache the kernel
//     can reclaim, instead of being decompressed into a Go-heap cache
//     (JSON records would compress about 3:1, but the database stays
//     small: tokens, flows and sessions expire);
//   - table indexes kept in memory (the index cache is for databases
//     larger than memory);
//   - two compactors.
func Open(o Options) (*badger.DB, error) {
	return open(o, o.SyncWrites)
}

// OpenGroupCommit opens the database like Open, except that Badger does
// not sync commits itself: with o.SyncWrites the returned Syncer does,
// once for every commit that waits for it (group commit). A commit is
// durable once Syncer.Sync, called after it, has returned nil; every commit
// that must not be lost (what a user is told is saved) has to wait for it
// before it is acknowledged. Other commits (rate-limit counters, outbox
// bookkeeping) are written to the operating system's page cache at once,
// so they survive a crash of the process, and reach the disk with the next
// sync anyone makes.
//
// Without o.SyncWrites, or in memory, the Syncer does nothing.
func OpenGroupCommit(o Options) (*badger.DB, *Syncer, error) {
	db, err := open(o, false)
	if err != nil {
		return nil, nil, err
	}
	if !o.SyncWrites || o.Dir == "" {
		return db, &Syncer{}, nil
	}
	return db, newSyncer(db, o.Dir), nil
}

func open(o Options, badgerSync bool) (*badger.DB, error) {
	opts := badger.DefaultOptions(o.Dir).
		WithInMemory(o.Dir == "").
		WithSyncWrites(badgerSync && o.Dir != "").
		WithMemTableSize(4 << 20).
		WithNumMemtables(2).
		WithValueThreshold(256 << 10).
		WithCompression(options.None).
		WithBlockCacheSize(0).
		WithIndexCacheSize(0).
		WithValueLogFileSize(64 << 20).
		WithNumCompactors(2).
		WithLogger(nil)
	if o.Logger != nil {
		opts = opts.WithLogger(logger{o.Logger})
	}
	db, err := badger.Open(opts)
	if err != nil {
		return nil, fmt.Errorf("badgerdb: open %q: %w", o.Dir, err)
	}
	return db, nil
}

// RunGC rewrites value-log files every interval until ctx ends.
func RunGC(ctx context.Context, db *badger.DB, interval time.Duration) {
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			for {
				if err := db.RunValueLogGC(0.5); err != nil {
					if !errors.Is(err, badger.ErrNoRewrite) && !errors.Is(err, badger.ErrRejected) {
						slog.Warn("badger value log gc", "err", err)
					}
					break
				}
			}
		}
	}
}

// logger sends Badger's warnings and errors to slog; its chatty info lines
// are dropped.
type logger struct{ l *slog.Logger }

func (l logger) Errorf(f string, a ...any)   { l.l.Error(fmt.Sprintf(f, a...), "component", "badger") }
func (l logger) Warningf(f string, a ...any) { l.l.Warn(fmt.Sprintf(f, a...), "component", "badger") }
func (l logger) Infof(string, ...any)        {}
func (l logger) Debugf(string, ...any)       {}
