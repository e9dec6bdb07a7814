package hardening_test

import (
	"bufio"
	"context"
	"errors"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/redisstore"
)

// ownRedis is a redis-server this test started and may stop.
type ownRedis struct {
	t    *testing.T
	bin  string
	cli  string
	port int
	dir  string
	cmd  *exec.Cmd
	done chan struct{} // closed when the process exits
}

// startOwnRedis starts a redis-server on a free port, in its own folder,
// and stops it when the test ends.
func startOwnRedis(t *testing.T) *ownRedis {
	t.Helper()
	r := &ownRedis{t: t, bin: requireBinary(t, "redis-server"), cli: requireBinary(t, "redis-cli"), dir: t.TempDir()}
	var err error
	for range 5 {
		r.port = freePort(t)
		if err = r.start(); err == nil {
			t.Cleanup(r.stop)
			return r
		}
	}
	t.Fatalf("redis-server did not start: %v", err)
	return nil
}

// start runs the server on r.port and waits until it answers PING.
func (r *ownRedis) start() error {
	cmd := exec.Command(r.bin, "--bind", "127.0.0.1", "--port", strconv.Itoa(r.port), "--dir", r.dir,
		"--save", "", "--appendonly", "no", "--daemonize", "no",
		"--logfile", filepath.Join(r.dir, "redis.log"))
	if err := cmd.Start(); err != nil {
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	r.cmd, r.done = cmd, done
	ok := waitFor(10*time.Second, func() bool {
		select {
		case <-done:
			return true
		default:
		}
		return ping(addr(r.port))
	})
	select {
	case <-done:
		log, _ := os.ReadFile(filepath.Join(r.dir, "redis.log"))
		return errors.New("redis-server exited: " + string(log))
	default:
	}
	if !ok {
		_ = cmd.Process.Kill()
		<-done
		return errors.New("redis-server did not answer PING")
	}
	return nil
}

// ping sends PING on a fresh connection.
func ping(a string) bool {
	c, err := net.DialTimeout("tcp", a, 200*time.Millisecond)
	if err != nil {
		return false
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(500 * time.Millisecond))
	if _, err := c.Write([]byte("PING\r\n")); err != nil {
		return false
	}
	line, err := bufio.NewReader(c).ReadString('\n')
	return err == nil && strings.TrimSpace(line) == "+PONG"
}

// shutdown stops the server the way an operator would, and waits for the
// process to exit.
func (r *ownRedis) shutdown() {
	r.t.Helper()
	out, err := exec.Command(r.cli, "-h", "127.0.0.1", "-p", strconv.Itoa(r.port), "shutdown", "nosave").CombinedOutput()
	select {
	case <-r.done:
	case <-time.After(10 * time.Second):
		r.t.Fatalf("redis-server still running after shutdown nosave: %v %s", err, out)
	}
}

// pause freezes the server (SIGSTOP): the kernel still accepts
// connections, but nothing answers, like a server stuck or a network
// black hole. resume lets it go on.
func (r *ownRedis) pause() {
	r.t.Helper()
	if err := r.cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		r.t.Fatal(err)
	}
}

func (r *ownRedis) resume() { _ = r.cmd.Process.Signal(syscall.SIGCONT) }

func (r *ownRedis) stop() {
	select {
	case <-r.done:
		return
	default:
	}
	r.resume()
	_ = exec.Command(r.cli, "-h", "127.0.0.1", "-p", strconv.Itoa(r.port), "shutdown", "nosave").Run()
	select {
	case <-r.done:
	case <-time.After(5 * time.Second):
	}
}

