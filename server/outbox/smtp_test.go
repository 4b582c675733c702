package outbox

import (
	"context"
	"net"
	"testing"
	"time"
)

// Mails sent one after the other share one SMTP connection.
func TestSMTPReusesConnection(t *testing.T) {
	sk := startSink(t, "127.0.0.1:0", nil)
	snd := smtpSender(t, sk.addr)
	defer snd.CloseIdle()
	for i := range 20 {
		if err := snd.Send(t.Context(), Mail{To: "h@example.org", Subject: "n", Text: "mail"}); err != nil {
			t.Fatalf("mail %d: %v", i, err)
		}
	}
	if n, c := sk.count(), sk.connections(); n != 20 || c != 1 {
		t.Fatalf("%d mails over %d connections, want 20 over 1", n, c)
	}
}

// A kept connection the server has dropped costs no failed mail: the
// sender notices before MAIL FROM (with or without its NOOP check of a
// connection idle for a while) and opens a new one.
func TestSMTPReconnectsAfterDrop(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	serve := func(l net.Listener) (*sink, func()) {
		sk := &sink{addr: addr}
		srv := newSMTPServer(sk)
		go func() { _ = srv.Serve(l) }()
		return sk, func() { _ = srv.Close() }
	}
	sk, drop := serve(l)
	snd := smtpSender(t, addr)
	defer snd.CloseIdle()
	if err := snd.Send(t.Context(), Mail{To: "i@example.org", Subject: "1", Text: "one"}); err != nil {
		t.Fatal(err)
	}
	for _, idle := range []time.Duration{0, idleNoop + time.Millisecond} {
		drop() // the kept connection dies with the server
		l, err := net.Listen("tcp", addr)
		if err != nil {
			t.Skipf("port %s taken meanwhile: %v", addr, err)
		}
		sk, drop = serve(l)
		snd.mu.Lock()
		for _, sc := range snd.idle {
			sc.used = sc.used.Add(-idle)
		}
		snd.mu.Unlock()
		if err := snd.Send(t.Context(), Mail{To: "i@example.org", Subject: "2", Text: "two"}); err != nil {
			t.Fatalf("after the server dropped the connection (idle %v): %v", idle, err)
		}
		if n := sk.count(); n != 1 {
			t.Fatalf("new server got %d mails, want 1", n)
		}
	}
	drop()
}

// A send cut by its context does not return its connection to the pool.
func TestSMTPCancelledSend(t *testing.T) {
	sk := startSink(t, "127.0.0.1:0", nil)
	snd := smtpSender(t, sk.addr)
	ctx, cancel := context.WithCancel(t.Context())
	cancel()
	if err := snd.Send(ctx, Mail{To: "j@example.org", Subject: "x", Text: "x"}); err == nil {
		t.Fatal("Send with a cancelled context succeeded")
	}
	if len(snd.idle) != 0 || sk.count() != 0 {
		t.Fatalf("idle %d, delivered %d; want nothing", len(snd.idle), sk.count())
	}
}
