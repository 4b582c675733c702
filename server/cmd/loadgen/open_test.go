package main

import (
	"context"
	"errors"
	"io"
	"net/http"
	"sync/atomic"
	"testing"
	"time"
)

// dispatch schedules rate·duration requests at their times and drops
// those no client took before the deadline.
func TestDispatchSchedulesAndDrops(t *testing.T) {
	start := time.Now()
	out := make(chan time.Time)
	done := make(chan [2]int64)
	go func() {
		s, d := dispatch(context.Background(), 100, 0, start, start.Add(300*time.Millisecond), out)
		done <- [2]int64{s, d}
	}()
	var got []time.Time
	for at := range out {
		got = append(got, at)
	}
	r := <-done
	// The last one is due 10 ms before the deadline: a very busy machine
	// may drop it.
	if r[0] != int64(len(got)) || r[0]+r[1] != 30 || r[1] > 1 {
		t.Fatalf("sent %d (received %d), dropped %d; want 30 sent", r[0], len(got), r[1])
	}
	for i, at := range got {
		if want := start.Add(time.Duration(i) * 10 * time.Millisecond); !at.Equal(want) {
			t.Fatalf("request %d scheduled at %s, want %s", i, at.Sub(start), want.Sub(start))
		}
	}

	// Nobody takes the requests: all are dropped at the deadline.
	start = time.Now()
	out = make(chan time.Time)
	s, d := dispatch(context.Background(), 1000, 0, start, start.Add(50*time.Millisecond), out)
	if s != 0 || d != 50 {
		t.Errorf("without clients: sent %d, dropped %d; want 0 and 50", s, d)
	}
	// A request bound caps the schedule.
	start = time.Now()
	out = make(chan time.Time, 100)
	if s, d := dispatch(context.Background(), 1000, 7, start, start.Add(50*time.Millisecond), out); s != 7 || d != 0 {
		t.Errorf("with -max-requests 7: sent %d, dropped %d", s, d)
	}
}

// An open loop measures from the scheduled time: with one client and
// operations slower than the schedule, the latency grows with the queue.
func TestOpenLoopCountsTheWait(t *testing.T) {
	users := newUsers(1, "http://127.0.0.1:9", []*http.Transport{newTransport(nil, 1)}, false, newSink())
	op := func(ctx context.Context, u *user) (int, error) {
		time.Sleep(10 * time.Millisecond)
		return http.StatusOK, nil
	}
	p := runPhase(context.Background(), users, workload{op: op, want: http.StatusOK}, phase{duration: 200 * time.Millisecond, rate: 200})
	if p.offered != 40 || p.dropped == 0 {
		t.Errorf("offered %d, dropped %d: want 40 offered and some dropped (one client, 10 ms each, 5 ms apart)", p.offered, p.dropped)
	}
	if p.hist.max < 50*time.Millisecond {
		t.Errorf("max latency %s: the queue's wait should count", p.hist.max)
	}
	// Closed loop: each operation is timed alone.
	p = runPhase(context.Background(), users, workload{op: op, want: http.StatusOK}, phase{duration: 100 * time.Millisecond})
	if p.hist.n == 0 || p.hist.max > 40*time.Millisecond {
		t.Errorf("closed loop: %d ops, max %s", p.hist.n, p.hist.max)
	}
}

// runPhase merges the clients' tallies: statuses, failures, step times
// (after the warm-up only) and the end of a supply.
func TestRunPhaseTallies(t *testing.T) {
	users := newUsers(4, "http://127.0.0.1:9", []*http.Transport{newTransport(nil, 4)}, true, newSink())
	if users[0].http.Jar == nil || users[0].http.Jar == users[1].http.Jar {
		t.Fatal("each client needs its own cookie jar")
	}
	var n atomic.Int64
	op := func(ctx context.Context, u *user) (int, error) {
		i := n.Add(1)
		switch {
		case i > 200:
			return 0, errExhausted
		case i%50 == 0:
			return 0, errors.New("boom")
		case i%10 == 0:
			return http.StatusTooManyRequests, nil
		}
		t0 := time.Now()
		time.Sleep(100 * time.Microsecond)
		u.timed("step", t0)
		return http.StatusOK, nil
	}
	warmed := make(chan struct{})
	p := runPhase(context.Background(), users, workload{op: op, want: http.StatusOK},
		phase{duration: 10 * time.Second, warmup: 5 * time.Millisecond, onWarm: func() { close(warmed) }})
	<-warmed
	if p.exhausted == 0 || time.Since(p.start) > 5*time.Second {
		t.Fatalf("the run should end when the supply does (exhausted after %s)", p.exhausted)
	}
	total := p.transport
	for _, c := range p.statuses {
		total += c
	}
	if total != 200 || p.transport != 4 || p.statuses[http.StatusTooManyRequests] != 16 {
		t.Errorf("total %d, failures %d, 429s %d; want 200, 4, 16", total, p.transport, p.statuses[http.StatusTooManyRequests])
	}
	if p.firstErr != "boom" {
		t.Errorf("first error %q", p.firstErr)
	}
	if h := p.steps["step"]; h == nil || h.n == 0 || h.n > p.hist.n {
		t.Errorf("step times: %+v, measured ops %d", h, p.hist.n)
	}
	r := &result{phaseResult: p, want: http.StatusOK}
	if r.errors() != 20 {
		t.Errorf("errors() = %d, want 20 (16 × 429 and 4 failures; the supply's end is none)", r.errors())
	}
}

// The capacity a probe finds is the lower of the answers/s and the mails
// delivered/s per operation: a server that answers faster than it mails
// only piles up its outbox.
func TestProbeCapacityCountsTheMail(t *testing.T) {
	k := newSink()
	users := newUsers(2, "http://127.0.0.1:9", []*http.Transport{newTransport(nil, 2)}, false, k)
	var n atomic.Int64
	op := func(ctx context.Context, u *user) (int, error) {
		time.Sleep(time.Millisecond)
		if n.Add(1)%2 == 0 {
			k.delivered.Add(1) // one mail for every other answer
		}
		return http.StatusOK, nil
	}
	res := &result{o: options{concurrency: 2, probe: 300 * time.Millisecond, rateFraction: 0.5}}
	if err := res.probeCapacity(context.Background(), users, workload{op: op, want: http.StatusOK, mails: 1}, k, io.Discard); err != nil {
		t.Fatal(err)
	}
	if res.probeRPS <= 0 || res.capacity > 0.6*res.probeRPS || res.capacity < 0.4*res.probeRPS || res.rate != 0.5*res.capacity {
		t.Errorf("answers %.0f/s, mails %.0f/s: capacity %.0f, rate %.0f", res.probeRPS, res.probeMails, res.capacity, res.rate)
	}
	// Without mail, the answers alone set it.
	res = &result{o: options{concurrency: 2, probe: 300 * time.Millisecond, rateFraction: 0.5}}
	if err := res.probeCapacity(context.Background(), users, workload{op: op, want: http.StatusOK}, k, io.Discard); err != nil {
		t.Fatal(err)
	}
	if res.capacity != res.probeRPS {
		t.Errorf("no mail: capacity %.0f, answers %.0f/s", res.capacity, res.probeRPS)
	}
}
