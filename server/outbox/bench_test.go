package outbox

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/dgraph-io/badger/v4"
)

// counter is a Sender that only counts.
type counter struct{ n atomic.Int64 }

func (c *counter) Send(context.Context, Mail) error { c.n.Add(1); return nil }

// BenchmarkDeliver is the outbox at work under a stream of requests: 16
// producers each commit a job in its own transaction and hand it over,
// while Run delivers them (to a Sender that only counts, or over SMTP to
// an in-process sink). The figure is mails/s, from the first commit to the
// last job deleted.
func BenchmarkDeliver(b *testing.B) {
	for _, smtpSink := range []bool{false, true} {
		name := "sender=count"
		if smtpSink {
			name = "sender=smtp"
		}
		b.Run(name, func(b *testing.B) {
			db, err := badger.Open(badger.DefaultOptions(b.TempDir()).WithLogger(nil).WithMemTableSize(8 << 20))
			if err != nil {
				b.Fatal(err)
			}
			defer db.Close()
			var snd Sender
			var sent func() int64
			if smtpSink {
				sk := &sink{}
				s := benchSink(b, sk)
				snd, sent = s, func() int64 { return int64(sk.count()) }
			} else {
				c := &counter{}
				snd, sent = c, c.n.Load
			}
			key := make([]byte, 32)
			o, err := New(db, key, testRenderer{}, snd, Options{Logger: slog.New(slog.DiscardHandler), Workers: 4})
			if err != nil {
				b.Fatal(err)
			}
			ctx, cancel := context.WithCancel(context.Background())
			done := make(chan error, 1)
			go func() { done <- o.Run(ctx) }()
			defer func() { cancel(); <-done }()

			var seq atomic.Int64
			b.SetParallelism((16 + runtime.GOMAXPROCS(0) - 1) / runtime.GOMAXPROCS(0))
			b.ResetTimer()
			b.RunParallel(func(pb *testing.PB) {
				for pb.Next() {
					var id string
					err := db.Update(func(txn *badger.Txn) error {
						j, err := o.Enqueue(txn, Job{Kind: "reset_link", Lang: "fr", To: "u" + strconv.FormatInt(seq.Add(1), 10) + "@bench.example", Secret: "s"})
						id = j.ID
						return err
					})
					if err != nil {
						b.Error(err)
						return
					}
					o.Notify(id)
				}
			})
			deadline := time.Now().Add(time.Minute)
			for sent() < int64(b.N) || o.mustPending(b) > 0 {
				if time.Now().After(deadline) {
					b.Fatalf("%d of %d delivered after a minute", sent(), b.N)
				}
				time.Sleep(time.Millisecond)
			}
			b.StopTimer()
			b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "mails/s")
			if d := o.deletes.Load(); d > 0 {
				b.ReportMetric(float64(b.N)/float64(d), "deletes/txn")
			}
		})
	}
}

func (o *Outbox) mustPending(b *testing.B) int {
	n, err := o.Pending(context.Background())
	if err != nil {
		b.Fatal(err)
	}
	return n
}

// benchSink serves SMTP for sk on a loopback port until the benchmark
// ends, and returns a sender to it.
func benchSink(b *testing.B, sk *sink) *SMTPSender {
	b.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	srv := newSMTPServer(sk)
	sk.addr = l.Addr().String()
	go func() { _ = srv.Serve(l) }()
	b.Cleanup(func() { _ = srv.Close() })
	s, err := NewSMTPSender(fmt.Sprintf("smtp://%s?tls=none", sk.addr), "Sésame <no-reply@sesame.test>")
	if err != nil {
		b.Fatal(err)
	}
	return s
}
