package store

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"

	"sesame/server/outbox"
)

// queue records enqueued jobs in the caller's transaction, like the outbox.
type queue struct{ n atomic.Int32 }

func (q *queue) Enqueue(txn *badger.Txn, j outbox.Job) (outbox.Job, error) {
	q.n.Add(1)
	return j, txn.Set([]byte("o/"+j.Kind), []byte(j.To))
}
func (q *queue) Notify(...string) {}

type clock struct{ t atomic.Int64 }

func (c *clock) now() time.Time          { return time.Unix(0, c.t.Load()) }
func (c *clock) add(d time.Duration)     { c.t.Add(int64(d)) }
func newClock() *clock                   { c := &clock{}; c.t.Store(time.Now().UnixNano()); return c }
func open(t *testing.T) (*Store, *clock) { return openWith(t, &queue{}) }

func openWith(t *testing.T, q *queue) (*Store, *clock) {
	t.Helper()
	db, err := badger.Open(badger.DefaultOptions("").WithInMemory(true).WithLogger(nil))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	c := newClock()
	return New(db, q, c.now), c
}

func account(t *testing.T, s *Store) Account {
	t.Helper()
	ctx := context.Background()
	if _, err := s.PutAccounts(ctx, []Account{{Portal: "employeur", Email: "a@b.fr", EmailKey: "a@b.fr", PasswordHash: "h0"}}, func() string { return "acc1" }); err != nil {
		t.Fatal(err)
	}
	a, err := s.AccountBy(ctx, "employeur", KindEmail, "a@b.fr")
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func issue(t *testing.T, s *Store, c *clock, a Account, digest string) {
	t.Helper()
	err := s.IssueToken(context.Background(), Token{Digest: digest, AccountID: a.ID, Portal: a.Portal, Purpose: "reset", Created: c.now(), Expires: c.now().Add(time.Hour)}, &outbox.Job{Kind: "reset_link", To: a.Email})
	if err != nil {
		t.Fatal(err)
	}
}

func TestTokenLifecycle(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	a := account(t, s)
	issue(t, s, c, a, "d1")
	if _, err := s.Token(ctx, "d1", "reset"); err != nil {
		t.Fatalf("fresh token: %v", err)
	}
	if _, err := s.Token(ctx, "d1", "change"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("another purpose: %v", err)
	}
	issue(t, s, c, a, "d2")
	if _, err := s.Token(ctx, "d1", "reset"); !errors.Is(err, ErrSuperseded) {
		t.Fatalf("older token: %v, want superseded", err)
	}
	c.add(time.Hour)
	if _, err := s.Token(ctx, "d2", "reset"); !errors.Is(err, ErrExpired) {
		t.Fatalf("after its hour: %v, want expired", err)
	}
	if _, err := s.Token(ctx, "nope", "reset"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown: %v", err)
	}
}

// TestKeptTokens: an account keeps the records of its Kept newest tokens of
// a purpose; issuing more deletes the oldest, and a change-password code,
// another purpose, keeps its own history.
func TestKeptTokens(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	a := account(t, s)
	if err := s.IssueToken(ctx, Token{Digest: "code", AccountID: a.ID, Purpose: "change", Expires: c.now().Add(time.Hour), MaxTries: 3}, nil); err != nil {
		t.Fatal(err)
	}
	const n = Kept + 3
	for i := range n {
		issue(t, s, c, a, fmt.Sprintf("d%d", i))
	}
	for i := range n {
		_, err := s.Token(ctx, fmt.Sprintf("d%d", i), "reset")
		var want error
		switch {
		case i < n-Kept:
			want = ErrNotFound
		case i < n-1:
			want = ErrSuperseded
		}
		if !errors.Is(err, want) && err != want {
			t.Errorf("token %d of %d: %v, want %v", i, n, err, want)
		}
	}
	if _, err := s.Token(ctx, "code", "change"); err != nil {
		t.Errorf("code of another purpose: %v", err)
	}
	// Issuing the same digest again (a retried transaction) keeps it once.
	issue(t, s, c, a, fmt.Sprintf("d%d", n-1))
	if _, err := s.Token(ctx, fmt.Sprintf("d%d", n-Kept), "reset"); !errors.Is(err, ErrSuperseded) {
		t.Errorf("after a repeated digest the oldest kept one: %v, want superseded", err)
	}
}

// TestRevokedKeepsHistory: a password change revokes the newest token
// and keeps the list, so the Kept bound still holds afterwards; a token
// issued after the change is usable, the ones before it superseded, and
// the used one says so.
func TestRevokedKeepsHistory(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	a := account(t, s)
	for i := range Kept {
		issue(t, s, c, a, fmt.Sprintf("d%d", i))
	}
	last := fmt.Sprintf("d%d", Kept-1)
	if _, err := s.ChangePassword(ctx, PasswordChange{AccountID: a.ID, ExpectHash: "h0", NewHash: "h1", At: c.now(), ConsumeDigest: last, Purpose: "reset"}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.CurrentToken(ctx, a.ID, "reset"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("current token after the change: %v, want none", err)
	}
	issue(t, s, c, a, "new")
	for d, want := range map[string]error{"d0": ErrNotFound, "d1": ErrSuperseded, last: ErrUsed, "new": nil} {
		if _, err := s.Token(ctx, d, "reset"); !errors.Is(err, want) && err != want {
			t.Errorf("token %s: %v, want %v", d, err, want)
		}
	}
}

// TestTokenListFormat: the stored list round-trips, revoked or not.
func TestTokenListFormat(t *testing.T) {
	for _, l := range []tokenList{{}, {digests: []string{"a"}}, {digests: []string{"a", "b"}}, {revoked: true, digests: []string{"a", "b"}}, {revoked: true}} {
		got := parseTokenList(l.String())
		if got.revoked != l.revoked || strings.Join(got.digests, ",") != strings.Join(l.digests, ",") {
			t.Errorf("%+v: stored %q, read back %+v", l, l.String(), got)
		}
		if want := ""; (l.revoked || len(l.digests) == 0) && got.current() != want {
			t.Errorf("%+v: current %q, want none", l, got.current())
		}
	}
}

// TestConsumeIsAtomic: of many concurrent password changes with one token,
// exactly one wins.
func TestConsumeIsAtomic(t *testing.T) {
	s, c := open(t)
	a := account(t, s)
	issue(t, s, c, a, "d1")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for i := range 20 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			_, err := s.ChangePassword(context.Background(), PasswordChange{AccountID: a.ID, ExpectHash: "h0", NewHash: "h" + string(rune('a'+i)), At: c.now(), ConsumeDigest: "d1", Purpose: "reset"})
			if err == nil {
				wins.Add(1)
			}
		}()
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d changes won with one token", wins.Load())
	}
	if _, err := s.Token(context.Background(), "d1", "reset"); !errors.Is(err, ErrUsed) {
		t.Fatalf("after use: %v", err)
	}
}

