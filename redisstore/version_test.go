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

// wantV5 is the value this package writes: format 5, the version, the
// creation time, the user ID's length and the user ID, the expiry in Unix
// milliseconds, the IP address's and the user agent's lengths and bytes,
// then the data.
func wantV5(version uint64, r store.Record) []byte {
	b := binary.BigEndian.AppendUint64([]byte{5}, version)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Created.UnixNano()))
	b = binary.BigEndian.AppendUint32(b, uint32(len(r.UserID)))
	b = append(b, r.UserID...)
	b = binary.BigEndian.AppendUint64(b, uint64(r.Expires.UnixMilli()))
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.IPAddress)))
	b = append(b, r.IPAddress...)
	b = binary.BigEndian.AppendUint16(b, uint16(len(r.UserAgent)))
	b = append(b, r.UserAgent...)
	return append(b, r.Data...)
}

// TestValueLayout reads the raw value: format 5 (see wantV5), the version
// counting the saves, and a touch moving the expiry in the value along
// with the key's.
func TestValueLayout(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	created := time.Unix(1700000000, 123456789)
	r := store.Record{ID: store.NewID(), Data: []byte("data"), Created: created, Expires: time.Now().Add(time.Hour).Truncate(time.Millisecond)}
	key := prefix + store.HashID(r.ID)
	check := func(when string, version uint64) {
		t.Helper()
		val, err := c.Get(ctx, key).Bytes()
		if err != nil {
			t.Fatalf("%s: GET: %v", when, err)
		}
		if want := wantV5(version, r); string(val) != string(want) {
			t.Errorf("%s: value %q, want %q", when, val, want)
		}
		if at := c.PExpireTime(ctx, key).Val(); at != time.Duration(r.Expires.UnixMilli())*time.Millisecond {
			t.Errorf("%s: the key expires at %v, the value at %v", when, at, r.Expires.UnixMilli())
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
	r.Expires = r.Expires.Add(time.Hour)
	if err := s.Touch(ctx, r.ID, r.Expires); err != nil {
		t.Fatal(err)
	}
	check("after Touch", 3)
	if got, err := s.Load(ctx, r.ID); err != nil || !got.Expires.Equal(r.Expires) {
		t.Errorf("Load after Touch: expires %v, %v; want %v", got.Expires, err, r.Expires)
	}
}

// TestReadsEarlierFormats: values in formats 2, 3 and 4, written by
// earlier releases, load with the key's expiry, touch, and are written in
// format 5 by the next save.
func TestReadsEarlierFormats(t *testing.T) {
	c := singleClient(t)
	s, prefix := newStore(t, c)
	ctx := context.Background()
	created := time.Unix(1700000000, 123456789)
	head := func(format byte) []byte {
		b := binary.BigEndian.AppendUint64([]byte{format}, 7)
		return binary.BigEndian.AppendUint64(b, uint64(created.UnixNano()))
	}
	user := func(b []byte) []byte { return append(binary.BigEndian.AppendUint32(b, 3), "ada"...) }
	text := func(b []byte, s string) []byte { return append(binary.BigEndian.AppendUint16(b, uint16(len(s))), s...) }
	for name, c2 := range map[string]struct {
		val      []byte
		user, ip string
	}{
		"format 2": {append(head(2), "data"...), "", ""},
		"format 3": {append(user(head(3)), "data"...), "ada", ""},
		"format 4": {append(text(text(user(head(4)), "192.0.2.1"), "curl"), "data"...), "ada", "192.0.2.1"},
	} {
		t.Run(name, func(t *testing.T) {
			id := store.NewID()
			key := prefix + store.HashID(id)
			expires := time.Now().Add(time.Hour).Truncate(time.Millisecond)
			if err := c.Set(ctx, key, c2.val, 0).Err(); err != nil {
				t.Fatal(err)
			}
			if err := c.PExpireAt(ctx, key, expires).Err(); err != nil {
				t.Fatal(err)
			}
			got, err := s.Load(ctx, id)
			if err != nil || string(got.Data) != "data" || got.Version != 7 || !got.Created.Equal(created) ||
				!got.Expires.Equal(expires) || got.UserID != c2.user || got.IPAddress != c2.ip {
				t.Fatalf("Load = %+v, %v", got, err)
			}
			later := expires.Add(time.Hour)
			if err := s.Touch(ctx, id, later); err != nil {
				t.Fatal(err)
			}
			if got, err := s.Load(ctx, id); err != nil || !got.Expires.Equal(later) {
				t.Fatalf("Load after Touch: %v, %v; want %v", got.Expires, err, later)
			}
			got.ID = id
			if _, v, err := s.SaveIf(ctx, got); err != nil || v != 8 {
				t.Fatalf("SaveIf over the old value = v%d, %v; want v8", v, err)
			}
			if val, _ := c.Get(ctx, key).Bytes(); len(val) == 0 || val[0] != 5 {
				t.Fatalf("saved again as %q, want format 5", val)
			}
		})
	}
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
