package redisstore

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/internal/testenv"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestListStreams walks 100,000 sessions on a single Redis and on a
// Cluster (SCAN on every master, one at a time), written with pipelines of
// SET in the store's own format.
func TestListStreams(t *testing.T) {
	for name, client := range map[string]func(t *testing.T) redis.UniversalClient{
		"Single": func(t *testing.T) redis.UniversalClient {
			return redis.NewClient(&redis.Options{Addr: testenv.Require(t, testenv.RedisAddr)})
		},
		"Cluster": func(t *testing.T) redis.UniversalClient {
			return redis.NewClusterClient(&redis.ClusterOptions{Addrs: strings.Split(testenv.Require(t, testenv.RedisClusterAddrs), ",")})
		},
	} {
		t.Run(name, func(t *testing.T) {
			c := client(t)                  // t: a missing backend skips (or fails) this subtest, not its parent
			t.Cleanup(func() { c.Close() }) // after the keys are deleted: cleanups run last first
			prefix := "liststreams:" + store.NewID()[:8] + ":"
			s := New(c, Options{Prefix: prefix})
			ctx := context.Background()
			const n = 100_000
			now := time.Now()
			var keys []string
			for i := 0; i < n; i += 1000 {
				pipe := c.Pipeline()
				for range 1000 {
					id := store.NewID()
					value, err := encodeValue(store.Record{ID: id, Data: []byte("\x01\x00"), Created: now, Expires: now.Add(time.Hour)}, 1)
					if err != nil {
						t.Fatal(err)
					}
					keys = append(keys, s.key(id))
					pipe.Set(ctx, s.key(id), value, time.Hour)
				}
				if _, err := pipe.Exec(ctx); err != nil {
					t.Fatal(err)
				}
			}
			t.Cleanup(func() {
				for i := 0; i < len(keys); i += 1000 {
					pipe := c.Pipeline()
					for _, k := range keys[i:min(i+1000, len(keys))] {
						pipe.Del(ctx, k)
					}
					_, _ = pipe.Exec(ctx)
				}
			})
			storetest.CheckListStreams(t, s, n)
		})
	}
}
