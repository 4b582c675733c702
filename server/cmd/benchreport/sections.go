package main

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// run is what the report reads of one loadgen JSON line.
type run struct {
	Scenario    string  `json:"scenario"`
	Concurrency int     `json:"concurrency"`
	Requests    int     `json:"requests_per_op"`
	Accounts    int     `json:"accounts"`
	Prepared    bool    `json:"prepared_db"`
	Rate        float64 `json:"rate"`
	Measured    float64 `json:"measured_s"`
	Ops         uint64  `json:"ops"`
	RPS         float64 `json:"rps"`
	P50         float64 `json:"p50_ms"`
	P99         float64 `json:"p99_ms"`
	P999        float64 `json:"p999_ms"`
	Max         float64 `json:"max_ms"`
	Errors      int64   `json:"errors"`
	RSS         float64 `json:"peak_rss_mb"`
	Startup     float64 `json:"startup_s"`
	DiskBefore  float64 `json:"disk_before_mb"`
	DiskAfter   float64 `json:"disk_after_mb"`
	Exhausted   bool    `json:"supply_exhausted"`
	ServerCPU   float64 `json:"server_cores"`
	CPUBefore   float64 `json:"cpu_pressure_before"`
	CPUAfter    float64 `json:"cpu_pressure_after"`
}

// pressure formats the machine's CPU pressure around a run.
func (r run) pressure() string {
	if r.CPUBefore < 0 || r.CPUAfter < 0 || r.CPUBefore == 0 && r.CPUAfter == 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.0f → %.0f%%", r.CPUBefore, r.CPUAfter)
}

// readRuns reads the JSON lines of the load runs, in order.
func readRuns(path string) ([]run, error) {
	if path == "" {
		return nil, nil
	}
	b, err := os.ReadFile(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	var out []run
	sc := bufio.NewScanner(bytes.NewReader(b))
	sc.Buffer(make([]byte, 64<<10), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" {
			continue
		}
		var r run
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			return nil, fmt.Errorf("%s:%d: %w", path, n, err)
		}
		out = append(out, r)
	}
	return out, sc.Err()
}

// machineInfo is what the header says of the machine.
type machineInfo struct {
	cores    int
	cpu      string
	memory   string
	kernel   string
	goVer    string
	platform string
	load     string
}

func machine() machineInfo {
	m := machineInfo{cores: runtime.NumCPU(), cpu: "unknown", memory: "unknown", kernel: "unknown",
		goVer: runtime.Version(), platform: runtime.GOOS + "/" + runtime.GOARCH, load: "n/a"}
	if b, err := os.ReadFile("/proc/cpuinfo"); err == nil {
		m.cpu = cpuModel(string(b))
	}
	if b, err := os.ReadFile("/proc/meminfo"); err == nil {
		m.memory = memTotal(string(b))
	}
	if b, err := os.ReadFile("/proc/sys/kernel/osrelease"); err == nil {
		m.kernel = "Linux " + strings.TrimSpace(string(b))
	}
	if b, err := os.ReadFile("/proc/loadavg"); err == nil {
		if f := strings.Fields(string(b)); len(f) >= 3 {
			m.load = strings.Join(f[:3], " ")
		}
	}
	return m
}

// cpuModel is the first "model name" of /proc/cpuinfo.
func cpuModel(cpuinfo string) string {
	for _, line := range strings.Split(cpuinfo, "\n") {
		k, v, ok := strings.Cut(line, ":")
		if ok && strings.TrimSpace(k) == "model name" {
			return strings.TrimSpace(v)
		}
	}
	return "unknown"
}

// memTotal is MemTotal of /proc/meminfo in GB.
func memTotal(meminfo string) string {
	for _, line := range strings.Split(meminfo, "\n") {
		if v, ok := strings.CutPrefix(line, "MemTotal:"); ok {
			f := strings.Fields(v)
			if len(f) == 2 && f[1] == "kB" {
				if kb, err := strconv.ParseFloat(f[0], 64); err == nil {
					return fmt.Sprintf("%.1f GB", kb*1024/1e9)
				}
			}
		}
	}
	return "unknown"
}

