package main

import (
	"io"
	"testing"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session/examples/internal/quickstart"
)

// TestQuickStartRuns runs this program on the memory, file and cookie
// drivers and uses it as a browser would.
func TestQuickStartRuns(t *testing.T) {
	gin.SetMode(gin.TestMode)
	gin.DefaultWriter = io.Discard // the request log
	quickstart.Walk(t, run)
}
