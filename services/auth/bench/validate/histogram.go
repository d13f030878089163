package main

import (
	"math"
	"math/bits"
	"time"
)

// The histogram keeps latencies in log-linear buckets, as HdrHistogram
// does: exact below 64 ns, then 64 buckets per power of two, so that any
// value is known within 1/64 (1.6%). A fixed array per goroutine costs the
// same at 100 calls per second as at 10 million, where a slice of every
// latency would grow to hundreds of megabytes and disturb the runs with GC.
const (
	subBits  = 6
	subCount = 1 << subBits
	buckets  = (64 - subBits + 1) * subCount
)

type histogram struct {
	counts [buckets]uint64
	n      uint64
}

func bucketOf(v uint64) int {
	if v < subCount {
		return int(v)
	}
	e := bits.Len64(v) - subBits - 1
	return (e+1)*subCount + int(v>>e) - subCount
}

// bucketValue is the middle of the bucket's range.
func bucketValue(i int) uint64 {
	if i < subCount {
		return uint64(i)
	}
	e := i/subCount - 1
	m := uint64(i%subCount + subCount)
	low, high := m<<e, (m+1)<<e-1
	return low + (high-low)/2
}

func (h *histogram) record(d time.Duration) {
	h.counts[bucketOf(uint64(max(d, 0)))]++
	h.n++
}

func (h *histogram) merge(o *histogram) {
	for i, c := range o.counts {
		h.counts[i] += c
	}
	h.n += o.n
}

// quantile returns the smallest recorded latency (within a bucket) that at
// least a fraction q of the calls did not exceed; 0 when empty.
func (h *histogram) quantile(q float64) time.Duration {
	if h.n == 0 {
		return 0
	}
	rank := max(uint64(math.Ceil(q*float64(h.n))), 1)
	var seen uint64
	for i, c := range h.counts {
		seen += c
		if seen >= rank {
			return time.Duration(bucketValue(i))
		}
	}
	return time.Duration(bucketValue(buckets - 1))
}