func nodeVersion() string {
	out, err := exec.Command("node", "--version").Output()
	if err != nil {
		return "Node.js"
	}
	return "Node.js " + strings.TrimSpace(string(out))
}

func header(title string, now time.Time, m machineInfo) string {
	var b strings.Builder
	fmt.Fprintf(&b, "# %s\n\n", title)
	fmt.Fprintf(&b, "- Date: %s.\n", now.UTC().Format("2006-01-02 15:04 MST"))
	fmt.Fprintf(&b, "- Machine: %d cores, %s, %s of memory, %s, %s.\n", m.cores, m.cpu, m.memory, m.kernel, m.platform)
	fmt.Fprintf(&b, "- Go: %s (the toolchain that built the server, the load generator and the benchmarks).\n", m.goVer)
	fmt.Fprintf(&b, "- Load average when the report was assembled: %s.\n", m.load)
	b.WriteString("- **The figures are noisy**: other work (compilers, tests) shares this machine while the benchmarks run, and every " +
		"load run says how busy the machine was (load average and CPU pressure before and after). Compare runs made together, " +
		"never a figure of one report with a figure of another.\n")
	b.WriteString("- Server under load: the real binary (`bin/sesame`) as a child process on loopback, SESAME_SYNC_WRITES=on, captchas off, " +
		"rate limits raised far above the load, mail over SMTP to an in-process sink, 16 keep-alive clients; each run bounded in time and in requests.\n")
	return b.String()
}

func timingSection(t [][2]string) string {
	if len(t) == 0 {
		return ""
	}
	var b strings.Builder
	b.WriteString("\n## Time taken\n\n| step | seconds |\n|---|---:|\n")
	total := 0.0
	for _, s := range t {
		fmt.Fprintf(&b, "| %s | %s |\n", s[0], s[1])
		if v, err := strconv.ParseFloat(s[1], 64); err == nil {
			total += v
		}
	}
	fmt.Fprintf(&b, "| **total** | **%.0f** |\n", total)
	return b.String()
}

// runsSection is one table of every load run.
func runsSection(runs []run) string {
	var b strings.Builder
	b.WriteString("\n## Load runs\n\n")
	if len(runs) == 0 {
		b.WriteString("No load run's figures were found.\n")
		return b.String()
	}
	b.WriteString("| scenario | requests per op | ops/s | p50 ms | p99 ms | p99.9 ms | max ms | ops measured | errors | peak RSS MB | start-up s | disk MB | server cores | CPU pressure |\n")
	b.WriteString("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, r := range runs {
		name := r.Scenario
		if r.Exhausted {
			name += " (supply ran out)"
		}
		fmt.Fprintf(&b, "| %s | %d | %s | %s | %s | %s | %s | %d | %d | %s | %.2f | %s | %.2f | %s |\n",
			name, max(r.Requests, 1), num(r.RPS), num(r.P50), num(r.P99), num(r.P999), num(r.Max), r.Ops, r.Errors, num(r.RSS), r.Startup, num(r.DiskAfter),
			r.ServerCPU, r.pressure())
	}
	b.WriteString("\nAn operation is one request, except recovery-adherent (POST /recovery then POST /flows/{id}/send) and " +
		"change-password (sign-in, code, the wait for the mail, change). Latency: from the first byte written to the last byte read, " +
		"after a 2 s warm-up. Peak RSS: the server's resident set, sampled every 100 ms after the warm-up began. " +
		"Start-up: the server's start to /readyz 200. Disk: the data directory after the stop. Server cores: the CPU the server used " +
		"during the measured window, out of the machine's cores. CPU pressure: the share of the last 10 s some task of the machine waited " +
		"for a CPU, before and after the run; high values mean other work competed with the run and its figures are low.\n")
	return b.String()
}

