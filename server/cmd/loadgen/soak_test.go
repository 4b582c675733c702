package main

import (
	"os"
	"strings"
	"testing"
	"time"
)

func series(start time.Time, every time.Duration, kib ...int64) []rssPoint {
	out := make([]rssPoint, len(kib))
	for i, k := range kib {
		out[i] = rssPoint{at: start.Add(time.Duration(i) * every), kib: k}
	}
	return out
}

func TestSoakWindowAndWarmup(t *testing.T) {
	if w := soakWindow(10*time.Minute, 30*time.Second); w != time.Minute {
		t.Errorf("10 min soak: window %s, want 1m", w)
	}
	if w := soakWindow(60*time.Second, 10*time.Second); w != 50*time.Second/3 {
		t.Errorf("60 s soak: window %s", w)
	}
	if w := soakWarmup(10 * time.Minute); w != 30*time.Second {
		t.Errorf("10 min soak: warm-up %s", w)
	}
	if w := soakWarmup(60 * time.Second); w != 10*time.Second {
		t.Errorf("60 s soak: warm-up %s", w)
	}
}

func TestJudgeSoak(t *testing.T) {
	t0 := time.Now()
	warmEnd, end := t0.Add(10*time.Second), t0.Add(70*time.Second)
	// One sample every 5 s from t0 to 70 s: 15 samples.
	flat := series(t0, 5*time.Second, 90, 100, 101, 99, 100, 102, 98, 100, 101, 99, 100, 103, 104, 102, 103)
	v := judgeSoak(flat, warmEnd, end, 20*time.Second, 0.10, 0)
	if !v.pass || v.drift < 0 || v.drift > 0.05 {
		t.Errorf("flat series: %s", v.summary())
	}
	if len(v.means) != 3 {
		t.Errorf("means of %d windows, want 3: %v", len(v.means), v.means)
	}
	growing := series(t0, 5*time.Second, 90, 100, 100, 100, 100, 105, 110, 110, 115, 120, 120, 125, 125, 130, 130)
	v = judgeSoak(growing, warmEnd, end, 20*time.Second, 0.10, 0)
	if v.pass || !strings.Contains(v.summary(), "FAIL") || !strings.Contains(v.summary(), "RSS grew") {
		t.Errorf("growing series: %s", v.summary())
	}
	v = judgeSoak(flat, warmEnd, end, 20*time.Second, 0.10, 3)
	if v.pass || !strings.Contains(v.summary(), "3 errors") {
		t.Errorf("errors: %s", v.summary())
	}
	v = judgeSoak(nil, warmEnd, end, 20*time.Second, 0.10, 0)
	if v.pass || !strings.Contains(v.summary(), "too few") {
		t.Errorf("no samples: %s", v.summary())
	}
	v = judgeSoak(flat, warmEnd, end, 20*time.Second, 0.10, 0)
	if md := v.markdown(); !strings.Contains(md, "| window after the warm-up | mean RSS MB |") || !strings.Contains(md, "| 0s – 20s | 0.1 |") {
		t.Errorf("markdown:\n%s", md)
	}
}

// The sampler keeps a series only once asked, one sample per period.
func TestRSSSeries(t *testing.T) {
	s := startRSS(os.Getpid(), time.Millisecond)
	defer s.stop()
	time.Sleep(5 * time.Millisecond)
	if len(s.points()) != 0 {
		t.Fatal("a series before keepSeries")
	}
	s.keepSeries(10 * time.Millisecond)
	time.Sleep(55 * time.Millisecond)
	s.stop()
	p := s.points()
	if len(p) < 3 || len(p) > 7 {
		t.Fatalf("%d points in 55 ms at one per 10 ms", len(p))
	}
	for i := 1; i < len(p); i++ {
		if p[i].at.Sub(p[i-1].at) < 10*time.Millisecond || p[i].kib <= 0 {
			t.Errorf("point %d: %s after the last, %d KiB", i, p[i].at.Sub(p[i-1].at), p[i].kib)
		}
	}
}
