// Package badgerdb opens the embedded Badger database with settings sized for
// a small edge server, and keeps its value log garbage-collected.
package badgerdb

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// Options say where and how to open the database.
type Options struct {
	// Dir is the data directory; empty means in memory (tests).
	Dir string
	// SyncWrites makes every commit durable before it returns: what a user
	// was told is saved survives a crash.
	SyncWrites bool
	Logger     *slog.Logger
}

// Open opens the database. The memory settings (8 MiB memtables, 16 MiB
// caches, 64 MiB value-log files) keep the resident set near 150 MB under
// write load instead of Badger's 500 MB defaults.
func Open(o Options) (*badger.DB, error) {
	opts := badger.DefaultOptions(o.Dir).
		WithInMemory(o.Dir == "").
		WithSyncWrites(o.SyncWrites && o.Dir != "").
		WithMemTableSize(8 << 20).
		WithNumMemtables(2).
		WithBlockCacheSize(16 << 20).
		WithIndexCacheSize(16 << 20).
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
