package main

import (
	"bufio"
	"context"
	"fmt"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// result is everything the report says.
type result struct {
	phaseResult
	o           options
	about       string
	want        int
	accounts    int
	picked      string   // how an operation picks its account
	requests    int      // HTTP requests per operation
	stepNames   []string // timed parts of an operation, in order
	cores       int
	started     time.Time
	setupTook   time.Duration
	startup     time.Duration // server start to /readyz 200
	diskBefore  int64         // bytes in the data directory before the start (-data-dir)
	diskAfter   int64         // and after the stop
	rate        float64       // offered requests/s of the open loop; 0: closed loop
	capacity    float64       // what the closed-loop probe measured the server sustains (-rate-fraction)
	probeRPS    float64       // its answers/s
	probeMails  float64       // its mails delivered/s
	probeErrors int64
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
	cpuBefore   float64 // CPU pressure (some, avg10, %) before the run; -1: unknown
	cpuAfter    float64
	fsyncBefore [2]time.Duration // p50, p99 of the disk probe before the run
	fsyncAfter  [2]time.Duration // and after
	stopProblem string
	stopTook    time.Duration // SIGTERM to exit
	soak        *soakVerdict
}

func (r *result) errors() int64 {
	n := r.transport + r.probeErrors
	if r.exhausted == 0 {
		n += r.dropped // once the supply is spent, nothing is left to send
	}
	for s, c := range r.statuses {
		if s != r.want {
			n += c
		}
	}
	return n
}

func run(ctx context.Context, o options, progress io.Writer) (*result, error) {
	sc := scenarios[o.scenario]
	res := &result{o: o, about: sc.about, cores: runtime.NumCPU(), started: time.Now(), loadBefore: loadAverage(), cpuBefore: cpuPressure(), pending: -1}

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
	res.startup, res.diskBefore = c.readyAfter, c.diskBefore
	fmt.Fprintf(progress, "loadgen: server %s ready at %s in %s (pid %d)\n", o.server, c.base, c.readyAfter.Round(time.Millisecond), c.cmd.Process.Pid)

	res.fsyncBefore = c.probeBefore
	transports := newTransports(o)
	defer func() {
		for _, t := range transports {
			t.CloseIdleConnections()
		}
	}()
	client := &http.Client{Transport: transports[0], Timeout: 30 * time.Second}

	h := &harness{base: c.base, admin: c.adminToken, client: client, sink: snk, accounts: o.accounts, users: o.concurrency,
		preloaded: o.dataDir != "", tokens: o.tokensFile, progress: progress}
	wl, err := sc.setup(ctx, h)
	if err != nil {
		return nil, fmt.Errorf("%s setup: %w\n%s", o.scenario, err, c.tail(10))
	}
	res.want, res.accounts, res.requests, res.stepNames = wl.want, wl.accounts, max(wl.requests, 1), wl.steps
	res.picked = "picked at random"
	switch {
	case wl.perUser:
		res.picked = "one per client"
	case wl.supply > 0:
		res.picked = "each link used once, in turn"
	}
	res.setupTook = time.Since(res.started)
	users := newUsers(o.concurrency, c.base, transports, wl.cookies, snk)

	res.rate = o.rate
	if o.rateFraction > 0 {
		if err := res.probeCapacity(ctx, users, wl, snk, progress); err != nil {
			return nil, err
		}
	}

	window := soakWindow(o.duration, o.warmup)
	if o.soak {
		c.rss.keepSeries(min(o.rssEvery, max(window/4, 100*time.Millisecond)))
	}
	mode := "closed loop"
	if res.rate > 0 {
		mode = fmt.Sprintf("open loop at %.0f req/s", res.rate)
	}
	fmt.Fprintf(progress, "loadgen: %s, %d clients, %s, %s (warm-up %s)…\n", o.scenario, o.concurrency, mode, o.duration, o.warmup)
	// Mark the steady-phase figures when the warm-up ends.
	var cpu0, self0 time.Duration
	var mails0 int64
	ph := phase{duration: o.duration, warmup: o.warmup, maxRequests: o.maxRequests, rate: res.rate, onWarm: func() {
		c.rss.mark()
		cpu0, _ = readProcCPU(c.cmd.Process.Pid)
		self0 = selfCPU()
		mails0 = snk.delivered.Load()
	}}
	res.phaseResult = runPhase(ctx, users, wl, ph)
	cpu1, _ := readProcCPU(c.cmd.Process.Pid)
	self1 := selfCPU()
	mails1 := snk.delivered.Load()
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("interrupted: %w", err)
	}
	res.accepted = res.statuses[res.want]
	if res.hist.n > 0 {
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
	if o.soak {
		v := judgeSoak(c.rss.points(), res.warmEnd, res.end, window, o.driftLimit, res.errors())
		res.soak = &v
	}
	res.loadAfter, res.cpuAfter = loadAverage(), cpuPressure()
	for _, t := range transports {
		t.CloseIdleConnections()
	}
	t0 := time.Now()
	if err := c.stop(); err != nil {
		res.stopProblem = err.Error()
	}
	res.stopTook = time.Since(t0)
	res.diskAfter, _ = diskUsage(c.dataDir)
	if p50, p99, err := fsyncProbe(c.dir, 200); err == nil {
		res.fsyncAfter = [2]time.Duration{p50, p99}
	}
	return res, nil
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

// probeCapacity measures, in a closed loop on the same server, what it
// sustains, and sets the open loop's rate to -rate-fraction of it. A
// server sustains the requests it answers only if it also delivers the
// mails they queue: otherwise the outbox backlog, and the memory and disk
// it takes, grow for as long as the load lasts. So the capacity is the
// lower of the answers/s and the mails delivered/s divided by the mails
// each operation queues.
func (res *result) probeCapacity(ctx context.Context, users []*user, wl workload, snk *sink, progress io.Writer) error {
	o := res.o
	fmt.Fprintf(progress, "loadgen: capacity probe, closed loop, %d clients, %s…\n", o.concurrency, o.probe)
	var mails0 int64
	p := runPhase(ctx, users, wl, phase{duration: o.probe, warmup: min(2*time.Second, o.probe/4),
		onWarm: func() { mails0 = snk.delivered.Load() }})
	mails1 := snk.delivered.Load()
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("interrupted: %w", err)
	}
	res.probeRPS = p.rps()
	res.capacity = res.probeRPS
	if p.measured > 0 {
		res.probeMails = float64(mails1-mails0) / p.measured.Seconds()
	}
	if wl.mails > 0 {
		res.capacity = min(res.capacity, res.probeMails/wl.mails)
	}
	res.rate = o.rateFraction * res.capacity
	for s, n := range p.statuses {
		if s != wl.want {
			res.probeErrors += n
		}
	}
	res.probeErrors += p.transport
	if res.rate < 1 {
		return fmt.Errorf("the probe measured %.1f req/s: too little to run at %.0f%% of it", res.capacity, 100*o.rateFraction)
	}
	fmt.Fprintf(progress, "loadgen: %.0f answers/s, %.0f mails delivered/s: capacity %.0f req/s; open loop at %.0f req/s\n",
		res.probeRPS, res.probeMails, res.capacity, res.rate)
	return nil
}
