package main

import (
	"fmt"
	"strings"
	"time"
)

// A soak holds an open-loop load for minutes and watches the server's
// resident set: memory that keeps growing under a steady load is a leak,
// or a cache without a bound, that a short run never shows.

// soakWindow is the length of the two windows a soak compares: a minute,
// or a third of what follows the warm-up in a short run.
func soakWindow(duration, warmup time.Duration) time.Duration {
	return min(time.Minute, (duration-warmup)/3)
}

// soakVerdict compares the mean RSS of the first window after the warm-up
// with that of the last window of the run.
type soakVerdict struct {
	window      time.Duration
	span        time.Duration // from the end of the warm-up to the end of the run
	first, last float64       // mean VmRSS in KiB
	samples     [2]int        // samples in each window
	drift       float64       // (last - first) / first
	limit       float64
	errors      int64
	pass        bool
	reasons     []string  // why it failed
	means       []rssMean // each window's from the warm-up to the end
}

// rssMean is the mean of a window's samples, in KiB (0: no sample).
type rssMean struct{ rss, anon, file float64 }

// judgeSoak returns the verdict of a soak from its RSS series: the run
// passes with no error and an RSS growth below limit.
func judgeSoak(series []rssPoint, warmEnd, end time.Time, window time.Duration, limit float64, errors int64) soakVerdict {
	v := soakVerdict{window: window, span: end.Sub(warmEnd), limit: limit, errors: errors}
	v.first, v.samples[0] = meanRSS(series, warmEnd, warmEnd.Add(window))
	v.last, v.samples[1] = meanRSS(series, end.Add(-window), end.Add(time.Millisecond))
	// Whole windows from the warm-up on; a last partial one only if it
	// is at least half a window long.
	for t := warmEnd; window > 0 && end.Sub(t) >= window/2; t = t.Add(window) {
		to := t.Add(window)
		if to.After(end) {
			to = end.Add(time.Millisecond)
		}
		v.means = append(v.means, windowMean(series, t, to))
	}
	switch {
	case v.samples[0] == 0 || v.samples[1] == 0:
		v.reasons = append(v.reasons, "too few RSS samples to compare the windows")
	default:
		v.drift = (v.last - v.first) / v.first
		if v.drift >= limit {
			v.reasons = append(v.reasons, fmt.Sprintf("RSS grew %+.1f%% (limit %.0f%%)", 100*v.drift, 100*limit))
		}
	}
	if errors > 0 {
		v.reasons = append(v.reasons, fmt.Sprintf("%d errors", errors))
	}
	v.pass = len(v.reasons) == 0
	return v
}

// meanRSS is the mean of the samples taken in [from, to).
func meanRSS(series []rssPoint, from, to time.Time) (float64, int) {
	var sum float64
	n := 0
	for _, p := range series {
		if !p.at.Before(from) && p.at.Before(to) {
			sum += float64(p.kib)
			n++
		}
	}
	if n == 0 {
		return 0, 0
	}
	return sum / float64(n), n
}

// windowMean is the mean of each part of the samples taken in [from, to).
func windowMean(series []rssPoint, from, to time.Time) rssMean {
	var m rssMean
	n := 0
	for _, p := range series {
		if !p.at.Before(from) && p.at.Before(to) {
			m.rss += float64(p.kib)
			m.anon += float64(p.anonKiB)
			m.file += float64(p.fileKiB)
			n++
		}
	}
	if n > 0 {
		m.rss, m.anon, m.file = m.rss/float64(n), m.anon/float64(n), m.file/float64(n)
	}
	return m
}

// summary is the one-line verdict.
func (v *soakVerdict) summary() string {
	drift := "n/a"
	if v.samples[0] > 0 && v.samples[1] > 0 {
		drift = fmt.Sprintf("%+.1f%%", 100*v.drift)
	}
	s := fmt.Sprintf("RSS drift %s (mean %s MB in the first %s window after the warm-up, %s MB in the last; limit %.0f%%), %d errors",
		drift, mbf(v.first), v.window.Round(time.Second), mbf(v.last), 100*v.limit, v.errors)
	if v.pass {
		return "PASS: " + s
	}
	return "FAIL (" + strings.Join(v.reasons, "; ") + "): " + s
}

// markdown is the soak's part of the report: the verdict and the mean
// RSS of each window.
func (v *soakVerdict) markdown() string {
	var b strings.Builder
	fmt.Fprintf(&b, "- **Soak: %s.**\n", v.summary())
	b.WriteString("\n| window after the warm-up | mean RSS MB | anonymous (heap, stacks, Badger's tables) | file-backed (mmapped Badger files, the binary) |\n|---|---:|---:|---:|\n")
	for i, m := range v.means {
		from := time.Duration(i) * v.window
		fmt.Fprintf(&b, "| %s – %s | %s | %s | %s |\n", from.Round(time.Second), min(from+v.window, v.span).Round(time.Second), mbf(m.rss), mbf(m.anon), mbf(m.file))
	}
	return b.String()
}

// mbf formats a KiB mean as MB.
func mbf(kib float64) string {
	if kib <= 0 {
		return "n/a"
	}
	return fmt.Sprintf("%.1f", kib*1024/1e6)
}
