package main

import (
	"math"
	"math/bits"
	"time"
)

// histogram counts latencies in log-linear buckets, as HDR histograms do:
// exact below 128 ns, then 128 buckets per power of two, so a value read
// back (the middle of its bucket) is within 1/256 of any value it stands
// for. Its size is fixed (about 60 KB) whatever the number of samples;
// min, max and the sum are exact.
type histogram struct {
	counts   [histBuckets]uint64
	n        uint64
	min, max time.Duration
	sum      time.Duration
}

const (
	subBits     = 7
	subCount    = 1 << subBits // 128
	histBuckets = (64 - subBits + 1) * subCount
)

// bucketOf returns v's bucket (v ≥ 0).
func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	shift := bits.Len64(v) - subBits - 1 // v>>shift is in [128, 256)
	return (shift+1)*subCount + int(v>>shift) - subCount
}

// bucketRange returns the smallest value of bucket i and its width.
func bucketRange(i int) (low, width uint64) {
	if i < subCount {
		return uint64(i), 1
	}
	shift := i/subCount - 1
	return uint64(subCount+i%subCount) << shift, 1 << shift
}

func (h *histogram) record(d time.Duration) {
	if d < 0 {
		d = 0
	}
	h.counts[bucketOf(uint64(d))]++
	if h.n == 0 || d < h.min {
		h.min = d
	}
	if d > h.max {
		h.max = d
	}
	h.n++
	h.sum += d
}

func (h *histogram) merge(o *histogram) {
	if o.n == 0 {
		return
	}
	for i, c := range o.counts {
		h.counts[i] += c
	}
	if h.n == 0 || o.min < h.min {
		h.min = o.min
	}
	h.max = max(h.max, o.max)
	h.n += o.n
	h.sum += o.sum
}

// quantile returns the q-quantile (0 < q ≤ 1) by nearest rank: the
// smallest recorded value such that at least q of the samples are at or
// below it, read back as the middle of its bucket and kept within
// [min, max]. It returns 0 for an empty histogram.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := nearestRank(q, h.n)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			low, width := bucketRange(i)
			v := time.Duration(low + (width-1)/2)
			return min(max(v, h.min), h.max)
		}
	}
	return h.max
}

func (h *histogram) mean() time.Duration {
	if h.n == 0 {
		return 0
	}
	return h.sum / time.Duration(h.n)
}

// nearestRank is the 1-based rank of the q-quantile among n samples:
// ceil(q·n), at least 1 and at most n.
func nearestRank(q float64, n uint64) uint64 {
	if n == 0 {
		return 0
	}
	r := uint64(math.Ceil(q * float64(n)))
	return min(max(r, 1), n)
}

// exactQuantile is the nearest-rank quantile of sorted samples (the
// reference the histogram is tested against).
func exactQuantile(sorted []time.Duration, q float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	return sorted[nearestRank(q, uint64(len(sorted)))-1]
}
