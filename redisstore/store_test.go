package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session/redisstore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// redisAbilities are the optional abilities the driver declares to the conformance
// suite: exactly those it implements.
const redisAbilities = storetest.Touch | storetest.CompareAndSet | storetest.Lock | storetest.UserIndex | storetest.List | storetest.Count

func TestConformance(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			storetest.Run(t, func(t *testing.T, _ func() time.Time) store.Store {
				s, _ := newStore(t, c)
				return s
			}, storetest.Options{RealClock: true, Abilities: redisAbilities})
		})
	}
}

// TestKeyHoldsNoID checks what an attacker who can read Redis sees: a
// hashed key with a TTL, and a value without the ID.
func TestKeyHoldsNoID(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			id := store.NewID()
			raw, err := store.Encoding.DecodeString(id)
			if err != nil {
				t.Fatal(err)
			}
			r := store.Record{ID: id, Data: []byte("user=42"), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
			if _, err := s.Save(ctx, r); err != nil {
				t.Fatalf("Save: %v", err)
			}
			keys, err := scanKeys(ctx, c, prefix)
			if err != nil {
				t.Fatalf("scan: %v", err)
			}
			if len(keys) != 1 {
				t.Fatalf("found %d keys under %q, want 1", len(keys), prefix)
			}
			for key, m := range keys {
				if want := prefix + store.HashID(id); key != want {
					t.Errorf("key = %q, want %q", key, want)
				}
				val, err := m.Get(ctx, key).Bytes()
				if err != nil {
					t.Fatalf("GET %s: %v", key, err)
				}
				for what, s := range map[string]string{"key": key, "value": string(val)} {
					if strings.Contains(s, id) || strings.Contains(s, string(raw)) {
						t.Errorf("the %s holds the session ID", what)
					}
				}
				ttl, err := m.PTTL(ctx, key).Result()
				if err != nil {
					t.Fatalf("PTTL %s: %v", key, err)
				}
				if ttl <= 0 || ttl > time.Hour {
					t.Errorf("PTTL = %v, want in (0, 1h]", ttl)
				}
			}
		})
	}
}

// countingHook records the commands and pipelines a client sends.
type countingHook struct {
	mu     sync.Mutex
	trips  int
	issued []string
}

func (h *countingHook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h *countingHook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		h.record(cmd)
		return next(ctx, cmd)
	}
}

func (h *countingHook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		h.record(cmds...)
		return next(ctx, cmds)
	}
}

func (h *countingHook) record(cmds ...redis.Cmder) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.trips++
	names := make([]string, len(cmds))
	for i, c := range cmds {
		names[i] = c.Name()
	}
	h.issued = append(h.issued, strings.Join(names, "+"))
}

func (h *countingHook) reset() (int, string) {
	h.mu.Lock()
	defer h.mu.Unlock()
	n, s := h.trips, strings.Join(h.issued, ", ")
	h.trips, h.issued = 0, nil
	return n, s
}

// indexCmds is the transaction that adds a session to its user's index.
const indexCmds = "multi+zremrangebyscore+zadd+pexpireat+pexpireat+exec"

