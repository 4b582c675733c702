package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// result is everything the report says.
type result struct {
	o           options
	about       string
	want        int
	accounts    int
	cores       int
	started     time.Time
	setupTook   time.Duration
	measured    time.Duration // from the end of the warm-up to the last answer
	hist        histogram     // latencies after the warm-up
	warmupReqs  int64
	statuses    map[int]int64 // every answer of the steady phase, warm-up included
	transport   int64         // requests that got no answer
	firstErr    string
	rssSteady   int64 // KiB, peak sampled after the warm-up began
	rssAnon     int64 // KiB, anonymous part of that sample
	rssFile     int64 // KiB, file-backed part of that sample
	rssLife     int64 // KiB, peak sampled over the server's life
	hwm         int64 // KiB, VmHWM just before the stop
	mails       int64 // delivered to the sink during the measured window
	mailsTotal  int64 // delivered to the sink since the server started
	pending     int64 // outbox backlog at the end (-1: unknown)
	accepted    int64 // answers with the expected status, warm-up included
	serverCPU   time.Duration
	selfCPU     time.Duration
	loadBefore  string
	loadAfter   string
	fsyncBefore [2]time.Duration // p50, p99 of the disk probe before the run
	fsyncAfter  [2]time.Duration // and after
	stopProblem string
}

func (r *result) errors() int64 {
	n := r.transport
	for s, c := range r.statuses {
		if s != r.want {
			n += c
		}
	}
	return n
}

func (r *result) rps() float64 {
	if r.measured <= 0 {
		return 0
	}
	return float64(r.hist.n) / r.measured.Seconds()
}

// workerStats is one client's tally.
type workerStats struct {
	hist      histogram
	statuses  map[int]int64
	warm      int64
	transport int64
	firstErr  string
	last      time.Time // end of its last measured request
}

