package redisstore_test

import (
	"context"
	"encoding/binary"
	"errors"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// formatV1 builds a value as earlier releases wrote it: format byte 1, the
// creation time as big-endian Unix nanoseconds, then the data.
func formatV1(created time.Time, data string) []byte {
	v := make([]byte, 9, 9+len(data))
	v[0] = 1
	binary.BigEndian.PutUint64(v[1:], uint64(created.UnixNano()))
	return append(v, data...)
}

// TestValueLayout reads the raw value: format 2, the version as 8
// big-endian bytes, the creation time, then the data.
func TestValueLayout(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	created := time.Unix(1700000000, 123456789)
	r := store.Record{ID: store.NewID(), Data: []byte("data"), Created: created, Expires: time.Now().Add(time.Hour)}
	key := prefix + store.HashID(r.ID)
	check := func(when string, version uint64) {
		t.Helper()
		val, err := c.Get(ctx, key).Bytes()
		if err != nil {
			t.Fatalf("%s: GET: %v", when, err)
		}
		if len(val) != 17+4 || val[0] != 2 || binary.BigEndian.Uint64(val[1:9]) != version ||
			int64(binary.BigEndian.Uint64(val[9:17])) != created.UnixNano() || string(val[17:]) != "data" {
			t.Errorf("%s: value %q, want format 2, version %d, the creation time and the data", when, val, version)
		}
	}
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	check("after Save", 1)
	r.Version = 1
	if _, v, err := s.SaveIf(ctx, r); err != nil || v != 2 {
		t.Fatalf("SaveIf = %d, %v; want 2, nil", v, err)
	}
	check("after SaveIf", 2)
	if _, err := s.Save(ctx, r); err != nil {
		t.Fatal(err)
	}
	check("after the second Save", 3)
}

// TestReadsFormatV1 checks that values written by earlier releases still
// load, as version 1, and that Save and SaveIf carry on from there.
func TestReadsFormatV1(t *testing.T) {
	for _, b := range backends {
		t.Run(b.name, func(t *testing.T) {
			c := b.client(t)
			s, prefix := newStore(t, c)
			ctx := context.Background()
			created := time.Unix(1700000000, 5)
			put := func() store.Record {
				t.Helper()
				id := store.NewID()
				if err := c.Set(ctx, prefix+store.HashID(id), formatV1(created, "old"), time.Hour).Err(); err != nil {
					t.Fatal(err)
				}
				return store.Record{ID: id}
			}

			r := put()
			got, err := s.Load(ctx, r.ID)
			if err != nil || string(got.Data) != "old" || !got.Created.Equal(created) || got.Version != 1 {
				t.Fatalf("Load = %q created %v v%d, %v; want %q created %v v1", got.Data, got.Created, got.Version, err, "old", created)
			}
			if time.Until(got.Expires) <= 0 || time.Until(got.Expires) > time.Hour {
				t.Errorf("Expires = %v, want within the hour", got.Expires)
			}
			next := got
			next.Version = 0
			if _, _, err := s.SaveIf(ctx, next); !errors.Is(err, store.ErrConflict) {
				t.Fatalf("SaveIf with version 0 over a format-1 value: %v, want ErrConflict", err)
			}
			next.Version, next.Data = 1, []byte("new")
			if _, v, err := s.SaveIf(ctx, next); err != nil || v != 2 {
				t.Fatalf("SaveIf with version 1 over a format-1 value = %d, %v; want 2, nil", v, err)
			}
			if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != "new" || got.Version != 2 || !got.Created.Equal(created) {
				t.Fatalf("Load after SaveIf = %q v%d created %v, %v", got.Data, got.Version, got.Created, err)
			}

			r = put()
			r.Data, r.Created, r.Expires = []byte("saved"), created, time.Now().Add(time.Hour)
			if _, err := s.Save(ctx, r); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Load(ctx, r.ID); err != nil || string(got.Data) != "saved" || got.Version != 2 {
				t.Fatalf("Load after Save over a format-1 value = %q v%d, %v; want %q v2", got.Data, got.Version, err, "saved")
			}
		})
	}
}

// TestSaveIfOverUnreadable checks that a value Load does not return (one
// this package did not write, or one without a TTL) counts as no record for
// SaveIf, so that a session stuck on it can be replaced.
func TestSaveIfOverUnreadable(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	for name, tc := range map[string]struct {
		val []byte
		ttl time.Duration
	}{
		"Garbage":     {[]byte("\x03garbage"), time.Hour},
		"NoExpiry":    {formatV1(time.Now(), "x"), 0},
		"ShortV3User": {[]byte("\x03\x00\x00\x00\x00\x00\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x09alice"), time.Hour},
	} {
		t.Run(name, func(t *testing.T) {
			id := store.NewID()
			if err := c.Set(ctx, prefix+store.HashID(id), tc.val, tc.ttl).Err(); err != nil {
				t.Fatal(err)
			}
			if _, err := s.Load(ctx, id); !errors.Is(err, store.ErrNotFound) {
				t.Fatalf("Load = %v, want ErrNotFound", err)
			}
			r := store.Record{ID: id, Data: []byte("fresh"), Expires: time.Now().Add(time.Hour)}
			if _, v, err := s.SaveIf(ctx, r); err != nil || v != 1 {
				t.Fatalf("SaveIf with version 0 = %d, %v; want 1, nil", v, err)
			}
			if got, err := s.Load(ctx, id); err != nil || string(got.Data) != "fresh" || got.Version != 1 {
				t.Fatalf("Load = %q v%d, %v", got.Data, got.Version, err)
			}
		})
	}
}
