package bench

import (
	"context"
	"net/http"
	"os"
	"sync/atomic"
	"testing"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/redisstore"
)

// tripCounter is a go-redis hook that counts round trips: one per command
// sent alone, one per pipeline (or transaction) sent.
type tripCounter struct{ n atomic.Int64 }

func (c *tripCounter) DialHook(next redis.DialHook) redis.DialHook { return next }

func (c *tripCounter) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmd)
	}
}

func (c *tripCounter) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		c.n.Add(1)
		return next(ctx, cmds)
	}
}

// TestRedisRoundTrips counts what the redis target says: a read-only
// request is one round trip when no touch is due, a changing one at most
// two, a new session one. The work is the benchmarks' own handlers.
func TestRedisRoundTrips(t *testing.T) {
	addr := os.Getenv(redisEnv)
	if addr == "" {
		t.Skipf("%s is not set: start Redis (bench/run.sh does) and set it", redisEnv)
	}
	client := redis.NewClient(&redis.Options{Addr: addr})
	defer client.Close()
	if err := client.Ping(context.Background()).Err(); err != nil {
		t.Fatalf("redis at %s: %v", addr, err)
	}
	var trips tripCounter
	client.AddHook(&trips)
	m, err := session.New(redisstore.New(client, redisstore.Options{Prefix: "bench:trips:"}), session.Config{Lifetime: lifetime})
	if err != nil {
		t.Fatal(err)
	}
	for _, ds := range datasets() {
		h := oursHandlers(m, ds)
		count := func(name string, hh http.Handler, cookie string, max int64) {
			t.Helper()
			trips.n.Store(0)
			rec := do(hh, cookie)
			if rec.Code != http.StatusOK {
				t.Fatalf("%s/%s: status %d: %s", ds.label, name, rec.Code, rec.Body.String())
			}
			if got := trips.n.Load(); got > max {
				t.Errorf("%s/%s: %d round trips, want at most %d", ds.label, name, got, max)
			} else {
				t.Logf("%s/%s: %d round trip(s)", ds.label, name, got)
			}
		}
		rec := do(h.seed, "")
		cookie := cookieOf(t, rec, session.DefaultCookieName)
		// Warm up first: a connection's handshake (HELLO, CLIENT SETINFO)
		// passes through the hook too and is no part of the request.
		do(h.read, cookie)
		do(h.change, cookie)
		do(h.create, "")
		count("read", h.read, cookie, 1)
		count("change", h.change, cookie, 2)
		count("create", h.create, "", 1)
		// Guard against a test that counts nothing: the read must have
		// made exactly one.
		trips.n.Store(0)
		do(h.read, cookie)
		if got := trips.n.Load(); got != 1 {
			t.Errorf("%s/read: %d round trips, want exactly 1", ds.label, got)
		}
	}
}