// TestChangeEndsEverything: a password change kills the account's other
// tokens and codes and every session, and queues its notification in the
// same transaction.
func TestChangeEndsEverything(t *testing.T) {
	q := &queue{}
	s, c := openWith(t, q)
	ctx := context.Background()
	a := account(t, s)
	issue(t, s, c, a, "d1")
	if err := s.IssueToken(ctx, Token{Digest: "c1", AccountID: a.ID, Purpose: "change", Expires: c.now().Add(time.Hour), MaxTries: 3}, nil); err != nil {
		t.Fatal(err)
	}
	for _, d := range []string{"s1", "s2"} {
		if err := s.PutSession(ctx, Session{Digest: d, AccountID: a.ID, Portal: a.Portal, Expires: c.now().Add(time.Hour)}); err != nil {
			t.Fatal(err)
		}
	}
	before := q.n.Load()
	if _, err := s.ChangePassword(ctx, PasswordChange{AccountID: a.ID, ExpectHash: "h0", NewHash: "h1", At: c.now(), ConsumeDigest: "d1", Purpose: "reset", Notify: &outbox.Job{Kind: "password_changed", To: a.Email}}); err != nil {
		t.Fatal(err)
	}
	if q.n.Load() != before+1 {
		t.Fatal("no notification queued")
	}
	if _, err := s.Token(ctx, "c1", "change"); !errors.Is(err, ErrSuperseded) {
		t.Fatalf("change code after reset: %v", err)
	}
	for _, d := range []string{"s1", "s2"} {
		if _, err := s.Session(ctx, d); !errors.Is(err, ErrNotFound) {
			t.Fatalf("session %s after reset: %v", d, err)
		}
	}
	if _, err := s.ChangePassword(ctx, PasswordChange{AccountID: a.ID, ExpectHash: "h0", NewHash: "h2", At: c.now()}); !errors.Is(err, ErrConflict) {
		t.Fatalf("stale expected hash: %v", err)
	}
}