func TestRoundTrips(t *testing.T) {
	for _, b := range backends {
		if b.name == "Sentinel" {
			continue // a failover client is a *redis.Client, as Single
		}
		t.Run(b.name, func(t *testing.T) {
			// The change of a loaded record: the compare-and-set script,
			// or on Valkey one SET ... IFEQ, and the script after it when
			// that stored nothing (here: the conflict).
			change, conflict, conflictTrips := "evalsha", "evalsha", 1
			if b.name == "Valkey" {
				change, conflict, conflictTrips = "set", "set, evalsha", 2
			}
			c := b.client(t)
			h := &countingHook{}
			c.AddHook(h)
			s, _ := newStore(t, c)
			ctx := context.Background()
			r := store.Record{ID: store.NewID(), Data: []byte("x"), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
			u := store.Record{ID: store.NewID(), Data: []byte("y"), Created: time.Now(), Expires: time.Now().Add(time.Hour), UserID: "alice"}
			n := store.Record{Data: []byte("new"), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
			var loaded, loadedU store.Record // what Load returned last, for SaveIf
			tests := []struct {
				name  string
				trips int
				cmds  string
				fn    func() error
			}{
				{"Save", 1, "evalsha", func() error { _, err := s.Save(ctx, r); return err }},
				// A creation is one SET NX; where a key is there, the script
				// decides (here: a conflict).
				{"SaveIfCreates", 1, "set", func() error {
					n.ID = store.NewID()
					_, v, err := s.SaveIf(ctx, n)
					if err == nil && v != 1 {
						return fmt.Errorf("SaveIf of a new session returned version %d", v)
					}
					return err
				}},
				{"SaveIfCreateTaken", 2, "set, evalsha", func() error {
					if _, _, err := s.SaveIf(ctx, n); !errors.Is(err, store.ErrConflict) {
						return fmt.Errorf("SaveIf of a taken ID with version 0: %v, want ErrConflict", err)
					}
					return nil
				}},
				{"Load", 1, "get", func() error {
					var err error
					loaded, err = s.Load(ctx, r.ID)
					return err
				}},
				{"SaveIf", 1, change, func() error {
					_, v, err := s.SaveIf(ctx, loaded)
					if err == nil && v != loaded.Version+1 {
						return fmt.Errorf("SaveIf returned version %d after %d", v, loaded.Version)
					}
					return err
				}},
				{"SaveIfConflict", conflictTrips, conflict, func() error {
					if _, _, err := s.SaveIf(ctx, loaded); !errors.Is(err, store.ErrConflict) {
						return fmt.Errorf("SaveIf with a stale version: %v, want ErrConflict", err)
					}
					return nil
				}},
				{"Touch", 1, "evalsha", func() error { return s.Touch(ctx, r.ID, time.Now().Add(2*time.Hour)) }},
				// A session tied to a user: one more round trip, on the
				// index's key, for each write and touch; none for Load.
				{"SaveUser", 2, "evalsha, " + indexCmds, func() error { _, err := s.Save(ctx, u); return err }},
				{"LoadUser", 1, "get", func() error {
					var err error
					loadedU, err = s.Load(ctx, u.ID)
					if err == nil && loadedU.UserID != u.UserID {
						err = fmt.Errorf("Load returned user %q, want %q", loadedU.UserID, u.UserID)
					}
					return err
				}},
				{"SaveIfUser", 2, change + ", " + indexCmds, func() error { _, _, err := s.SaveIf(ctx, loadedU); return err }},
				{"SaveIfUserConflict", conflictTrips, conflict, func() error {
					if _, _, err := s.SaveIf(ctx, loadedU); !errors.Is(err, store.ErrConflict) {
						return fmt.Errorf("SaveIf with a stale version: %v, want ErrConflict", err)
					}
					return nil
				}},
				{"TouchUser", 2, "evalsha, " + indexCmds, func() error { return s.Touch(ctx, u.ID, time.Now().Add(2*time.Hour)) }},
				{"TouchUserEnds", 1, "evalsha", func() error { return s.Touch(ctx, u.ID, time.Now().Add(-time.Second)) }},
				{"LoadMalformed", 0, "", func() error {
					if _, err := s.Load(ctx, "../"+r.ID); !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return nil
				}},
				{"TouchMalformed", 0, "", func() error {
					if err := s.Touch(ctx, "x", time.Now().Add(time.Hour)); !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return nil
				}},
				{"Delete", 1, "evalsha", func() error { return s.Delete(ctx, r.ID) }},
				{"LoadMissing", 1, "get", func() error {
					if _, err := s.Load(ctx, r.ID); !errors.Is(err, store.ErrNotFound) {
						return err
					}
					return nil
				}},
				{"SaveExpired", 1, "evalsha", func() error {
					old := r
					old.Expires = time.Now().Add(-time.Second)
					_, err := s.Save(ctx, old)
					return err
				}},
				{"SaveIfExpired", 1, "evalsha", func() error {
					old := r
					old.Expires = time.Now().Add(-time.Second)
					_, _, err := s.SaveIf(ctx, old)
					return err
				}},
			}
			// The first pass opens the connections (go-redis keeps a pool for
			// pipelines apart from the one for single commands), whose
			// handshakes the hook would count; the second pass is measured.
			for pass := 0; pass < 2; pass++ {
				h.reset()
				for _, tc := range tests {
					if err := tc.fn(); err != nil {
						t.Fatalf("%s: %v", tc.name, err)
					}
					if n, cmds := h.reset(); pass == 1 && (n != tc.trips || cmds != tc.cmds) {
						t.Errorf("%s: %d round trips (%s), want %d (%s)", tc.name, n, cmds, tc.trips, tc.cmds)
					}
				}
			}
		})
	}
}

// TestUnreachable points a client at a port nobody listens on: every
// operation must fail as a backend error, never as "no session", and
// before the context's deadline.
func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	_ = l.Close()
	c := redis.NewClient(&redis.Options{Addr: addr, DialTimeout: 200 * time.Millisecond, MaxRetries: -1, DialerRetries: 1})
	t.Cleanup(func() { _ = c.Close() })
	s := redisstore.New(c, redisstore.Options{})
	id := store.NewID()

	ops := map[string]func(context.Context) error{
		"Load": func(ctx context.Context) error { _, err := s.Load(ctx, id); return err },
		"Save": func(ctx context.Context) error {
			_, err := s.Save(ctx, store.Record{ID: id, Data: []byte("x"), Expires: time.Now().Add(time.Hour)})
			return err
		},
		"SaveIf": func(ctx context.Context) error {
			_, _, err := s.SaveIf(ctx, store.Record{ID: id, Data: []byte("x"), Expires: time.Now().Add(time.Hour)})
			return err
		},
		"Touch":  func(ctx context.Context) error { return s.Touch(ctx, id, time.Now().Add(time.Hour)) },
		"Delete": func(ctx context.Context) error { return s.Delete(ctx, id) },
	}
	for name, op := range ops {
		t.Run(name, func(t *testing.T) {
			const deadline = 3 * time.Second
			ctx, cancel := context.WithTimeout(context.Background(), deadline)
			defer cancel()
			start := time.Now()
			err := op(ctx)
			if took := time.Since(start); took >= deadline {
				t.Errorf("took %v, longer than the context's deadline", took)
			}
			if !errors.Is(err, store.ErrBackend) {
				t.Errorf("err = %v, want it to wrap ErrBackend", err)
			}
			if errors.Is(err, store.ErrNotFound) {
				t.Errorf("err = %v wraps ErrNotFound; an outage is not \"no session\"", err)
			}
			if errors.Is(err, store.ErrConflict) {
				t.Errorf("err = %v wraps ErrConflict; an outage is not a conflict", err)
			}
			if err != nil && !strings.HasPrefix(err.Error(), "redis: ") {
				t.Errorf("err = %q, want the prefix \"redis: \"", err)
			}
		})
	}
}

// TestCorrupt writes values this package would not write under a session's
// key: each is ErrCorrupt (which is ErrNotFound), not a backend error.
func TestCorrupt(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	tests := []struct {
		name string
		val  string
		ttl  time.Duration
	}{
		{"Empty", "", time.Hour},
		{"ShortHeader", "\x01abc", time.Hour},
		{"ShortV2Header", "\x02\x00\x00\x00\x00\x00\x00\x00\x01data", time.Hour},
		{"ShortV3Header", "\x03\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00", time.Hour},
		{"ShortV3User", "\x03\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09alice", time.Hour},
		{"UnknownFormat", "\x04\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x00data", time.Hour},
		{"NoExpiry", "\x01\x00\x00\x00\x00\x00\x00\x00\x00data", 0},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			id := store.NewID()
			if err := c.Set(ctx, prefix+store.HashID(id), tc.val, tc.ttl).Err(); err != nil {
				t.Fatal(err)
			}
			_, err := s.Load(ctx, id)
			if !errors.Is(err, store.ErrCorrupt) || !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) {
				t.Errorf("Load = %v, want ErrCorrupt (not ErrBackend)", err)
			}
		})
	}
}

func TestDefaultPrefix(t *testing.T) {
	c := singleClient(t)
	s := redisstore.New(c, redisstore.Options{})
	ctx := context.Background()
	id := store.NewID()
	key := redisstore.DefaultPrefix + store.HashID(id)
	t.Cleanup(func() { _ = c.Del(context.Background(), key).Err() })
	if _, err := s.Save(ctx, store.Record{ID: id, Expires: time.Now().Add(time.Minute)}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	if n, err := c.Exists(ctx, key).Result(); err != nil || n != 1 {
		t.Fatalf("EXISTS %s = %d, %v; want 1", key, n, err)
	}
}

// TestZeroCreated checks that a record without a creation time loads with
// the zero time rather than 1677 or 1970.
func TestZeroCreated(t *testing.T) {
	c := singleClient(t)
	s, _ := newStore(t, c)
	ctx := context.Background()
	id := store.NewID()
	if _, err := s.Save(ctx, store.Record{ID: id, Expires: time.Now().Add(time.Minute)}); err != nil {
		t.Fatalf("Save: %v", err)
	}
	r, err := s.Load(ctx, id)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if !r.Created.IsZero() {
		t.Errorf("Created = %v, want the zero time", r.Created)
	}
}
