// Package nanotime turns times into Unix nanoseconds and back for the
// stores that keep times as int64: the memory store's entries, the file
// format, the cookie seal and the Redis value header.
package nanotime

import (
	"math"
	"time"
)

// Zero stands for the zero time.Time, whose UnixNano is undefined.
const Zero = math.MinInt64

var (
	min = time.Unix(0, Zero+1)
	max = time.Unix(0, math.MaxInt64)
)

// From returns t as Unix nanoseconds, defined for every t: the zero time is
// Zero, and times outside the years 1678..2262 are clamped to them.
func From(t time.Time) int64 {
	switch {
	case t.IsZero():
		return Zero
	case t.Before(min):
		return Zero + 1
	case t.After(max):
		return math.MaxInt64
	}
	return t.UnixNano()
}

// To is the inverse of From.
func To(n int64) time.Time {
	if n == Zero {
		return time.Time{}
	}
	return time.Unix(0, n)
}
