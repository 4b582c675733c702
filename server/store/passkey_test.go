package store

import (
	"bytes"
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"sesame/server/outbox"
)

func addPasskey(t *testing.T, s *Store, c *clock, a Account, id string) Passkey {
	t.Helper()
	pk := Passkey{ID: []byte(id), AccountID: a.ID, Portal: a.Portal, Name: "clé " + id, PublicKey: []byte{1}, Created: c.now()}
	if err := s.AddPasskey(context.Background(), pk, nil); err != nil {
		t.Fatal(err)
	}
	c.add(time.Second)
	return pk
}

// TestPasskeys: passkeys are listed oldest first, found by credential id
// whoever owns them, unique across accounts, and survive a re-import of
// their account, which keeps its user handle.
func TestPasskeys(t *testing.T) {
	q := &queue{}
	s, c := openWith(t, q)
	ctx := context.Background()
	a := account(t, s)
	a, err := s.SetWebAuthnID(ctx, a.ID, []byte("handle-1"))
	if err != nil {
		t.Fatal(err)
	}
	if a, err = s.SetWebAuthnID(ctx, a.ID, []byte("handle-2")); err != nil || string(a.WebAuthnID) != "handle-1" {
		t.Fatalf("a second handle replaced the first: %q %v", a.WebAuthnID, err)
	}
	addPasskey(t, s, c, a, "k2")
	addPasskey(t, s, c, a, "k1")
	keys, err := s.Passkeys(ctx, a.ID)
	if err != nil || len(keys) != 2 || string(keys[0].ID) != "k2" || string(keys[1].ID) != "k1" {
		t.Fatalf("listed %+v, %v", keys, err)
	}
	if pk, err := s.PasskeyOwner(ctx, []byte("k1")); err != nil || pk.AccountID != a.ID {
		t.Fatalf("owner of k1: %+v %v", pk, err)
	}
	if _, err := s.PasskeyOwner(ctx, []byte("k3")); !errors.Is(err, ErrNotFound) {
		t.Fatalf("unknown credential: %v", err)
	}
	if _, err := s.PutAccounts(ctx, []Account{{Portal: "employeur", Email: "b@b.fr", EmailKey: "b@b.fr"}}, func() string { return "acc2" }); err != nil {
		t.Fatal(err)
	}
	before := q.n.Load()
	err = s.AddPasskey(ctx, Passkey{ID: []byte("k1"), AccountID: "acc2", Created: c.now()}, &outbox.Job{Kind: "passkey_added", To: "b@b.fr"})
	if !errors.Is(err, ErrExists) || q.n.Load() != before {
		t.Fatalf("a credential id registered twice: %v (mail queued: %v)", err, q.n.Load() != before)
	}
	if err := s.AddPasskey(ctx, Passkey{ID: []byte("k9"), AccountID: "nobody"}, nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("passkey of no account: %v", err)
	}
	// The administration re-imports the account: same id, same handle.
	if _, err := s.PutAccounts(ctx, []Account{{Portal: "employeur", Email: "a@b.fr", EmailKey: "a@b.fr", Phone: "0600000000"}}, func() string { return "acc3" }); err != nil {
		t.Fatal(err)
	}
	again, err := s.Account(ctx, a.ID)
	if err != nil || !bytes.Equal(again.WebAuthnID, a.WebAuthnID) || again.Phone == "" {
		t.Fatalf("re-imported account %+v, %v", again, err)
	}
	if keys, _ := s.Passkeys(ctx, a.ID); len(keys) != 2 {
		t.Fatalf("%d passkeys after a re-import", len(keys))
	}
}

