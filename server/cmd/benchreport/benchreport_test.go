package main

import (
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

const goOutput = `goos: linux
goarch: amd64
pkg: sesame/server/passhash
cpu: AMD EPYC
BenchmarkHash-2           	      45	  25290118 ns/op	        39.54 hashes/s	19925372 B/op	      28 allocs/op
PASS
ok  	sesame/server/passhash	3.978s
pkg: sesame/server/sesame/bench
BenchmarkArgon2idServer/m=19456,t=2,p=1,slots=4-2         	      94	  36172356 ns/op	        80.0 hashes/s	19925433 B/op	      28 allocs/op
BenchmarkRecovery/sync=on-2  	    1526	    888985 ns/op	      1124 mails/s	        13.70 p50-ms	      1125 req/s	   72321 B/op	    1193 allocs/op
BenchmarkBroken
--- FAIL: BenchmarkBroken
pkg: sesame/shared/policy
BenchmarkCheck/strict-2         	  250156	      6197 ns/op	     736 B/op	      17 allocs/op
BenchmarkCheck/employeur-2      	  328440	      3673 ns/op	     736 B/op	      16 allocs/op
`

const wasmOutput = `goos: js
goarch: wasm
pkg: sesame/shared/policy
BenchmarkCheck/strict         	   37284	     30378 ns/op	     737 B/op	      17 allocs/op
BenchmarkCheck/employeur      	   76446	     15233 ns/op	     736 B/op	      16 allocs/op
PASS
`

func TestParseBench(t *testing.T) {
	lines, err := parseBench(strings.NewReader(goOutput))
	if err != nil {
		t.Fatal(err)
	}
	if len(lines) != 5 {
		t.Fatalf("%d lines: %+v", len(lines), lines)
	}
	l := lines[2]
	if l.pkg != "sesame/server/sesame/bench" || l.name != "BenchmarkRecovery/sync=on" || l.iterations != 1526 {
		t.Errorf("line = %+v", l)
	}
	if v, ok := l.value("p50-ms"); !ok || v != 13.7 {
		t.Errorf("p50-ms = %v, %v", v, ok)
	}
	if _, ok := find(lines, "sesame/shared/policy", "BenchmarkCheck/employeur"); !ok {
		t.Error("employeur not found")
	}
	for in, want := range map[string]string{"BenchmarkX-16": "BenchmarkX", "BenchmarkX/a-b": "BenchmarkX/a-b", "BenchmarkX": "BenchmarkX", "BenchmarkX/n=1-2": "BenchmarkX/n=1"} {
		if got := trimProcs(in); got != want {
			t.Errorf("trimProcs(%q) = %q", in, got)
		}
	}
	for v, want := range map[float64]string{28: "28", 13.7: "13.7", 0.0866: "0.0866", 1124.6: "1125", 2.105: "2.1"} {
		if got := num(v); got != want {
			t.Errorf("num(%v) = %q, want %q", v, got, want)
		}
	}
}

func writeFile(t *testing.T, dir, name, text string) string {
	t.Helper()
	p := filepath.Join(dir, name)
	if err := os.WriteFile(p, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return p
}

const runsJSON = `{"scenario":"recovery-employeur","requests_per_op":1,"accounts":1000,"prepared_db":false,"ops":9000,"rps":600,"p50_ms":20,"p99_ms":40,"p999_ms":50,"max_ms":60,"errors":0,"peak_rss_mb":50,"startup_s":0.2,"disk_after_mb":2,"server_cores":1.1,"cpu_pressure_before":5,"cpu_pressure_after":60}
{"scenario":"sign-in","requests_per_op":1,"accounts":64,"ops":900,"rps":60,"p50_ms":200,"p99_ms":400,"p999_ms":500,"max_ms":600,"errors":0,"peak_rss_mb":200,"startup_s":0.2,"disk_after_mb":0.1}
{"scenario":"change-password","requests_per_op":3,"accounts":16,"ops":200,"rps":20,"p50_ms":800,"p99_ms":1500,"p999_ms":1600,"max_ms":1700,"errors":1,"peak_rss_mb":220,"startup_s":0.2,"disk_after_mb":0.1}
{"scenario":"sign-in","requests_per_op":1,"accounts":1000000,"prepared_db":true,"ops":800,"rps":55,"p50_ms":220,"p99_ms":480,"p999_ms":500,"max_ms":600,"errors":0,"peak_rss_mb":300,"startup_s":2.5,"disk_before_mb":900,"disk_after_mb":910}
`

func TestAssemble(t *testing.T) {
	dir := t.TempDir()
	wasm := writeFile(t, dir, "app.wasm", strings.Repeat("wasm bytes ", 10000))
	writeFile(t, dir, "app.wasm.br", "tiny")
	o, err := parseArgs([]string{
		"-o", filepath.Join(dir, "report.md"),
		"-runs", writeFile(t, dir, "runs.jsonl", runsJSON),
		"-details", writeFile(t, dir, "loadgen.md", "\n## Load run: sign-in\n"),
		"-gobench", writeFile(t, dir, "go.txt", goOutput),
		"-argon2", writeFile(t, dir, "a1.txt", goOutput) + "," + writeFile(t, dir, "a2.txt", strings.ReplaceAll(goOutput, "80.0 hashes/s", "40.0 hashes/s")),
		"-wasm-policy", writeFile(t, dir, "wasm.txt", wasmOutput),
		"-wasm", wasm,
		"-timings", writeFile(t, dir, "timings", "loadgen sign-in 20\ngo test -bench 90\n"),
	}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	o.now = time.Date(2026, 1, 2, 3, 4, 0, 0, time.UTC)
	report, err := assemble(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"# Sésame benchmark report", "- Date: 2026-01-02 03:04 UTC.", "cores",
		"| go test -bench | 90 |", "| **total** | **110** |",
		"| recovery-employeur | 1 | 600 | 20 | 40 | 50 | 60 | 9000 | 0 | 50 | 0.20 | 2 | 1.10 | 5 → 60% |",
		"just before the Argon2id-bound load runs: **80 hashes/s**", "just after them: **40 hashes/s**", "Reference: their mean, 60 hashes/s",
		"| sign-in | 60 | 1 | 60 | 100% |", "| change-password | 20 | 3 | 60 | 100% |", "| password-set | not run |",
		"| strict | 6197 | 30378 | 4.9× | 17, 17 |",
		"| gzip -9 (computed) |", "app.wasm.br` (brotli, what the server sends) | 4 |",
		"| server/sesame/bench | Recovery/sync=on | 1526 | 888985 | 72321 | 1193 | 1124 mails/s, 13.7 p50-ms, 1125 req/s |",
		"# Load runs in detail", "## Load run: sign-in",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q", want)
		}
	}
	if t.Failed() {
		t.Log(report)
	}
}

func TestScaleReport(t *testing.T) {
	dir := t.TempDir()
	o, err := parseArgs([]string{"-scale", "-o", filepath.Join(dir, "r.md"), "-runs", writeFile(t, dir, "runs.jsonl", runsJSON)}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	report, err := assemble(o)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{
		"a million accounts", "| sign-in | small, fresh | 64 | 60 | 200 | 400 | 500 | 0 | 200 | 0.20 | — | 0.1 | n/a |",
		"| sign-in | prepared, large | 1000000 | 55 | 220 | 480 | 500 | 0 | 300 | 2.50 | 900 | 910 | n/a |",
		"sign-in: p99 1.20×, throughput 0.92×, start-up 12.5×",
	} {
		if !strings.Contains(report, want) {
			t.Errorf("the report lacks %q:\n%s", want, report)
		}
	}
	if strings.Contains(report, "Argon2id") && strings.Contains(report, "## Argon2id") {
		t.Error("the scale report has no Argon2id section")
	}
}

func TestMachineParsers(t *testing.T) {
	if m := cpuModel("processor\t: 0\nmodel name\t: AMD EPYC 7B13\nflags\t: x\n"); m != "AMD EPYC 7B13" {
		t.Errorf("cpuModel = %q", m)
	}
	if m := memTotal("MemTotal:       24684312 kB\nMemFree: 1 kB\n"); m != "25.3 GB" {
		t.Errorf("memTotal = %q", m)
	}
}
