// Command benchreport assembles the benchmark report `make bench` and
// `make bench-scale` write: the machine, then tables built from the load
// runs' figures (the JSON lines server/cmd/loadgen appends with -json),
// the raw Argon2id rate and what sign-in and password-set make of it, the
// password policy check natively and in Wasm, the web app's sizes, every
// in-process Go benchmark, and last the load runs' own sections.
//
//	go run ./server/cmd/benchreport -o bench-report.md -runs .bench/runs.jsonl \
//	    -details .bench/loadgen.md -gobench .bench/go-bench.txt \
//	    -wasm-policy .bench/policy-wasm.txt -wasm web/app.wasm
//
// Every input is optional: a missing one leaves its section out with a
// line saying so. It reads files and /proc only; it runs no benchmark.
package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"
)

type options struct {
	out        string
	title      string
	runs       string
	details    string
	goBench    string
	argon2     []string // outputs of the Argon2id benchmark, in order
	wasmPolicy string
	wasm       string
	timings    string
	scale      bool
	now        time.Time
}

func parseArgs(args []string, stderr io.Writer) (options, error) {
	o := options{now: time.Now()}
	fs := flag.NewFlagSet("benchreport", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&o.out, "o", "bench-report.md", "report to write (replaced)")
	fs.StringVar(&o.title, "title", "", "title (default: by mode)")
	fs.StringVar(&o.runs, "runs", "", "JSON lines of the load runs (loadgen -json)")
	fs.StringVar(&o.details, "details", "", "Markdown sections of the load runs (loadgen -report), included at the end")
	fs.StringVar(&o.goBench, "gobench", "", "output of go test -bench=. -benchmem ./...")
	argon2 := fs.String("argon2", "", "comma-separated outputs of go test -bench=Argon2idServer ./server/sesame/bench, made around the Argon2id-bound load runs (default: the figure in -gobench)")
	fs.StringVar(&o.wasmPolicy, "wasm-policy", "", "output of GOOS=js GOARCH=wasm go test -bench=Check ./shared/policy")
	fs.StringVar(&o.wasm, "wasm", "", "the built app.wasm (its .br copy is read beside it; gzip -9 is computed)")
	fs.StringVar(&o.timings, "timings", "", "lines \"step seconds\" written by the make target")
	fs.BoolVar(&o.scale, "scale", false, "scale report: compare the runs on a prepared large database with those on a small one")
	if err := fs.Parse(args); err != nil {
		return o, err
	}
	if fs.NArg() > 0 {
		return o, fmt.Errorf("unexpected arguments: %q", fs.Args())
	}
	for _, f := range strings.Split(*argon2, ",") {
		if f = strings.TrimSpace(f); f != "" {
			o.argon2 = append(o.argon2, f)
		}
	}
	if o.out == "" {
		return o, errors.New("-o: the report's path is required")
	}
	if o.title == "" {
		o.title = "Sésame benchmark report"
		if o.scale {
			o.title = "Sésame benchmark report: a million accounts"
		}
	}
	return o, nil
}

func main() {
	o, err := parseArgs(os.Args[1:], os.Stderr)
	if errors.Is(err, flag.ErrHelp) {
		return
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(2)
	}
	report, err := assemble(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	if err := os.WriteFile(o.out, []byte(report), 0o644); err != nil {
		fmt.Fprintln(os.Stderr, "benchreport:", err)
		os.Exit(1)
	}
	fmt.Fprintf(os.Stderr, "benchreport: wrote %s\n", o.out)
}

// assemble builds the whole report.
func assemble(o options) (string, error) {
	var b bytes.Buffer
	b.WriteString(header(o.title, o.now, machine()))
	timings, err := readTimings(o.timings)
	if err != nil {
		return "", err
	}
	b.WriteString(timingSection(timings))

	runs, err := readRuns(o.runs)
	if err != nil {
		return "", err
	}
	goLines, err := readBench(o.goBench)
	if err != nil {
		return "", err
	}
	if o.scale {
		b.WriteString(scaleSection(runs))
	} else {
		b.WriteString(runsSection(runs))
		rates, err := o.argonRates(goLines)
		if err != nil {
			return "", err
		}
		b.WriteString(argonSection(rates, runs))
		wasmLines, err := readBench(o.wasmPolicy)
		if err != nil {
			return "", err
		}
		b.WriteString(policySection(goLines, wasmLines, nodeVersion()))
		b.WriteString(wasmSection(o.wasm))
		b.WriteString(goBenchSection(goLines, o.goBench != ""))
	}
	if o.details != "" {
		d, err := os.ReadFile(o.details)
		if err != nil {
			return "", err
		}
		b.WriteString("\n# Load runs in detail\n\nEach section as server/cmd/loadgen wrote it.\n")
		b.Write(d)
	}
	return b.String(), nil
}

// argonRates reads the Argon2id measurements: the -argon2 files, else the
// figure of the whole go test run.
func (o options) argonRates(goLines []benchLine) ([]argonRate, error) {
	if len(o.argon2) == 0 {
		return argonRates([][]benchLine{goLines}, []string{"during `go test -bench=. ./...`"}), nil
	}
	var outputs [][]benchLine
	var labels []string
	for i, f := range o.argon2 {
		lines, err := readBench(f)
		if err != nil {
			return nil, err
		}
		outputs = append(outputs, lines)
		labels = append(labels, argonLabel(i, len(o.argon2)))
	}
	return argonRates(outputs, labels), nil
}

// argonLabel names the i-th of n measurements made around the runs.
func argonLabel(i, n int) string {
	switch {
	case n == 2 && i == 0:
		return "just before the Argon2id-bound load runs"
	case n == 2 && i == 1:
		return "just after them"
	}
	return fmt.Sprintf("measurement %d of %d", i+1, n)
}

// readBench parses a go test -bench output file; "" gives nothing.
func readBench(path string) ([]benchLine, error) {
	if path == "" {
		return nil, nil
	}
	f, err := os.Open(path)
	if errors.Is(err, os.ErrNotExist) {
		return nil, nil // the step failed or did not run: its section says so
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return parseBench(f)
}

// readTimings reads "step seconds" lines.
func readTimings(path string) ([][2]string, error) {
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
	var out [][2]string
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) >= 2 {
			out = append(out, [2]string{strings.Join(f[:len(f)-1], " "), f[len(f)-1]})
		}
	}
	return out, nil
}
