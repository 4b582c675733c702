package main

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"time"
)

// rssSampler reads a process's VmRSS every period and keeps the peak,
// overall and since mark.
type rssSampler struct {
	pid  int
	quit chan struct{}
	done chan struct{}

	mu         sync.Mutex
	peak       int64      // KiB, whole life
	peakMarked procStatus // the sample with the highest VmRSS since mark
	marked     bool
	samples    int
	every      time.Duration // series period; 0: no series
	series     []rssPoint
}

// rssPoint is one sample of the series.
type rssPoint struct {
	at               time.Time
	kib              int64 // VmRSS
	anonKiB, fileKiB int64 // its anonymous and file-backed parts
}

func startRSS(pid int, period time.Duration) *rssSampler {
	s := &rssSampler{pid: pid, quit: make(chan struct{}), done: make(chan struct{})}
	go func() {
		defer close(s.done)
		t := time.NewTicker(period)
		defer t.Stop()
		for {
			s.sample()
			select {
			case <-s.quit:
				return
			case <-t.C:
			}
		}
	}()
	return s
}

func (s *rssSampler) sample() {
	st, err := readProcStatus(s.pid)
	if err != nil {
		return
	}
	now := time.Now()
	s.mu.Lock()
	s.samples++
	if s.every > 0 && (len(s.series) == 0 || now.Sub(s.series[len(s.series)-1].at) >= s.every) {
		s.series = append(s.series, rssPoint{at: now, kib: st.rssKiB, anonKiB: st.anonKiB, fileKiB: st.fileKiB})
	}
	s.peak = max(s.peak, st.rssKiB)
	if s.marked && st.rssKiB > s.peakMarked.rssKiB {
		s.peakMarked = st
	}
	s.mu.Unlock()
}

// mark starts the steady-phase peak.
func (s *rssSampler) mark() {
	s.mu.Lock()
	s.marked = true
	s.mu.Unlock()
	s.sample()
}

// keepSeries starts a series of samples at least every apart.
func (s *rssSampler) keepSeries(every time.Duration) {
	s.mu.Lock()
	s.every, s.series = every, nil
	s.mu.Unlock()
	s.sample()
}

// points returns the series.
func (s *rssSampler) points() []rssPoint {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]rssPoint(nil), s.series...)
}

func (s *rssSampler) stop() {
	select {
	case <-s.quit:
	default:
		close(s.quit)
	}
	<-s.done
}

// peaks returns the peak sample since mark and the peak VmRSS over the
// whole life, in KiB (0 when /proc could not be read).
func (s *rssSampler) peaks() (steady procStatus, life int64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.peakMarked, s.peak
}

type procStatus struct {
	rssKiB, hwmKiB int64
	// The parts of VmRSS: anonymous (the Go heap, stacks, Badger's
	// in-heap tables and caches) and file-backed (mmapped files: Badger's
	// WAL, value log and tables; the binary).
	anonKiB, fileKiB int64
}

// readProcStatus reads VmRSS, VmHWM, RssAnon and RssFile from
// /proc/<pid>/status.
func readProcStatus(pid int) (procStatus, error) {
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return procStatus{}, err
	}
	return parseProcStatus(b)
}

func parseProcStatus(b []byte) (procStatus, error) {
	var st procStatus
	found := 0
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		k, v, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		var dst *int64
		switch k {
		case "VmRSS":
			dst = &st.rssKiB
		case "VmHWM":
			dst = &st.hwmKiB
		case "RssAnon":
			dst = &st.anonKiB
		case "RssFile":
			dst = &st.fileKiB
		default:
			continue
		}
		f := strings.Fields(v)
		if len(f) != 2 || f[1] != "kB" {
			return st, fmt.Errorf("/proc status: %s: %q", k, v)
		}
		n, err := strconv.ParseInt(f[0], 10, 64)
		if err != nil {
			return st, fmt.Errorf("/proc status: %s: %w", k, err)
		}
		*dst = n
		if k == "VmRSS" || k == "VmHWM" {
			found++
		}
	}
	if found < 2 {
		return st, errors.New("/proc status: no VmRSS or VmHWM")
	}
	return st, nil
}
