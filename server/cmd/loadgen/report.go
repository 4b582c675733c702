package main

import (
	"fmt"
	"runtime"
	"sort"
	"strings"
	"time"
)

// markdown is the report section: a heading, the table row and the
// details a reader needs to judge the figures.
func (r *result) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "\n## Load run: %s, %s\n\n", r.o.scenario, r.started.UTC().Format("2006-01-02 15:04 MST"))
	b.WriteString(tableHeader)
	b.WriteString(r.row())
	b.WriteString("\n")
	if r.hist.n == 0 {
		fmt.Fprintf(&b, "- **No request was measured**: the run ended within the warm-up (%d requests sent; see -max-requests and -warmup).\n", r.warmupReqs)
	}
	fmt.Fprintf(&b, "- Workload: %s; %d accounts, %s; every answer must be %d.\n", r.about, r.accounts, r.picked, r.want)
	fmt.Fprintf(&b, "- Server: `%s` as a child process, SESAME_SYNC_WRITES=%s, captchas off, %s, fresh Badger directory on disk, mail to an in-process SMTP sink; GOMEMLIMIT=%s, GOGC=%s",
		r.o.server, onOff(r.o.syncWrites), limitsText(r.o.limitsOff), orUnset(r.o.goMemLimit), orUnset(r.o.goGC))
	if r.o.mailWorkers > 0 {
		fmt.Fprintf(&b, ", SESAME_MAIL_WORKERS=%d", r.o.mailWorkers)
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "- Clients: %d keep-alive connections on loopback (%s) from %s, %s; warm-up %s left out; latency from the first byte written to the last byte read%s. loadgen itself: %s.\n",
		r.o.concurrency, r.o.host, sources(r.o.clientIPs), r.loop(), r.o.warmup, r.latencyStart(), runtime.Version())
	if r.requests > 1 {
		fmt.Fprintf(&b, "- One operation is %d requests: requests, req/s and latencies count operations.\n", r.requests)
	}
	if len(r.stepNames) > 0 {
		b.WriteString("- Steps after the warm-up (p50 / p99):")
		for i, name := range r.stepNames {
			sep := ","
			if i == 0 {
				sep = ""
			}
			if h := r.steps[name]; h != nil && h.n > 0 {
				fmt.Fprintf(&b, "%s %s %s / %s", sep, name, ms(h.quantile(0.5)), ms(h.quantile(0.99)))
			} else {
				fmt.Fprintf(&b, "%s %s n/a", sep, name)
			}
		}
		b.WriteString(".\n")
	}
	if r.exhausted > 0 {
		fmt.Fprintf(&b, "- The supply of %d links ran out %.1f s after the warm-up: the run ended there.\n", r.accounts, r.exhausted.Seconds())
	}
	fmt.Fprintf(&b, "- Start-up: %s from the server's start to /readyz 200 (%s); stop: %s from SIGTERM to exit. Data directory: %s on disk after the stop",
		secs(r.startup), r.dbText(), secs(r.stopTook), mbBytes(r.diskAfter))
	if r.o.dataDir != "" {
		fmt.Fprintf(&b, ", %s before the start", mbBytes(r.diskBefore))
	}
	b.WriteString(".\n")
	if r.fsyncBefore[0] > 0 {
		fmt.Fprintf(&b, "- Disk: fsync of a 4 KiB write beside the data directory, 200 probes: p50 %s, p99 %s before the run; p50 %s, p99 %s after.\n",
			ms(r.fsyncBefore[0]), ms(r.fsyncBefore[1]), ms(r.fsyncAfter[0]), ms(r.fsyncAfter[1]))
	}
	if r.measured > 0 {
		fmt.Fprintf(&b, "- CPU during the measured window: server %.2f cores (%.0f µs per request), loadgen %.2f cores, out of %d; load average %s before; %s after (this run included).\n",
			r.serverCPU.Seconds()/r.measured.Seconds(), perRequest(r.serverCPU, r.hist.n), r.selfCPU.Seconds()/r.measured.Seconds(), r.cores, r.loadBefore, r.loadAfter)
	}
	fmt.Fprintf(&b, "- Latency: mean %s, min %s. Memory: peak RSS sampled every 100 ms %s MB after the warm-up began (anonymous %s, file-backed %s), %s MB over the server's life; VmHWM %s MB.\n",
		ms(r.hist.mean()), ms(r.hist.min), mb(r.rssSteady), mb(r.rssAnon), mb(r.rssFile), mb(r.rssLife), mb(r.hwm))
	fmt.Fprintf(&b, "- Mail: %d delivered to the sink during the measured window (%.0f/s), %d since start; %d answers %d in the steady phase; outbox backlog at the end: %s.\n",
		r.mails, rate(r.mails, r.measured), r.mailsTotal, r.accepted, r.want, backlog(r.pending))
	if e := r.errors(); e > 0 {
		fmt.Fprintf(&b, "- **Errors: %d** (%s)", e, r.errorBreakdown())
		if r.firstErr != "" {
			fmt.Fprintf(&b, "; first transport error: %s", r.firstErr)
		}
		b.WriteString(".\n")
	}
	if r.stopProblem != "" {
		fmt.Fprintf(&b, "- Stop: %s.\n", r.stopProblem)
	}
	fmt.Fprintf(&b, "- Target (≥ %.0f req/s, p99 ≤ %s, peak RSS ≤ %.0f MB): %s.\n", r.o.targetRPS, ms(r.o.targetP99), r.o.targetRSS, r.verdict())
	if r.o.note != "" {
		fmt.Fprintf(&b, "- Note: %s\n", r.o.note)
	}
	if r.soak != nil {
		b.WriteString(r.soak.markdown())
	}
	return b.String()
}