func run(ctx context.Context, o options, progress io.Writer) (*result, error) {
	sc := scenarios[o.scenario]
	res := &result{o: o, about: sc.about, cores: runtime.NumCPU(), started: time.Now(), loadBefore: loadAverage(), pending: -1}

	snk, err := startSink(o.host)
	if err != nil {
		return nil, fmt.Errorf("smtp sink: %w", err)
	}
	defer snk.close()
	c, err := startChild(ctx, o, snk.url())
	if err != nil {
		return nil, err
	}
	defer c.cleanup()
	fmt.Fprintf(progress, "loadgen: server %s ready at %s (pid %d)\n", o.server, c.base, c.cmd.Process.Pid)

	res.fsyncBefore = c.probeBefore
	tr := newTransport(nil, o.concurrency)
	defer tr.CloseIdleConnections()
	client := &http.Client{Transport: tr, Timeout: 30 * time.Second}
	// The steady phase's clients, spread over -client-ips source addresses.
	clientsByIP := []*http.Client{client}
	if o.clientIPs > 1 {
		clientsByIP = nil
		for k := range o.clientIPs {
			src := &net.TCPAddr{IP: net.IPv4(127, 0, 0, byte(11+k))}
			t := newTransport(src, (o.concurrency+o.clientIPs-1)/o.clientIPs)
			defer t.CloseIdleConnections()
			clientsByIP = append(clientsByIP, &http.Client{Transport: t, Timeout: 30 * time.Second})
		}
	}

	h := &harness{base: c.base, admin: c.adminToken, client: client, sink: snk, accounts: o.accounts, progress: progress}
	wl, err := sc.setup(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("%s setup: %w\n%s", o.scenario, err, c.tail(10))
	}
	res.want, res.accounts = wl.want, wl.accounts
	res.setupTook = time.Since(res.started)

	fmt.Fprintf(progress, "loadgen: %s, %d clients, %s (warm-up %s)…\n", o.scenario, o.concurrency, o.duration, o.warmup)
	start := time.Now()
	warmEnd, deadline := start.Add(o.warmup), start.Add(o.duration)
	var issued atomic.Int64
	stats := make([]*workerStats, o.concurrency)
	var wg sync.WaitGroup
	seed := rand.Uint64()
	for i := range stats {
		ws := &workerStats{statuses: make(map[int]int64)}
		stats[i] = ws
		wg.Go(func() {
			worker(ctx, clientsByIP[i%len(clientsByIP)], c.base+wl.path, wl.bodies, seed+uint64(i), warmEnd, deadline, &issued, o.maxRequests, ws)
		})
	}
	// Mark the steady-phase figures when the warm-up ends.
	var cpu0 time.Duration
	var self0 time.Duration
	var mails0 int64
	marked := make(chan struct{})
	go func() {
		defer close(marked)
		select {
		case <-time.After(time.Until(warmEnd)):
		case <-ctx.Done():
			return
		}
		c.rss.mark()
		cpu0, _ = readProcCPU(c.cmd.Process.Pid)
		self0 = selfCPU()
		mails0 = snk.delivered.Load()
	}()
	wg.Wait()
	cpu1, _ := readProcCPU(c.cmd.Process.Pid)
	self1 := selfCPU()
	mails1 := snk.delivered.Load()
	<-marked
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}

	res.statuses = make(map[int]int64)
	var last time.Time
	for _, ws := range stats {
		res.hist.merge(&ws.hist)
		res.warmupReqs += ws.warm
		res.transport += ws.transport
		if res.firstErr == "" {
			res.firstErr = ws.firstErr
		}
		for s, n := range ws.statuses {
			res.statuses[s] += n
		}
		if ws.last.After(last) {
			last = ws.last
		}
	}
	res.accepted = res.statuses[res.want]
	if res.hist.n > 0 {
		res.measured = last.Sub(warmEnd)
		res.serverCPU = cpu1 - cpu0
		res.selfCPU = self1 - self0
		res.mails = mails1 - mails0
	}
	res.mailsTotal = mails1
	res.pending = mailPending(client, c.base)
	if st, err := readProcStatus(c.cmd.Process.Pid); err == nil {
		res.hwm = st.hwmKiB
	}
	c.rss.stop()
	var peak procStatus
	peak, res.rssLife = c.rss.peaks()
	res.rssSteady, res.rssAnon, res.rssFile = peak.rssKiB, peak.anonKiB, peak.fileKiB
	res.loadAfter = loadAverage()
	tr.CloseIdleConnections()
	for _, cl := range clientsByIP {
		cl.CloseIdleConnections()
	}
	if err := c.stop(); err != nil {
		res.stopProblem = err.Error()
	}
	if p50, p99, err := fsyncProbe(c.dir, 200); err == nil {
		res.fsyncAfter = [2]time.Duration{p50, p99}
	}
	return res, nil
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

// worker repeats the workload until the deadline or the request bound.
// Latencies count from before the request is written to after the whole
// answer is read; requests started during the warm-up are left out of
// the histogram (their statuses still count).
func worker(ctx context.Context, client *http.Client, url string, bodies [][]byte, seed uint64, warmEnd, deadline time.Time,
	issued *atomic.Int64, maxReq int64, ws *workerStats) {
	rng := rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
	for ctx.Err() == nil {
		t0 := time.Now()
		if !t0.Before(deadline) {
			return
		}
		if maxReq > 0 && issued.Add(1) > maxReq {
			return
		}
		status, err := post(ctx, client, url, bodies[rng.IntN(len(bodies))])
		t1 := time.Now()
		if ctx.Err() != nil {
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
		if t0.Before(warmEnd) {
			ws.warm++
			continue
		}
		if err == nil {
			ws.hist.record(t1.Sub(t0))
		}
		ws.last = t1
	}
}

// mailPending reads the outbox backlog from /metrics (-1 if unknown).
func mailPending(c *http.Client, base string) int64 {
	resp, err := c.Get(base + "/metrics")
	if err != nil {
		return -1
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), "sesame_mail_pending "); ok {
			f, err := strconv.ParseFloat(strings.TrimSpace(v), 64)
			if err == nil {
				return int64(f)
			}
		}
	}
	return -1
}
