package nanotime

import (
	"math"
	"testing"
	"time"
)

func TestRoundTripAndClamp(t *testing.T) {
	now := time.Unix(1700000000, 123456789)
	for _, tc := range []struct {
		name string
		in   time.Time
		want time.Time
	}{
		{"zero", time.Time{}, time.Time{}},
		{"now", now, now},
		{"far future", time.Date(3000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, math.MaxInt64)},
		{"far past", time.Date(1000, 1, 1, 0, 0, 0, 0, time.UTC), time.Unix(0, Zero+1)},
	} {
		if got := To(From(tc.in)); !got.Equal(tc.want) {
			t.Errorf("%s: To(From(%v)) = %v, want %v", tc.name, tc.in, got, tc.want)
		}
	}
}
