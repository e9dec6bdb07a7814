package bench

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strconv"
	"testing"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/redisstore"
)

const (
	redisEnv  = "SESSION_TEST_REDIS_ADDR"
	valkeyEnv = "SESSION_TEST_VALKEY_ADDR" // Valkey 8.1: a change is GET + SET ... IFEQ
)

func redisClient(b *testing.B) *redis.Client { return serverClient(b, redisEnv) }

// serverClient is a go-redis client of the server whose address is in the
// variable name.
func serverClient(b *testing.B, name string) *redis.Client {
	c := redis.NewClient(&redis.Options{Addr: env(b, name)})
	b.Cleanup(func() { _ = c.Close() })
	if err := c.Ping(context.Background()).Err(); err != nil {
		b.Fatalf("redis at %s: %v", c.Options().Addr, err)
	}
	return c
}

// BenchmarkRedis: redis store ↔ scs goredisstore (go-redis v9, the same
// client version), and "raw": the same go-redis client doing GET (read),
// GET + SET (change) and SET (create) of a value of the session's encoded
// size inside the same bare handler, the floor.
func BenchmarkRedis(b *testing.B) {
	benchDriver(b, []lib{
		ours(func(b *testing.B) session.Store {
			return redisstore.New(redisClient(b), redisstore.Options{Prefix: "bench:ours:"})
		}),
		scsLib(func(b *testing.B) scs.Store {
			return goredisstore.NewWithPrefix(redisClient(b), "bench:scs:")
		}),
		oursEncrypted(func(b *testing.B) session.Store {
			return redisstore.New(redisClient(b), redisstore.Options{Prefix: "bench:encrypted:"})
		}),
	}, rawRedis(redisEnv))
}

// BenchmarkValkey: the redis store against its raw floor on Valkey 8.1,
// whose SET takes IFEQ: there a change of a loaded session is one
// conditional SET where Redis 7 runs the compare-and-set script.
func BenchmarkValkey(b *testing.B) {
	benchDriver(b, []lib{
		ours(func(b *testing.B) session.Store {
			return redisstore.New(serverClient(b, valkeyEnv), redisstore.Options{Prefix: "bench:ours:"})
		}),
	}, rawRedis(valkeyEnv))
}

// rawRedis is the "raw" line of a Redis-protocol server whose address is
// in the variable name.
func rawRedis(name string) func(b *testing.B, ds dataset, work string) {
	return func(b *testing.B, ds dataset, work string) {
		b.Run("raw", func(b *testing.B) {
			c := serverClient(b, name)
			val, err := codec.Encode(ds.vals)
			if err != nil {
				b.Fatal(err)
			}
			key := "bench:raw:" + ds.label
			if err := c.Set(context.Background(), key, val, lifetime).Err(); err != nil {
				b.Fatal(err)
			}
			var h http.HandlerFunc
			switch work {
			case "read":
				h = func(w http.ResponseWriter, r *http.Request) {
					if _, err := c.Get(r.Context(), key).Bytes(); err != nil {
						http.Error(w, err.Error(), 500)
						return
					}
					_, _ = w.Write([]byte(benchName))
				}
			case "change":
				h = func(w http.ResponseWriter, r *http.Request) {
					v, err := c.Get(r.Context(), key).Bytes()
					if err == nil {
						err = c.Set(r.Context(), key, v, lifetime).Err()
					}
					if err != nil {
						http.Error(w, err.Error(), 500)
						return
					}
					_, _ = w.Write(okBody)
				}
			case "create":
				h = func(w http.ResponseWriter, r *http.Request) {
					k := "bench:raw:new:" + strconv.FormatUint(counter.Add(1), 10)
					if err := c.Set(r.Context(), k, val, lifetime).Err(); err != nil {
						http.Error(w, err.Error(), 500)
						return
					}
					_, _ = w.Write(okBody)
				}
			}
			var check func(*httptest.ResponseRecorder) error
			if work == "read" {
				check = wantBody(benchName)
			}
			runWork(b, h, "", check)
		})
	}
}