func TestTryCode(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	a := account(t, s)
	if err := s.IssueToken(ctx, Token{Digest: "right", AccountID: a.ID, Purpose: "change", Expires: c.now().Add(time.Hour), MaxTries: 3}, nil); err != nil {
		t.Fatal(err)
	}
	for want := 2; want >= 1; want-- {
		left, err := s.TryCode(ctx, a.ID, "change", "wrong", false)
		if !errors.Is(err, ErrWrongCode) || left != want {
			t.Fatalf("wrong code: left %d, %v; want %d", left, err, want)
		}
	}
	if _, err := s.TryCode(ctx, a.ID, "change", "wrong", false); !errors.Is(err, ErrDead) {
		t.Fatalf("third wrong code: %v, want dead", err)
	}
	if _, err := s.TryCode(ctx, a.ID, "change", "right", false); !errors.Is(err, ErrDead) {
		t.Fatalf("right code after death: %v", err)
	}
}

func TestFlowCode(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	a := account(t, s)
	f := Flow{ID: "f1", Portal: "adherent", AccountID: a.ID, Expires: c.now().Add(time.Hour)}
	if err := s.PutFlow(ctx, f); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlowCode(ctx, "f1", "old", c.now().Add(10*time.Minute), 5, nil); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlowCode(ctx, "f1", "new", c.now().Add(10*time.Minute), 5, nil); err != nil {
		t.Fatal(err)
	}
	issueTok := Token{Digest: "t1", Portal: "adherent", Purpose: "reset", Expires: c.now().Add(time.Hour)}
	if left, err := s.TryFlowCode(ctx, "f1", "old", issueTok); !errors.Is(err, ErrWrongCode) || left != 4 {
		t.Fatalf("resent code kills the old one: left %d, %v", left, err)
	}
	if _, err := s.TryFlowCode(ctx, "f1", "new", issueTok); err != nil {
		t.Fatalf("right code: %v", err)
	}
	if tok, err := s.Token(ctx, "t1", "reset"); err != nil || tok.AccountID != a.ID {
		t.Fatalf("issued token: %+v, %v", tok, err)
	}
	if _, err := s.TryFlowCode(ctx, "f1", "new", issueTok); !errors.Is(err, ErrDead) {
		t.Fatalf("code reused: %v", err)
	}
	// A flow with no account never accepts a code.
	if err := s.PutFlow(ctx, Flow{ID: "f2", Portal: "adherent", Expires: c.now().Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := s.SetFlowCode(ctx, "f2", "x", c.now().Add(time.Minute), 5, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.TryFlowCode(ctx, "f2", "x", issueTok); !errors.Is(err, ErrWrongCode) {
		t.Fatalf("unknown member's flow accepted its code: %v", err)
	}
}

func TestPutAccountsKeepsIdentity(t *testing.T) {
	s, _ := open(t)
	ctx := context.Background()
	a := account(t, s)
	if _, err := s.PutAccounts(ctx, []Account{{Portal: "employeur", Email: "a@b.fr", EmailKey: "a@b.fr", Phone: "0600000000"}}, func() string { return "other" }); err != nil {
		t.Fatal(err)
	}
	b, err := s.AccountBy(ctx, "employeur", KindEmail, "a@b.fr")
	if err != nil || b.ID != a.ID || b.PasswordHash != "h0" || b.Phone != "0600000000" {
		t.Fatalf("re-import: %+v, %v", b, err)
	}
	if n, _ := s.CountAccounts(ctx); n != 1 {
		t.Fatalf("%d accounts", n)
	}
}
