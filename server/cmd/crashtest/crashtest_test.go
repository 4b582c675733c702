package main

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

// The make targets in small, for `make test`: the real binary, killed or
// cut from its SMTP server under load, and every final check.

// bin is the server binary both tests run, built once.
var bin string

func TestMain(m *testing.M) {
	flag.Parse()
	if testing.Short() {
		os.Exit(m.Run())
	}
	dir, err := os.MkdirTemp("", "crashtest-bin-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	bin = filepath.Join(dir, "sesame")
	out, err := exec.Command("go", "build", "-o", bin, "sesame/server/cmd/sesame").CombinedOutput()
	code := 1
	if err != nil {
		fmt.Fprintf(os.Stderr, "go build: %v\n%s", err, out)
	} else {
		code = m.Run()
	}
	os.RemoveAll(dir)
	os.Exit(code)
}

func runShort(t *testing.T, o options) {
	t.Helper()
	if testing.Short() {
		t.Skip("builds and runs the server binary (-short)")
	}
	var out bytes.Buffer
	o.bin, o.out, o.accounts, o.workers, o.seed, o.limit = bin, &out, 8, 4, 7, 2*time.Minute
	ok, err := run(o)
	t.Logf("\n%s", out.String())
	if err != nil || !ok {
		t.Fatalf("crashtest -mode %s: %v", o.mode, err)
	}
}

// TestCrashShort: three SIGKILLs under load, one more while starting.
func TestCrashShort(t *testing.T) {
	t.Parallel()
	runShort(t, options{mode: "crash", kills: 3, startupKills: 1, minUp: 500 * time.Millisecond, maxUp: 1500 * time.Millisecond})
}

// TestOutageShort: the SMTP server down for 3 s under load.
func TestOutageShort(t *testing.T) {
	t.Parallel()
	runShort(t, options{mode: "outage", rate: 100, before: time.Second, outage: 3 * time.Second, after: time.Second})
}