// TestUsePasskey: a use records the counter, unless another use moved it
// first or the passkey is gone.
func TestUsePasskey(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	a := account(t, s)
	pk := addPasskey(t, s, c, a, "k1")
	use := PasskeyUse{AccountID: a.ID, ID: pk.ID, SeenCount: 0, SignCount: 5, BackupState: true, At: c.now()}
	if err := s.UsePasskey(ctx, use); err != nil {
		t.Fatal(err)
	}
	if err := s.UsePasskey(ctx, use); !errors.Is(err, ErrConflict) {
		t.Fatalf("a use against a stale counter: %v", err)
	}
	keys, _ := s.Passkeys(ctx, a.ID)
	if keys[0].SignCount != 5 || !keys[0].BackupState || keys[0].LastUsed.IsZero() {
		t.Fatalf("after use: %+v", keys[0])
	}
	if err := s.DeletePasskey(ctx, a.ID, pk.ID, "", nil); err != nil {
		t.Fatal(err)
	}
	if err := s.UsePasskey(ctx, PasskeyUse{AccountID: a.ID, ID: pk.ID, SeenCount: 5, SignCount: 6}); !errors.Is(err, ErrNotFound) {
		t.Fatalf("use of a deleted passkey: %v", err)
	}
	if _, err := s.PasskeyOwner(ctx, pk.ID); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleted passkey still indexed: %v", err)
	}
}

// TestDeletePasskey: deleting ends the sessions the passkey opened but the
// one kept, leaves the others, and queues the notification with it.
func TestDeletePasskey(t *testing.T) {
	q := &queue{}
	s, c := openWith(t, q)
	ctx := context.Background()
	a := account(t, s)
	pk := addPasskey(t, s, c, a, "k1")
	key := PasskeyKey(pk.ID)
	for _, sess := range []Session{
		{Digest: "by-k1", Method: MethodPasskey, PasskeyID: key},
		{Digest: "by-k1-kept", Method: MethodPasskey, PasskeyID: key},
		{Digest: "by-k2", Method: MethodPasskey, PasskeyID: "k2"},
		{Digest: "by-password", Method: MethodPassword},
	} {
		sess.AccountID, sess.Portal, sess.Expires = a.ID, a.Portal, c.now().Add(time.Hour)
		if err := s.PutSession(ctx, sess); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.DeletePasskey(ctx, "acc-other", pk.ID, "", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("deleting another account's passkey: %v", err)
	}
	before := q.n.Load()
	if err := s.DeletePasskey(ctx, a.ID, pk.ID, "by-k1-kept", &outbox.Job{Kind: "passkey_removed", To: a.Email}); err != nil {
		t.Fatal(err)
	}
	if q.n.Load() != before+1 {
		t.Error("no notification queued")
	}
	for digest, alive := range map[string]bool{"by-k1": false, "by-k1-kept": true, "by-k2": true, "by-password": true} {
		if _, err := s.Session(ctx, digest); (err == nil) != alive {
			t.Errorf("session %s: %v, want alive %v", digest, err, alive)
		}
	}
	if err := s.DeletePasskey(ctx, a.ID, pk.ID, "", nil); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second delete: %v", err)
	}
}

// TestCeremony: a ceremony is taken once, atomically; past its expiry on
// the store's clock it is gone even if Badger still holds it.
func TestCeremony(t *testing.T) {
	s, c := open(t)
	ctx := context.Background()
	put := func(digest string) {
		t.Helper()
		if err := s.PutCeremony(ctx, Ceremony{Digest: digest, Kind: "signin", Portal: "assure", Data: []byte(`{"challenge":"x"}`), Expires: c.now().Add(5 * time.Minute)}); err != nil {
			t.Fatal(err)
		}
	}
	put("c1")
	got, err := s.TakeCeremony(ctx, "c1")
	if err != nil || got.Kind != "signin" || string(got.Data) != `{"challenge":"x"}` {
		t.Fatalf("take: %+v %v", got, err)
	}
	if _, err := s.TakeCeremony(ctx, "c1"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("second take: %v", err)
	}
	put("c2")
	c.add(5 * time.Minute)
	if _, err := s.TakeCeremony(ctx, "c2"); !errors.Is(err, ErrExpired) {
		t.Fatalf("take at expiry: %v", err)
	}
	if _, err := s.TakeCeremony(ctx, "c2"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("an expired ceremony stays: %v", err)
	}
	if err := s.PutCeremony(ctx, Ceremony{Digest: "c3", Expires: c.now()}); !errors.Is(err, ErrExpired) {
		t.Fatalf("storing an expired ceremony: %v", err)
	}

	put("c4")
	var wins atomic.Int32
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			if _, err := s.TakeCeremony(ctx, "c4"); err == nil {
				wins.Add(1)
			}
		})
	}
	wg.Wait()
	if wins.Load() != 1 {
		t.Fatalf("%d concurrent takes won", wins.Load())
	}
}