// loop says how the clients pace their requests.
func (r *result) loop() string {
	if r.rate <= 0 {
		return "each sending its next request when the last answer is read (closed loop)"
	}
	s := fmt.Sprintf("open loop: %.0f requests/s scheduled whatever the answers' pace, each to the first free client", r.rate)
	if r.capacity > 0 {
		s += fmt.Sprintf(" (%.0f%% of the capacity, %.0f req/s, that a %s closed-loop probe measured first on the same server: "+
			"the lower of its %.0f answers/s and of the mails it delivered, %.0f/s, per operation)",
			100*r.o.rateFraction, r.capacity, r.o.probe, r.probeRPS, r.probeMails)
	}
	return s + fmt.Sprintf("; %d scheduled, %d dropped at the deadline for want of a free client", r.offered, r.dropped)
}

func (r *result) latencyStart() string {
	if r.rate <= 0 {
		return ""
	}
	return " (open loop: from the scheduled time, so a request that waited for a client counts its wait)"
}

// dbText says what the database held.
func (r *result) dbText() string {
	if r.o.dataDir != "" {
		return fmt.Sprintf("prepared database of %d accounts with a live reset link each; dev mode also imports the demo accounts", r.o.accounts)
	}
	return "fresh database; dev mode imports the demo accounts"
}

func secs(d time.Duration) string {
	if d <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.2f s", d.Seconds())
}

// mbBytes formats bytes as MB (10^6).
func mbBytes(n int64) string {
	if n <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f MB", float64(n)/1e6)
}

const tableHeader = "| scenario | cores | concurrency | duration | requests | req/s | p50 | p99 | p99.9 | max | errors | peak RSS MB | mails |\n" +
	"|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n"

func (r *result) row() string {
	h := &r.hist
	return fmt.Sprintf("| %s | %d | %d | %.1f s | %d | %.0f | %s | %s | %s | %s | %d | %s | %d |\n",
		r.o.scenario, r.cores, r.o.concurrency, r.measured.Seconds(), h.n, r.rps(),
		ms(h.quantile(0.50)), ms(h.quantile(0.99)), ms(h.quantile(0.999)), ms(h.max), r.errors(), mb(r.rssSteady), r.mails)
}

// verdict says which parts of the target were met.
func (r *result) verdict() string {
	var missed []string
	if r.rps() < r.o.targetRPS {
		missed = append(missed, fmt.Sprintf("throughput %.0f req/s", r.rps()))
	}
	if p := r.hist.quantile(0.99); r.hist.n == 0 || p > r.o.targetP99 {
		missed = append(missed, "p99 "+ms(p))
	}
	if r.rssSteady == 0 || float64(r.rssSteady)*1024/1e6 > r.o.targetRSS {
		missed = append(missed, "RSS "+mb(r.rssSteady)+" MB")
	}
	if r.errors() > 0 {
		missed = append(missed, "errors")
	}
	if len(missed) == 0 {
		return "met"
	}
	return "missed (" + strings.Join(missed, ", ") + ")"
}

func (r *result) errorBreakdown() string {
	var parts []string
	codes := make([]int, 0, len(r.statuses))
	for s := range r.statuses {
		if s != r.want {
			codes = append(codes, s)
		}
	}
	sort.Ints(codes)
	for _, s := range codes {
		parts = append(parts, fmt.Sprintf("%d× status %d", r.statuses[s], s))
	}
	if r.transport > 0 {
		parts = append(parts, fmt.Sprintf("%d× no answer or a failed step", r.transport))
	}
	if r.dropped > 0 && r.exhausted == 0 {
		parts = append(parts, fmt.Sprintf("%d× scheduled but never sent", r.dropped))
	}
	if r.probeErrors > 0 {
		parts = append(parts, fmt.Sprintf("%d× during the capacity probe", r.probeErrors))
	}
	return strings.Join(parts, ", ")
}

// ms formats a duration in milliseconds with three significant digits.
func ms(d time.Duration) string {
	v := float64(d) / float64(time.Millisecond)
	switch {
	case v >= 100:
		return fmt.Sprintf("%.0f ms", v)
	case v >= 10:
		return fmt.Sprintf("%.1f ms", v)
	default:
		return fmt.Sprintf("%.2f ms", v)
	}
}

// mb formats KiB as MB (10^6 bytes); "n/a" for 0, which means /proc was
// not readable.
func mb(kib int64) string {
	if kib <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", float64(kib)*1024/1e6)
}

func perRequest(d time.Duration, n uint64) float64 {
	if n == 0 {
		return 0
	}
	return float64(d.Microseconds()) / float64(n)
}

func rate(n int64, d time.Duration) float64 {
	if d <= 0 {
		return 0
	}
	return float64(n) / d.Seconds()
}

func backlog(n int64) string {
	if n < 0 {
		return "unknown"
	}
	return fmt.Sprintf("%d mails", n)
}

func limitsText(off bool) string {
	if off {
		return "**rate limits off (experiment: no limiter work)**"
	}
	return "rate limits raised (counted, never reached)"
}

func sources(n int) string {
	if n <= 1 {
		return "one source address (every client shares the per-IP rate-limit counter)"
	}
	return fmt.Sprintf("%d source addresses 127.0.0.11–127.0.0.%d", n, 10+n)
}

func orUnset(s string) string {
	if s == "" {
		return "unset"
	}
	return s
}
