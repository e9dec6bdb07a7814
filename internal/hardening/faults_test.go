package hardening_test

import (
	"context"
	"net"
	"net/http"
	"os/exec"
	"runtime"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/testenv"
)

// requireBinary returns the path of the program name. When it is missing
// the test fails under CI (scripts/test.sh installs it) and is skipped
// elsewhere.
func requireBinary(t *testing.T, name string) string {
	t.Helper()
	p, err := exec.LookPath(name)
	if err == nil {
		return p
	}
	msg := name + " is not installed (scripts/test.sh installs it): " + err.Error()
	if testenv.InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
	return ""
}

// freePort returns a TCP port of 127.0.0.1 that nothing listened on a
// moment ago.
func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

func addr(port int) string { return "127.0.0.1:" + strconv.Itoa(port) }

// waitFor polls cond every 20ms until it holds or timeout passes.
func waitFor(timeout time.Duration, cond func() bool) bool {
	deadline := time.Now().Add(timeout)
	for {
		if cond() {
			return true
		}
		if time.Now().After(deadline) {
			return false
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// checkGoroutines fails the test unless the number of goroutines comes
// back to at most base+slack within a few seconds.
func checkGoroutines(t *testing.T, base, slack int) {
	t.Helper()
	var n int
	if !waitFor(5*time.Second, func() bool { n = runtime.NumGoroutine(); return n <= base+slack }) {
		buf := make([]byte, 1<<20)
		buf = buf[:runtime.Stack(buf, true)]
		t.Errorf("goroutines: %d at the start, %d at the end (slack %d):\n%s", base, n, slack, buf)
		return
	}
	t.Logf("goroutines: %d at the start, %d at the end", base, n)
	if n > base {
		buf := make([]byte, 1<<20)
		t.Logf("%s", buf[:runtime.Stack(buf, true)])
	}
}

// outcome is the result of one request of a load loop.
type outcome struct {
	code int
	took time.Duration
}

// loadLoop sends requests through serve from workers goroutines until
// stopped, and records every outcome.
type loadLoop struct {
	stop    atomic.Bool
	wg      sync.WaitGroup
	mu      sync.Mutex
	results []outcome
}

func startLoad(workers int, serve func(ctx context.Context) int, deadline time.Duration) *loadLoop {
	l := &loadLoop{}
	for range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for !l.stop.Load() {
				ctx, cancel := context.WithTimeout(context.Background(), deadline)
				start := time.Now()
				code := serve(ctx)
				took := time.Since(start)
				cancel()
				l.mu.Lock()
				l.results = append(l.results, outcome{code, took})
				l.mu.Unlock()
				time.Sleep(5 * time.Millisecond)
			}
		}()
	}
	return l
}

// finish stops the loop and checks that every response was a 200 or the
// error handler's 500, and none took longer than limit.
func (l *loadLoop) finish(t *testing.T, limit time.Duration) (ok, failed int) {
	t.Helper()
	l.stop.Store(true)
	l.wg.Wait()
	var slowest time.Duration
	for _, o := range l.results {
		switch o.code {
		case http.StatusOK:
			ok++
		case http.StatusInternalServerError:
			failed++
		default:
			t.Errorf("a request under load answered %d", o.code)
		}
		slowest = max(slowest, o.took)
	}
	if slowest > limit {
		t.Errorf("the slowest request under load took %v, over %v", slowest, limit)
	}
	t.Logf("load loop: %d requests, %d succeeded, %d answered 500, slowest %v", len(l.results), ok, failed, slowest)
	return ok, failed
}
