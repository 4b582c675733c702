package limit

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// pending is one counter's state taken by a flush.
type pending struct {
	c   *counter
	sh  *shard
	st  state
	ver uint64
}

// Flush writes every counter changed since the last flush to Badger in
// one batch, and waits for the Syncer if there is one. Counters left
// unchanged by then may be evicted from memory.
func (s *BadgerStore) Flush(ctx context.Context) error {
	s.flushMu.Lock()
	defer s.flushMu.Unlock()
	var batch []pending
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		for _, c := range sh.dirty {
			c.queued = false
			batch = append(batch, pending{c: c, sh: sh, st: c.st, ver: c.ver})
		}
		clear(sh.dirty)
		sh.dirty = sh.dirty[:0]
		sh.mu.Unlock()
	}
	defer s.trim()
	if len(batch) == 0 {
		return nil
	}
	if err := s.write(batch); err != nil {
		s.requeue(batch)
		return fmt.Errorf("limit: flush %d counters: %w", len(batch), err)
	}
	for _, p := range batch {
		p.sh.mu.Lock()
		if p.ver > p.c.saved {
			p.c.saved = p.ver
			if p.c.ver == p.c.saved {
				p.sh.clean++
			}
		}
		p.sh.mu.Unlock()
	}
	if s.sync != nil {
		if err := s.sync.Sync(ctx); err != nil {
			return fmt.Errorf("limit: flush: %w", err)
		}
	}
	return nil
}

// write stores the batch in one transaction (or a few, if it is larger
// than Badger takes at once). A window that has ended, or was reset, is
// deleted.
func (s *BadgerStore) write(batch []pending) error {
	wb := s.db.NewWriteBatch()
	defer wb.Cancel()
	now, wall := s.now(), time.Now()
	for _, p := range batch {
		k := s.dbKey(p.c.key)
		if !p.st.open(now) {
			if err := wb.Delete(k); err != nil {
				return err
			}
			continue
		}
		e := badger.NewEntry(k, p.st.encode())
		// Badger expires on the wall clock, at whole seconds, and drops
		// an entry once ExpiresAt <= now: round up so it never vanishes
		// before the window ends.
		e.ExpiresAt = uint64(wall.Add(p.st.end.Sub(now)).Unix()) + 1
		if err := wb.SetEntry(e); err != nil {
			return err
		}
	}
	return wb.Flush()
}

// requeue marks the counters of a failed batch dirty again.
func (s *BadgerStore) requeue(batch []pending) {
	for _, p := range batch {
		p.sh.mu.Lock()
		if !p.c.queued {
			p.c.queued = true
			p.sh.dirty = append(p.sh.dirty, p.c)
		}
		p.sh.mu.Unlock()
	}
}

// trim brings the shards over their share of maxKeys back under it, and
// forgets the saved counters whose window has ended in a few shards (the
// next few at each flush), so that memory follows the live keys. Called
// with flushMu held.
func (s *BadgerStore) trim() {
	limit := s.maxKeys / shards
	for i := range s.shards {
		sh := &s.shards[i]
		sh.mu.Lock()
		if len(sh.m) > limit && sh.clean > 0 {
			sh.evict(limit - limit/4)
		}
		sh.mu.Unlock()
	}
	now := s.now()
	for range 4 {
		sh := &s.shards[s.sweep]
		s.sweep = (s.sweep + 1) % shards
		sh.mu.Lock()
		for k, c := range sh.m {
			if c.ver == c.saved && !c.st.open(now) {
				delete(sh.m, k)
				sh.evictions++
				sh.clean--
			}
		}
		sh.mu.Unlock()
	}
}

// Run flushes the counters every flush interval (sooner when memory is
// full) until ctx ends, then flushes a last time and returns. Keep the
// database open until Run has returned.
func (s *BadgerStore) Run(ctx context.Context) error {
	t := time.NewTicker(s.interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return s.Flush(context.WithoutCancel(ctx))
		case <-t.C:
		case <-s.kick:
		}
		if err := s.Flush(ctx); err != nil && ctx.Err() == nil {
			if errors.Is(err, badger.ErrDBClosed) {
				return err
			}
			// The counters stay in memory, still counted, and the next
			// tick tries again.
			s.log.Error("rate-limit counters not flushed", "error", err)
		}
	}
}