// TestRedisStoppedDuringTraffic: the app runs on its own redis-server with
// short timeouts while requests flow through the middleware. The server is
// shut down: every request fails fast, within the request's deadline plus
// slack, with the error handler's 500 (an error wrapping ErrBackend), never
// a panic. The server comes back on the same port: the next requests
// succeed with the same app and client. Once the client is closed, the
// goroutines are back to their number at the start.
func TestRedisStoppedDuringTraffic(t *testing.T) {
	const (
		deadline = 500 * time.Millisecond
		slack    = 2 * time.Second // far below the 5s read timeout a save that ignored the deadline would take
	)
	base := runtime.NumGoroutine()
	srv := startOwnRedis(t)
	client := redis.NewClient(&redis.Options{
		Addr:                  addr(srv.port),
		DialTimeout:           200 * time.Millisecond,
		ReadTimeout:           200 * time.Millisecond,
		WriteTimeout:          200 * time.Millisecond,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
		DialerRetries:         1,
		PoolSize:              4,
	})
	closed := false
	t.Cleanup(func() {
		if !closed {
			client.Close()
		}
	})
	st := redisstore.New(client, redisstore.Options{Prefix: backends.RandomName("fault:") + ":"})
	a := newApp(t, st, session.Config{})

	var cookie string
	// timed serves one request with the deadline, keeps its cookie, and
	// returns its status and how long it took.
	timed := func() (int, time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		w := a.serve(ctx, header(cookie), func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			n, _ := data["n"].(int)
			data["n"] = n + 1
		})
		for _, c := range sessionCookies(w.Header()) {
			cookie = c.Value
		}
		return w.Code, time.Since(start)
	}

	for i := range 10 {
		if code, _ := timed(); code != http.StatusOK {
			t.Fatalf("request %d before the outage: status %d, %v", i, code, a.err())
		}
	}
	// A second visitor, without a cookie, keeps the traffic going through
	// the outage (load, save, and fresh sessions).
	load := startLoad(2, func(ctx context.Context) int {
		w := a.serve(ctx, "", func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["visitor"] = true
		})
		return w.Code
	}, deadline)

	// A frozen server: requests time out within the deadline.
	srv.pause()
	for i := range 5 {
		code, took := timed()
		if code != http.StatusInternalServerError || took > deadline+slack {
			t.Errorf("request %d to a frozen server: status %d after %v, want 500 within %v", i, code, took, deadline+slack)
		}
	}
	srv.resume()
	if !waitFor(5*time.Second, func() bool { code, _ := timed(); return code == http.StatusOK }) {
		t.Fatalf("no request succeeded within 5s of the server thawing: %v", a.err())
	}

	srv.shutdown()
	errsBefore := a.errs.Load()
	for i := range 10 {
		code, took := timed()
		if code != http.StatusInternalServerError {
			t.Errorf("request %d during the outage: status %d, want 500", i, code)
		}
		if took > deadline+slack {
			t.Errorf("request %d during the outage took %v, over the deadline %v plus %v", i, took, deadline, slack)
		}
	}
	if err := a.err(); a.errs.Load() == errsBefore || !errors.Is(err, session.ErrBackend) || errors.Is(err, session.ErrNotFound) {
		t.Errorf("the error handler saw %v, want an error wrapping ErrBackend", err)
	}

	if err := srv.start(); err != nil {
		t.Fatalf("restarting redis-server on port %d: %v", srv.port, err)
	}
	// The data is gone (shutdown nosave): the old cookie is a fresh session
	// now, and the requests succeed without a new client or app. go-redis
	// answers with its last dial error until its background redial (once a
	// second) gets through, so the first success may take about a second.
	restarted := time.Now()
	if !waitFor(5*time.Second, func() bool { code, _ := timed(); return code == http.StatusOK }) {
		t.Fatalf("no request succeeded within 5s of the restart: %v", a.err())
	}
	t.Logf("first success %v after the restart", time.Since(restarted).Round(time.Millisecond))
	for i := range 10 {
		if code, took := timed(); code != http.StatusOK {
			t.Errorf("request %d after the recovery: status %d after %v, error %v", i, code, took, a.err())
		}
	}
	load.finish(t, deadline+slack)

	srv.shutdown()
	client.Close()
	closed = true
	checkGoroutines(t, base, 2)
}

// TestRedisHangDuringSaveHonoursTheDeadline: the server freezes after the
// request loaded its session and before the middleware saves it. The client
// has a long read timeout (5s) and honours context deadlines; the request
// has a 500ms deadline. The request must still end within its deadline
// (plus slack) with the error handler's 500: the save must not outlive the
// request's deadline.
func TestRedisHangDuringSaveHonoursTheDeadline(t *testing.T) {
	const (
		deadline = 500 * time.Millisecond
		slack    = 2 * time.Second // far below the 5s read timeout a save that ignored the deadline would take
	)
	srv := startOwnRedis(t)
	client := redis.NewClient(&redis.Options{
		Addr:                  addr(srv.port),
		DialTimeout:           5 * time.Second,
		ReadTimeout:           5 * time.Second,
		WriteTimeout:          5 * time.Second,
		ContextTimeoutEnabled: true,
		MaxRetries:            -1,
	})
	t.Cleanup(func() { client.Close() })
	st := redisstore.New(client, redisstore.Options{Prefix: backends.RandomName("fault:") + ":"})
	a := newApp(t, st, session.Config{})
	b := &browser{a: a}
	b.do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) { data["n"] = 1 })

	ctx, cancel := context.WithTimeout(context.Background(), deadline)
	defer cancel()
	start := time.Now()
	w := a.serve(ctx, header(b.cookie), func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
		srv.pause() // loaded; the save comes after this handler
		data["n"] = 2
	})
	took := time.Since(start)
	srv.resume()
	if w.Code != http.StatusInternalServerError || took > deadline+slack {
		t.Errorf("a save to a frozen server: status %d after %v; want the error handler's 500 within the request's deadline %v plus %v (error: %v)",
			w.Code, took.Round(time.Millisecond), deadline, slack, a.err())
	}
}
