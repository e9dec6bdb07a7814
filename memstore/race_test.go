//go:build race

package memstore_test

// raceEnabled reports a build with the race detector, under which the heap
// measurements do not hold (and the floods take minutes).
const raceEnabled = true