// argonPerOp is how many Argon2id computations one operation of a
// scenario spends.
var argonPerOp = []struct {
	scenario string
	n        int
	what     string
}{
	{"sign-in", 1, "the verification of the password"},
	{"password-set", 1, "the hash of the new password (the bench accounts have none yet, so there is no check against an old one; a reset of an existing password adds a verification)"},
	{"change-password", 3, "the sign-in's verification, the current password's verification and the new password's hash"},
}

// argonRate is one measurement of the raw Argon2id rate.
type argonRate struct {
	label  string
	params string
	rate   float64 // hashes/s
}

// argonRates finds BenchmarkArgon2idServer in each labelled output.
func argonRates(outputs [][]benchLine, labels []string) []argonRate {
	var out []argonRate
	for i, lines := range outputs {
		l, ok := find(lines, "sesame/server/sesame/bench", "BenchmarkArgon2idServer")
		rate, okRate := l.value("hashes/s")
		if ok && okRate && rate > 0 {
			out = append(out, argonRate{label: labels[i], params: strings.TrimPrefix(strings.TrimPrefix(l.name, "BenchmarkArgon2idServer"), "/"), rate: rate})
		}
	}
	return out
}

// argonSection compares the Argon2id-bound runs with the raw rate: the
// mean of the measurements made around them.
func argonSection(rates []argonRate, runs []run) string {
	var b strings.Builder
	b.WriteString("\n## Argon2id: the ceiling of sign-in and password changes\n\n")
	if len(rates) == 0 {
		b.WriteString("No BenchmarkArgon2idServer figure was found (server/sesame/bench).\n")
		return b.String()
	}
	fmt.Fprintf(&b, "Raw rate with the server's configuration (%s: memory KiB, passes, lanes, hashing slots = SESAME_HASHES_IN_FLIGHT), "+
		"16 callers in-process keeping every slot busy, nothing else running in the process (BenchmarkArgon2idServer):\n\n", rates[0].params)
	sum := 0.0
	for _, r := range rates {
		fmt.Fprintf(&b, "- %s: **%s hashes/s**.\n", r.label, num(r.rate))
		sum += r.rate
	}
	ref := sum / float64(len(rates))
	if len(rates) > 1 {
		fmt.Fprintf(&b, "- Reference: their mean, %s hashes/s. The spread between them is this machine's noise.\n", num(ref))
	}
	b.WriteString("\n| journey | ops/s | Argon2id per op | Argon2id/s spent | share of the raw rate |\n|---|---:|---:|---:|---:|\n")
	for _, a := range argonPerOp {
		r, ok := lastRun(runs, a.scenario, false)
		if !ok {
			fmt.Fprintf(&b, "| %s | not run | %d | | |\n", a.scenario, a.n)
			continue
		}
		spent := r.RPS * float64(a.n)
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %.0f%% |\n", a.scenario, num(r.RPS), a.n, num(spent), 100*spent/ref)
	}
	b.WriteString("\n")
	for _, a := range argonPerOp {
		fmt.Fprintf(&b, "- %s: %s.\n", a.scenario, a.what)
	}
	b.WriteString("\nA share near 100% means the journey is bound by Argon2id, as intended: the server bounds the hashes in flight " +
		"so that memory stays bounded, and the rest of the request costs little beside the hash. A share well below means " +
		"something else takes the time (the database, the mail outbox, HTTP, the machine's other work). Above 100% is noise: " +
		"the machine was busier while the raw rate was measured than during the run.\n")
	return b.String()
}

// lastRun is the last run of scenario on a small (or prepared) database.
func lastRun(runs []run, scenario string, prepared bool) (run, bool) {
	for i := len(runs) - 1; i >= 0; i-- {
		if runs[i].Scenario == scenario && runs[i].Prepared == prepared {
			return runs[i], true
		}
	}
	return run{}, false
}

