package main

import (
	"testing"

	"github.com/seed-699a33a2/session/examples/internal/quickstart"
)

// TestQuickStartRuns runs this program on the memory, file and cookie
// drivers and uses it as a browser would.
func TestQuickStartRuns(t *testing.T) { quickstart.Walk(t, run) }
