package main

import (
	"context"
	"errors"
	"math/rand/v2"
	"net"
	"net/http"
	"net/http/cookiejar"
	"sync"
	"sync/atomic"
	"time"
)

// A phase is one stretch of load: every client repeats the workload's
// operation, in a closed loop or an open one, and their tallies are
// merged.

// phaseResult is what one stretch of load measured.
type phaseResult struct {
	hist       histogram // latencies after the warm-up
	steps      map[string]*histogram
	warmupReqs int64
	statuses   map[int]int64 // every answer of the phase, warm-up included
	transport  int64         // operations that got no answer or failed between requests
	firstErr   string
	measured   time.Duration // from the end of the warm-up to the last answer
	start      time.Time
	warmEnd    time.Time
	end        time.Time     // the phase's deadline
	exhausted  time.Duration // when the supply ran out, after the warm-up (0: it did not)
	offered    int64         // open loop: requests scheduled
	dropped    int64         // open loop: scheduled but never sent (the clients were all busy until the deadline)
}

func (p *phaseResult) rps() float64 {
	if p.measured <= 0 {
		return 0
	}
	return float64(p.hist.n) / p.measured.Seconds()
}

// workerStats is one client's tally.
type workerStats struct {
	hist      histogram
	steps     map[string]*histogram
	statuses  map[int]int64
	warm      int64
	transport int64
	firstErr  string
	exhausted time.Time
	last      time.Time // end of its last measured request
}

// newTransports returns the keep-alive transports of the clients: one, or
// one per source address with -client-ips.
func newTransports(o options) []*http.Transport {
	if o.clientIPs <= 1 {
		return []*http.Transport{newTransport(nil, o.concurrency)}
	}
	var out []*http.Transport
	for k := range o.clientIPs {
		src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(11+k))}
		out = append(out, newTransport(src, (o.concurrency+o.clientIPs-1)/o.clientIPs))
	}
	return out
}

// newTransport is a keep-alive transport for up to conns connections,
// dialing from local when it is set.
func newTransport(local net.Addr, conns int) *http.Transport {
	return &http.Transport{
		Proxy:               nil, // loopback: never through a proxy from the environment
		DialContext:         (&net.Dialer{Timeout: 5 * time.Second, KeepAlive: 30 * time.Second, LocalAddr: local}).DialContext,
		MaxIdleConns:        conns,
		MaxIdleConnsPerHost: conns,
		MaxConnsPerHost:     conns,
		IdleConnTimeout:     90 * time.Second,
		DisableCompression:  true,
	}
}

// newUsers makes n clients spread over the transports, each with its own
// cookie jar when cookies is set.
func newUsers(n int, base string, transports []*http.Transport, cookies bool, snk *sink) []*user {
	seed := rand.Uint64()
	users := make([]*user, n)
	for i := range users {
		hc := &http.Client{Transport: transports[i%len(transports)], Timeout: 30 * time.Second}
		if cookies {
			hc.Jar, _ = cookiejar.New(nil) // never fails without options
		}
		s := seed + uint64(i)
		users[i] = &user{id: i, base: base, http: hc, rng: rand.New(rand.NewPCG(s, s^0x9e3779b97f4a7c15)), sink: snk}
	}
	return users
}

// phase is one stretch of load.
type phase struct {
	duration, warmup time.Duration
	maxRequests      int64   // 0: no bound
	rate             float64 // requests/s of an open loop; 0: closed loop
	onWarm           func()  // called once when the warm-up ends
}

