// Command loadgen measures the real Sésame server under load, on loopback
// only.
//
// It starts the server binary as a child process with a fresh data
// directory on disk (or a prepared one, -data-dir), synced writes,
// captchas off, an in-process SMTP sink and raised rate limits; waits for
// /readyz; imports bench accounts through the admin API; then runs
// -concurrency keep-alive clients against one scenario for -duration (the
// first -warmup is not counted) and prints a Markdown section:
// requests/s, latency percentiles, errors, the server's peak resident set,
// its start-up time and disk use, and the mails the sink received.
//
//	go build -o bin/sesame ./server/cmd/sesame
//	go run ./server/cmd/loadgen -server bin/sesame -duration 20s -concurrency 16 -report bench-report.md
//
// Clients run a closed loop (each sends its next request when the last
// answer is read) unless -rate asks for an open loop: requests are then
// scheduled at a fixed rate and a late one counts its wait. -soak adds an
// RSS series and a verdict on its drift; -rate-fraction first measures
// the capacity with a short closed-loop probe on the same server:
//
//	go run ./server/cmd/loadgen -soak -rate-fraction 0.7 -duration 10m
//
// -seed fills a data directory with accounts and one live reset link
// each, through the server's own store, for runs against a large
// database (-data-dir).
//
// Any answer other than the scenario's expected status is an error: they
// are counted, reported by status, and make loadgen exit with status 1
// after the report. Missing the performance target does not: the figures
// are reported, never asserted. A soak that fails its verdict exits 1.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"sort"
	"strings"
	"syscall"
	"time"
)

// Bounds of the arguments: a load run is a short, local affair.
const (
	maxDuration    = 30 * time.Minute
	maxConcurrency = 1024
	maxAccounts    = 1_000_000
	maxRequests    = 1_000_000_000
	maxRate        = 1_000_000
)

