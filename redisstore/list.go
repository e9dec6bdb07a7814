package redisstore

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/store"
)

// listPage is how many keys one SCAN call asks for, and so about how many
// sessions one pipeline reads.
const listPage = 500

// List calls fn with each live session until fn returns false. It walks
// the keys under the store's prefix with SCAN (never KEYS), on a Redis
// Cluster the masters one at a time, and reads each page of keys with one
// pipeline of GET and PEXPIRETIME, so its memory does not grow with the
// number of sessions. While a cluster reshards, SCAN can return a key
// twice: a session may then be listed twice. It implements
// [store.Lister].
func (s *Store) List(ctx context.Context, fn func(store.UserSession) bool) error {
	if err := ctx.Err(); err != nil {
		return store.BackendError(driver, err)
	}
	err := s.scan(ctx, func(ctx context.Context, c redis.Cmdable, keys []string) bool {
		return s.listPage(ctx, c, keys, fn)
	})
	if err != nil {
		return store.BackendError(driver, err)
	}
	return nil
}

// scan calls page with each page of the keys under the store's prefix, on
// every master of a cluster one at a time (never KEYS), until page returns
// false.
func (s *Store) scan(ctx context.Context, page func(ctx context.Context, c redis.Cmdable, keys []string) bool) error {
	var (
		one     sync.Mutex // one master at a time, and page called by one goroutine at a time
		stopped atomic.Bool
	)
	walk := func(ctx context.Context, c redis.Cmdable) error {
		one.Lock()
		defer one.Unlock()
		var cursor uint64
		for !stopped.Load() {
			keys, next, err := c.Scan(ctx, cursor, s.prefix+"*", listPage).Result()
			if err != nil {
				return err
			}
			if !page(ctx, c, keys) {
				stopped.Store(true)
			}
			if cursor = next; cursor == 0 {
				break
			}
		}
		return nil
	}
	if c, ok := s.client.(*redis.ClusterClient); ok {
		return c.ForEachMaster(ctx, func(ctx context.Context, m *redis.Client) error { return walk(ctx, m) })
	}
	return walk(ctx, s.client)
}

// listPage reads the sessions among keys with one pipeline and calls fn
// with each live one; it reports false when fn stopped the walk.
func (s *Store) listPage(ctx context.Context, c redis.Cmdable, keys []string, fn func(store.UserSession) bool) bool {
	type read struct {
		handle string
		get    *redis.StringCmd
		ttl    *redis.DurationCmd
	}
	reads := make([]read, 0, len(keys))
	pipe := c.Pipeline()
	for _, k := range keys {
		if h := k[len(s.prefix):]; isSessionKey(h) {
			reads = append(reads, read{h, pipe.Get(ctx, k), pipe.PExpireTime(ctx, k)})
		}
	}
	if len(reads) == 0 {
		return true
	}
	_, _ = pipe.Exec(ctx) // each command is checked below, as in Load
	now := time.Now()
	for _, rd := range reads {
		r, err := s.record(rd.get, rd.ttl, now)
		if err != nil {
			continue // gone, expired or not ours meanwhile
		}
		if !fn(store.UserSession{Handle: rd.handle, Record: r}) {
			return false
		}
	}
	return true
}

// DeleteHandle deletes the session with the given handle (see
// [store.UserSession]) and takes it out of its user's index: the same
// script and ZREM as Delete. It implements [store.Lister].
func (s *Store) DeleteHandle(ctx context.Context, handle string) error {
	if ok, err := store.GuardHandle(ctx, driver, handle); !ok {
		return err
	}
	return s.deleteKey(ctx, handle)
}

// deleteKey deletes the session under prefix+handle and unindexes it.
func (s *Store) deleteKey(ctx context.Context, handle string) error {
	user, err := deleteScript.Run(ctx, s.client, []string{s.prefix + handle}).Text()
	if err == nil && user != "" {
		err = s.unindex(ctx, user, handle)
	}
	if err != nil && !errors.Is(err, redis.Nil) {
		return store.BackendError(driver, err)
	}
	return nil
}
