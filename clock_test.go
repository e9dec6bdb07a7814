package session_test

import (
	"time"

	"github.com/seed-699a33a2/session/internal/backends"
)

// timeNow is where a test's clock starts: the real time for drivers whose
// server enforces expiry with its own clock, a fixed instant otherwise.
func timeNow(d backends.Driver) time.Time {
	if d.RealClock {
		return time.Now()
	}
	return time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC)
}