// options are the command-line arguments.
type options struct {
	server      string
	scenario    string
	duration    time.Duration
	warmup      time.Duration
	warmupSet   bool  // -warmup was given (soak picks its own otherwise)
	maxRequests int64 // 0: bounded by time only
	concurrency int
	accounts    int
	host        string
	clientIPs   int // distinct client source addresses (127.0.0.11, .12, …)
	syncWrites  bool
	limitsOff   bool   // every budget "off": no limiter work at all (an experiment, not the product)
	goMemLimit  string // GOMEMLIMIT of the server; "" leaves it unset
	goGC        string // GOGC of the server; "" leaves it unset
	mailWorkers int    // SESAME_MAIL_WORKERS; 0 leaves the server's default
	report      string // Markdown file the section is appended to
	jsonOut     string // file one JSON line per run is appended to
	serverLog   string // where the server's output goes; "" = temp dir, removed
	note        string

	// Open loop and soak.
	rate         float64       // requests/s offered; 0: closed loop
	rateFraction float64       // rate = this × the capacity a closed-loop probe measures
	probe        time.Duration // length of that probe
	soak         bool
	rssEvery     time.Duration // RSS series period of a soak
	driftLimit   float64       // largest RSS growth a soak passes with

	// A prepared database.
	dataDir    string // use (and keep) this data directory; its accounts are already there
	secretFile string // the server secret the directory was seeded with (64 hex characters)
	seed       bool   // fill -data-dir with -accounts accounts and live links, then exit
	tokensFile string // -seed writes a sample of its raw links here; link-check reads them

	// Informational target, printed as met or missed.
	targetRPS float64
	targetP99 time.Duration
	targetRSS float64 // MB
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	var o options
	fs := flag.NewFlagSet("loadgen", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.server, "server", "./bin/sesame", "server binary to start (build it first: go build -o bin/sesame ./server/cmd/sesame)")
	fs.StringVar(&o.scenario, "scenario", "recovery-employeur", "workload: "+strings.Join(scenarioNames(), ", "))
	fs.DurationVar(&o.duration, "duration", 20*time.Second, "length of the steady phase, warm-up included (at most 30m)")
	fs.DurationVar(&o.warmup, "warmup", 2*time.Second, "first part of the steady phase left out of the figures (soak default: min(30s, duration/6))")
	fs.Int64Var(&o.maxRequests, "max-requests", 0, "stop after this many requests, warm-up included (0: only -duration bounds the run)")
	fs.IntVar(&o.concurrency, "concurrency", 16, "concurrent clients, each with its own keep-alive connection")
	fs.IntVar(&o.accounts, "accounts", 1000, "bench accounts imported (sign-in uses at most 64: each costs an Argon2id hash; password-set uses one link each); with -data-dir, the accounts it holds; with -seed, the accounts to create")
	fs.StringVar(&o.host, "host", "127.0.0.1", "loopback address the server and the SMTP sink listen on (127.0.0.0/8, ::1 or localhost)")
	fs.IntVar(&o.clientIPs, "client-ips", 1, "spread the clients over this many source addresses 127.0.0.11… (IPv4 host only): 1 puts every client behind one address, as behind a NAT, so they share the per-IP rate-limit counter")
	fs.BoolVar(&o.syncWrites, "sync", true, "SESAME_SYNC_WRITES: every commit is fsynced before it returns")
	fs.BoolVar(&o.limitsOff, "limits-off", false, "experiment: turn every rate limit off (SESAME_LIMIT_*=off) to measure what the limiter costs; the default raises them instead")
	fs.StringVar(&o.goMemLimit, "gomemlimit", "", "GOMEMLIMIT of the server, e.g. 120MiB (default: unset)")
	fs.StringVar(&o.goGC, "gogc", "", "GOGC of the server (default: unset)")
	fs.IntVar(&o.mailWorkers, "mail-workers", 0, "SESAME_MAIL_WORKERS of the server (default: the server's)")
	fs.StringVar(&o.report, "report", "", "append the Markdown section to this file")
	fs.StringVar(&o.jsonOut, "json", "", "append the run's figures as one JSON line to this file (read by server/cmd/benchreport)")
	fs.StringVar(&o.serverLog, "server-log", "", "keep the server's output in this file (default: discarded with the data)")
	fs.StringVar(&o.note, "note", "", "free text added to the report")
	fs.Float64Var(&o.rate, "rate", 0, "open loop: offer this many requests/s, whatever the answers' pace (0: closed loop)")
	fs.Float64Var(&o.rateFraction, "rate-fraction", 0, "open loop at this fraction of the capacity a closed-loop -probe measures first on the same server (e.g. 0.7): the lower of its answers/s and of its mails delivered/s per operation")
	fs.DurationVar(&o.probe, "probe", 15*time.Second, "length of the closed-loop capacity probe of -rate-fraction")
	fs.BoolVar(&o.soak, "soak", false, "soak test: needs -rate or -rate-fraction; samples the server's RSS every -rss-every, compares the mean of the first window after the warm-up with the last (windows of a minute, or a third of a short run) and fails (exit 1) on errors or an RSS growth of -drift-limit or more")
	fs.DurationVar(&o.rssEvery, "rss-every", 5*time.Second, "soak: RSS sampling period")
	fs.Float64Var(&o.driftLimit, "drift-limit", 0.10, "soak: largest accepted growth of the mean RSS from the first window after the warm-up to the last one (0.10 = 10%)")
	fs.StringVar(&o.dataDir, "data-dir", "", "run against this data directory (kept), seeded by -seed with -accounts accounts, instead of a fresh one")
	fs.StringVar(&o.secretFile, "secret-file", "", "file holding the server secret of -data-dir (64 hex characters); -seed creates it")
	fs.BoolVar(&o.seed, "seed", false, "fill -data-dir with -accounts employeur accounts (password "+benchPassword+") and one live reset link each, through the server's store, then exit")
	fs.StringVar(&o.tokensFile, "tokens-file", "", "-seed writes the raw links of a sample of accounts here; link-check with -data-dir checks them")
	fs.Float64Var(&o.targetRPS, "target-rps", 5000, "target throughput, reported as met or missed")
	fs.DurationVar(&o.targetP99, "target-p99", 10*time.Millisecond, "target 99th percentile, reported as met or missed")
	fs.Float64Var(&o.targetRSS, "target-rss", 150, "target peak RSS in MB, reported as met or missed")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	fs.Visit(func(f *flag.Flag) {
		if f.Name == "warmup" {
			o.warmupSet = true
		}
	})
	if o.soak && !o.warmupSet {
		o.warmup = soakWarmup(o.duration)
	}
	return o, o.check()
}

// soakWarmup is a soak's default warm-up: 30 s, or a sixth of a short run.
func soakWarmup(d time.Duration) time.Duration {
	return min(30*time.Second, d/6)
}