// policySection puts the policy check natively and in Wasm side by side.
func policySection(native, wasm []benchLine, node string) string {
	var b strings.Builder
	b.WriteString("\n## Password policy check: native and Wasm\n\n")
	var names []string
	for _, l := range native {
		if l.pkg == "sesame/shared/policy" && strings.HasPrefix(l.name, "BenchmarkCheck") {
			names = append(names, l.name)
		}
	}
	for _, l := range wasm {
		if _, ok := find(native, "sesame/shared/policy", l.name); !ok && strings.HasPrefix(l.name, "BenchmarkCheck") {
			names = append(names, l.name)
		}
	}
	if len(names) == 0 {
		b.WriteString("No BenchmarkCheck figure was found.\n")
		return b.String()
	}
	fmt.Fprintf(&b, "One full checklist (every rule and the strength) per call, as the browser runs it on each key press. "+
		"Native: `go test -bench=Check ./shared/policy`; Wasm: the same benchmark built with GOOS=js GOARCH=wasm and run under %s "+
		"with Go's `go_js_wasm_exec` (V8, one thread).\n\n", node)
	b.WriteString("| preset | native ns/op | Wasm ns/op | Wasm / native | allocs/op (native, Wasm) |\n|---|---:|---:|---:|---:|\n")
	for _, n := range names {
		nl, okN := find(native, "sesame/shared/policy", n)
		wl, okW := find(wasm, "", n)
		nv, _ := nl.value("ns/op")
		wv, _ := wl.value("ns/op")
		na, _ := nl.value("allocs/op")
		wa, _ := wl.value("allocs/op")
		ratio := ""
		if okN && okW && nv > 0 {
			ratio = fmt.Sprintf("%.1f×", wv/nv)
		}
		fmt.Fprintf(&b, "| %s | %s | %s | %s | %s, %s |\n", strings.TrimPrefix(n, "BenchmarkCheck/"),
			orNA(okN, num(nv)), orNA(okW, num(wv)), ratio, orNA(okN, num(na)), orNA(okW, num(wa)))
	}
	return b.String()
}

func orNA(ok bool, s string) string {
	if !ok {
		return "n/a"
	}
	return s
}

// wasmSection gives the web app's sizes: raw, gzip -9 (computed here)
// and brotli (the .br copy precompress wrote, which the server sends).
func wasmSection(path string) string {
	var b strings.Builder
	b.WriteString("\n## Web app size\n\n")
	if path == "" {
		b.WriteString("Not measured.\n")
		return b.String()
	}
	raw, err := os.ReadFile(path)
	if err != nil {
		fmt.Fprintf(&b, "`%s` could not be read: %v.\n", path, err)
		return b.String()
	}
	gz, err := gzipSize(raw)
	if err != nil {
		return b.String() + "gzip failed: " + err.Error() + "\n"
	}
	b.WriteString("| file | bytes | MB | of raw |\n|---|---:|---:|---:|\n")
	row := func(name string, n int64) {
		fmt.Fprintf(&b, "| %s | %d | %.2f | %.0f%% |\n", name, n, float64(n)/1e6, 100*float64(n)/float64(len(raw)))
	}
	row("`"+path+"` (raw)", int64(len(raw)))
	row("gzip -9 (computed)", gz)
	if fi, err := os.Stat(path + ".br"); err == nil {
		row("`"+path+".br` (brotli, what the server sends)", fi.Size())
	} else {
		fmt.Fprintf(&b, "| `%s.br` | missing | | |\n", path)
	}
	b.WriteString("\nBuilt as `make wasm` builds it (`-trimpath -ldflags=\"-s -w\"`), brotli by server/cmd/precompress.\n")
	return b.String()
}

func gzipSize(raw []byte) (int64, error) {
	var c countWriter
	w, err := gzip.NewWriterLevel(&c, gzip.BestCompression)
	if err != nil {
		return 0, err
	}
	if _, err := w.Write(raw); err != nil {
		return 0, err
	}
	if err := w.Close(); err != nil {
		return 0, err
	}
	return int64(c), nil
}

type countWriter int64

func (c *countWriter) Write(p []byte) (int, error) { *c += countWriter(len(p)); return len(p), nil }

