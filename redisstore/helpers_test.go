package redisstore_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/internal/testenv"
	"github.com/seed-699a33a2/session/redisstore"
)

// backends are the Redis deployments every driver test runs against; each
// skips (or fails under CI) when scripts/test.sh did not start it.
var backends = []struct {
	name   string
	client func(t *testing.T) redis.UniversalClient
}{
	{"Single", singleClient},
	{"Cluster", clusterClient},
	{"Sentinel", sentinelClient},
	{"Valkey", valkeyClient},
}

func singleClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	addr := testenv.Require(t, testenv.RedisAddr)
	return closeLater(t, redis.NewClient(&redis.Options{Addr: addr}))
}

// valkeyClient is a single Valkey 8.1 server: the server whose SET takes
// IFEQ, so that SaveIf's conditional SET runs where the others run the
// compare-and-set script.
func valkeyClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	addr := testenv.Require(t, testenv.ValkeyAddr)
	return closeLater(t, redis.NewClient(&redis.Options{Addr: addr}))
}

func clusterClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	addrs := strings.Split(testenv.Require(t, testenv.RedisClusterAddrs), ",")
	return closeLater(t, redis.NewClusterClient(&redis.ClusterOptions{Addrs: addrs}))
}

func sentinelClient(t *testing.T) redis.UniversalClient {
	t.Helper()
	addrs := strings.Split(testenv.Require(t, testenv.RedisSentinelAddrs), ",")
	master := testenv.Require(t, testenv.RedisSentinelMaster)
	return closeLater(t, redis.NewFailoverClient(&redis.FailoverOptions{MasterName: master, SentinelAddrs: addrs}))
}

func closeLater(t *testing.T, c redis.UniversalClient) redis.UniversalClient {
	t.Helper()
	t.Cleanup(func() { _ = c.Close() })
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := c.Ping(ctx).Err(); err != nil {
		t.Fatalf("redis backend configured but not answering: %v", err)
	}
	return c
}

// newStore returns a Store under a fresh random prefix on c, whose keys are
// removed when t ends.
func newStore(t *testing.T, c redis.UniversalClient) (*redisstore.Store, string) {
	t.Helper()
	prefix := randomPrefix(t)
	t.Cleanup(func() { deletePrefix(t, c, prefix) })
	return redisstore.New(c, redisstore.Options{Prefix: prefix}), prefix
}

func randomPrefix(t *testing.T) string {
	t.Helper()
	var b [8]byte
	_, _ = rand.Read(b[:])
	return "sessiontest:" + hex.EncodeToString(b[:]) + ":"
}

// forEachMaster runs fn on every master behind c: each master of a cluster,
// or the one server of a single or failover client.
func forEachMaster(ctx context.Context, c redis.UniversalClient, fn func(context.Context, *redis.Client) error) error {
	switch c := c.(type) {
	case *redis.ClusterClient:
		return c.ForEachMaster(ctx, fn)
	case *redis.Client:
		return fn(ctx, c)
	default:
		return fmt.Errorf("unexpected client type %T", c)
	}
}

// scanKeys lists the keys under prefix with SCAN on every master, and the
// master that holds each.
func scanKeys(ctx context.Context, c redis.UniversalClient, prefix string) (map[string]*redis.Client, error) {
	var mu sync.Mutex // ForEachMaster runs fn on the masters concurrently
	keys := make(map[string]*redis.Client)
	err := forEachMaster(ctx, c, func(ctx context.Context, m *redis.Client) error {
		iter := m.Scan(ctx, 0, prefix+"*", 100).Iterator()
		for iter.Next(ctx) {
			mu.Lock()
			keys[iter.Val()] = m
			mu.Unlock()
		}
		return iter.Err()
	})
	return keys, err
}

// deletePrefix removes every key under prefix. Keys are deleted one by one
// on the master that holds them: a multi-key DEL would cross slots.
func deletePrefix(t *testing.T, c redis.UniversalClient, prefix string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	keys, err := scanKeys(ctx, c, prefix)
	if err != nil {
		t.Errorf("cleanup: scan %s*: %v", prefix, err)
	}
	for k, m := range keys {
		if err := m.Del(ctx, k).Err(); err != nil {
			t.Errorf("cleanup: del %s: %v", k, err)
		}
	}
}
