package main

import (
	"os"
	"path/filepath"
	"slices"
	"time"
)

// fsyncProbe times n fsyncs of a 4 KiB write in dir: what a synced commit
// waits for at least, on this disk, at this moment (other work on the
// machine changes it a lot). It returns the median and the 99th percentile.
func fsyncProbe(dir string, n int) (p50, p99 time.Duration, err error) {
	f, err := os.CreateTemp(dir, "fsync-probe-")
	if err != nil {
		return 0, 0, err
	}
	defer os.Remove(filepath.Clean(f.Name()))
	defer f.Close()
	buf := make([]byte, 4096)
	took := make([]time.Duration, 0, n)
	for i := range n {
		t0 := time.Now()
		if _, err := f.WriteAt(buf, int64(i%64)*4096); err != nil {
			return 0, 0, err
		}
		if err := f.Sync(); err != nil {
			return 0, 0, err
		}
		took = append(took, time.Since(t0))
	}
	slices.Sort(took)
	return exactQuantile(took, 0.5), exactQuantile(took, 0.99), nil
}
