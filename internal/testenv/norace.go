//go:build !race

package testenv

// Race reports a build with the race detector, under which allocation
// counts and heap measurements do not hold.
const Race = false