// goBenchSection lists every in-process benchmark.
func goBenchSection(lines []benchLine, given bool) string {
	var b strings.Builder
	b.WriteString("\n## In-process Go benchmarks\n\n")
	if len(lines) == 0 {
		if given {
			b.WriteString("No benchmark result was found in the `go test -bench` output.\n")
		} else {
			b.WriteString("Not run.\n")
		}
		return b.String()
	}
	b.WriteString("`go test -run='^$' -bench=. -benchmem ./...` (each benchmark for about 1 s; GOMAXPROCS = the core count).\n\n")
	b.WriteString("| package | benchmark | iterations | ns/op | B/op | allocs/op | other |\n|---|---|---:|---:|---:|---:|---|\n")
	for _, l := range lines {
		var other []string
		cols := map[string]string{}
		for _, m := range l.metrics {
			switch m.unit {
			case "ns/op", "B/op", "allocs/op":
				cols[m.unit] = num(m.value)
			default:
				other = append(other, num(m.value)+" "+m.unit)
			}
		}
		fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s |\n", strings.TrimPrefix(l.pkg, "sesame/"), strings.TrimPrefix(l.name, "Benchmark"),
			l.iterations, cols["ns/op"], cols["B/op"], cols["allocs/op"], strings.Join(other, ", "))
	}
	return b.String()
}

// scaleSection compares each scenario on the prepared large database with
// the same scenario on a small fresh one.
func scaleSection(runs []run) string {
	var b strings.Builder
	b.WriteString("\n## A million accounts against a thousand\n\n")
	var scenarios []string
	seen := map[string]bool{}
	for _, r := range runs {
		if !seen[r.Scenario] {
			seen[r.Scenario] = true
			scenarios = append(scenarios, r.Scenario)
		}
	}
	if len(scenarios) == 0 {
		b.WriteString("No load run's figures were found.\n")
		return b.String()
	}
	b.WriteString("| scenario | database | accounts drawn from | ops/s | p50 ms | p99 ms | p99.9 ms | errors | peak RSS MB | start-up s | disk before MB | disk after MB | CPU pressure |\n")
	b.WriteString("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	var ratios []string
	for _, s := range scenarios {
		small, okS := lastRun(runs, s, false)
		large, okL := lastRun(runs, s, true)
		for _, x := range []struct {
			r    run
			ok   bool
			name string
		}{{small, okS, "small, fresh"}, {large, okL, "prepared, large"}} {
			if !x.ok {
				continue
			}
			before := "—"
			if x.r.Prepared {
				before = num(x.r.DiskBefore)
			}
			fmt.Fprintf(&b, "| %s | %s | %d | %s | %s | %s | %s | %d | %s | %.2f | %s | %s | %s |\n", s, x.name, x.r.Accounts,
				num(x.r.RPS), num(x.r.P50), num(x.r.P99), num(x.r.P999), x.r.Errors, num(x.r.RSS), x.r.Startup, before, num(x.r.DiskAfter), x.r.pressure())
		}
		if okS && okL && small.P99 > 0 && small.RPS > 0 && small.Startup > 0 {
			ratios = append(ratios, fmt.Sprintf("%s: p99 %.2f×, throughput %.2f×, start-up %.1f×", s, large.P99/small.P99, large.RPS/small.RPS, large.Startup/small.Startup))
		}
	}
	if len(ratios) > 0 {
		b.WriteString("\nLarge against small: " + strings.Join(ratios, "; ") + ".\n")
	}
	b.WriteString("\nThe prepared database is seeded by `loadgen -seed` through the server's own store (admin import validation, " +
		"PutAccounts, IssueToken): every account has a live reset link the server accepts (the link-check run, if present, checks a sample of them) " +
		"and the same Argon2id hash of the bench password (computed once with the server's parameters). Start-up: the server's start to /readyz 200, " +
		"demo accounts imported in both cases. Disk: allocated blocks of the data directory, as du counts them.\n")
	return b.String()
}