// check enforces the bounds.
func (o *options) check() error {
	switch {
	case o.duration <= 0 || o.duration > maxDuration:
		return fmt.Errorf("-duration %s: want more than 0 and at most %s", o.duration, maxDuration)
	case o.warmup < 0 || o.warmup >= o.duration:
		return fmt.Errorf("-warmup %s: want at least 0 and less than -duration (%s)", o.warmup, o.duration)
	case o.maxRequests < 0 || o.maxRequests > maxRequests:
		return fmt.Errorf("-max-requests %d: want 0 (no bound) to %d", o.maxRequests, maxRequests)
	case o.concurrency < 1 || o.concurrency > maxConcurrency:
		return fmt.Errorf("-concurrency %d: want 1 to %d", o.concurrency, maxConcurrency)
	case o.accounts < 1 || o.accounts > maxAccounts:
		return fmt.Errorf("-accounts %d: want 1 to %d", o.accounts, maxAccounts)
	case o.mailWorkers < 0 || o.mailWorkers > 64:
		return fmt.Errorf("-mail-workers %d: want 0 (server default) to 64", o.mailWorkers)
	case o.clientIPs < 1 || o.clientIPs > 200:
		return fmt.Errorf("-client-ips %d: want 1 to 200", o.clientIPs)
	case o.server == "" && !o.seed:
		return errors.New("-server: the server binary is required")
	case o.rate < 0 || o.rate > maxRate:
		return fmt.Errorf("-rate %g: want 0 (closed loop) to %d requests/s", o.rate, maxRate)
	case o.rateFraction < 0 || o.rateFraction > 2:
		return fmt.Errorf("-rate-fraction %g: want 0 (off) to 2", o.rateFraction)
	case o.rate > 0 && o.rateFraction > 0:
		return errors.New("-rate and -rate-fraction: give one or the other")
	case o.rateFraction > 0 && (o.probe < time.Second || o.probe > maxDuration):
		return fmt.Errorf("-probe %s: want 1s to %s", o.probe, maxDuration)
	case o.soak && o.rate == 0 && o.rateFraction == 0:
		return errors.New("-soak: needs an open loop, -rate or -rate-fraction")
	case o.soak && (o.rssEvery < 100*time.Millisecond || o.rssEvery > time.Minute):
		return fmt.Errorf("-rss-every %s: want 100ms to 1m", o.rssEvery)
	case o.soak && (o.driftLimit <= 0 || o.driftLimit > 1):
		return fmt.Errorf("-drift-limit %g: want more than 0 and at most 1", o.driftLimit)
	case o.soak && o.duration-o.warmup < 3*time.Second:
		return fmt.Errorf("-soak: %s after the warm-up is too short to compare two windows", o.duration-o.warmup)
	case o.seed && o.dataDir == "":
		return errors.New("-seed: needs -data-dir")
	case (o.seed || o.dataDir != "") && o.secretFile == "":
		return errors.New("-data-dir: needs -secret-file, the server secret the directory is seeded with")
	}
	sc, ok := scenarios[o.scenario]
	if !ok {
		return fmt.Errorf("-scenario %q: want one of %s", o.scenario, strings.Join(scenarioNames(), ", "))
	}
	if o.dataDir != "" && !o.seed && !sc.preloaded {
		return fmt.Errorf("-scenario %s: cannot run against a prepared -data-dir (want one of %s)", o.scenario, strings.Join(preloadedNames(), ", "))
	}
	host, err := loopbackHost(o.host)
	if err != nil {
		return fmt.Errorf("-host: %w", err)
	}
	o.host = host
	if o.clientIPs > 1 && !strings.HasPrefix(o.host, "127.") {
		return fmt.Errorf("-client-ips %d: needs an IPv4 loopback -host, not %s", o.clientIPs, o.host)
	}
	return nil
}

func scenarioNames() []string {
	names := make([]string, 0, len(scenarios))
	for n := range scenarios {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

func preloadedNames() []string {
	var names []string
	for _, n := range scenarioNames() {
		if scenarios[n].preloaded {
			names = append(names, n)
		}
	}
	return names
}

func main() {
	o, err := parseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(2)
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if o.seed {
		if err := seed(ctx, o, os.Stderr); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen: seed:", err)
			os.Exit(1)
		}
		return
	}
	res, err := run(ctx, o, os.Stderr)
	if err != nil {
		fmt.Fprintln(os.Stderr, "loadgen:", err)
		os.Exit(1)
	}
	section := res.markdown()
	fmt.Print(section)
	if o.report != "" {
		if err := appendFile(o.report, section); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
	}
	if o.jsonOut != "" {
		if err := appendFile(o.jsonOut, res.jsonLine()); err != nil {
			fmt.Fprintln(os.Stderr, "loadgen:", err)
			os.Exit(1)
		}
	}
	failed := false
	if res.errors() > 0 {
		fmt.Fprintf(os.Stderr, "loadgen: %d answers were not %d\n", res.errors(), res.want)
		failed = true
	}
	if res.soak != nil {
		fmt.Fprintln(os.Stderr, "loadgen: soak", res.soak.summary())
		failed = failed || !res.soak.pass
	}
	if failed {
		os.Exit(1)
	}
}

func appendFile(path, text string) error {
	f, err := os.OpenFile(path, os.O_APPEND|os.O_CREATE|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.WriteString(text); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}