// runPhase runs every user's loop for the phase and merges their tallies.
func runPhase(ctx context.Context, users []*user, wl workload, ph phase) phaseResult {
	p := phaseResult{start: time.Now(), statuses: make(map[int]int64), steps: make(map[string]*histogram)}
	p.warmEnd, p.end = p.start.Add(ph.warmup), p.start.Add(ph.duration)
	var starts chan time.Time
	var dispatched chan [2]int64
	if ph.rate > 0 {
		starts = make(chan time.Time)
		dispatched = make(chan [2]int64, 1)
		go func() {
			sent, dropped := dispatch(ctx, ph.rate, ph.maxRequests, p.start, p.end, starts)
			dispatched <- [2]int64{sent, dropped}
		}()
	}
	marked := make(chan struct{})
	go func() {
		defer close(marked)
		select {
		case <-time.After(time.Until(p.warmEnd)):
			if ph.onWarm != nil {
				ph.onWarm()
			}
		case <-ctx.Done():
		}
	}()
	var issued atomic.Int64
	stats := make([]*workerStats, len(users))
	var wg sync.WaitGroup
	for i, u := range users {
		ws := &workerStats{statuses: make(map[int]int64), steps: make(map[string]*histogram)}
		stats[i] = ws
		wg.Go(func() { worker(ctx, u, wl.op, starts, p.warmEnd, p.end, &issued, ph.maxRequests, ws) })
	}
	wg.Wait()
	if dispatched != nil {
		d := <-dispatched
		p.offered, p.dropped = d[0]+d[1], d[1]
	}
	<-marked

	var last, exhausted time.Time
	for _, ws := range stats {
		p.hist.merge(&ws.hist)
		for name, h := range ws.steps {
			if p.steps[name] == nil {
				p.steps[name] = new(histogram)
			}
			p.steps[name].merge(h)
		}
		p.warmupReqs += ws.warm
		p.transport += ws.transport
		if p.firstErr == "" {
			p.firstErr = ws.firstErr
		}
		for s, n := range ws.statuses {
			p.statuses[s] += n
		}
		if ws.last.After(last) {
			last = ws.last
		}
		if !ws.exhausted.IsZero() && (exhausted.IsZero() || ws.exhausted.Before(exhausted)) {
			exhausted = ws.exhausted
		}
	}
	if p.hist.n > 0 {
		p.measured = last.Sub(p.warmEnd)
	}
	if !exhausted.IsZero() {
		p.exhausted = max(exhausted.Sub(p.warmEnd), time.Nanosecond)
	}
	return p
}

// worker repeats the workload until the deadline, the request bound or
// the end of the supply. In a closed loop, an operation starts when the
// last one ends; in an open loop (starts not nil), when the dispatcher
// schedules it, and its latency counts from that scheduled time, so a
// request that waited for a free client counts its wait. Latencies count
// from before the request is written to after the whole answer is read;
// operations started during the warm-up are left out of the histogram
// (their statuses still count).
func worker(ctx context.Context, u *user, op func(context.Context, *user) (int, error), starts <-chan time.Time, warmEnd, deadline time.Time,
	issued *atomic.Int64, maxReq int64, ws *workerStats) {
	for ctx.Err() == nil {
		var t0 time.Time
		if starts != nil {
			var ok bool
			select {
			case t0, ok = <-starts:
				if !ok {
					return
				}
			case <-ctx.Done():
				return
			}
		} else {
			t0 = time.Now()
			if !t0.Before(deadline) {
				return
			}
			if maxReq > 0 && issued.Add(1) > maxReq {
				return
			}
		}
		measuring := !t0.Before(warmEnd)
		u.steps = nil
		if measuring {
			u.steps = ws.steps
		}
		status, err := op(ctx, u)
		t1 := time.Now()
		if ctx.Err() != nil {
			return
		}
		if errors.Is(err, errExhausted) {
			ws.exhausted = t1
			return
		}
		if err != nil {
			ws.transport++
			if ws.firstErr == "" {
				ws.firstErr = err.Error()
			}
		} else {
			ws.statuses[status]++
		}
		if !measuring {
			ws.warm++
			continue
		}
		if err == nil {
			ws.hist.record(t1.Sub(t0))
		}
		ws.last = t1
	}
}

// dispatch schedules requests at rate per second from start until the
// deadline (at most limit of them when limit > 0), handing each one's
// scheduled time to the first free client. A request still waiting for a
// client at the deadline is dropped. It closes out when done and returns
// how many were sent and dropped.
func dispatch(ctx context.Context, rate float64, limit int64, start, deadline time.Time, out chan<- time.Time) (sent, dropped int64) {
	defer close(out)
	total := int64(deadline.Sub(start).Seconds() * rate)
	if limit > 0 {
		total = min(total, limit)
	}
	timer := time.NewTimer(time.Until(deadline))
	defer timer.Stop()
	end := time.NewTimer(time.Until(deadline))
	defer end.Stop()
	for k := range total {
		at := start.Add(time.Duration(float64(k) / rate * float64(time.Second)))
		if d := time.Until(at); d > 0 {
			timer.Reset(d)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return sent, total - sent
			}
		}
		select {
		case out <- at:
			sent++
		case <-end.C:
			return sent, total - sent
		case <-ctx.Done():
			return sent, total - sent
		}
	}
	return sent, 0
}
