package filestore

import (
	"bytes"
	"context"
	"encoding/binary"
	"hash/crc32"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/nanotime"
	"github.com/seed-699a33a2/session/store"
)

// FuzzDecode checks that no file contents make decode panic, and that
// whatever it accepts re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	now := time.Unix(0, 1_900_000_000_123_456_789)
	f.Add(encode([]byte("hello"), now, now.Add(time.Hour), 3, "user-42"))
	f.Add(encode(nil, time.Time{}, now, 1, ""))
	f.Add([]byte("SESS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, data, err := decode(b)
		if err != nil {
			return
		}
		if b[4] != format {
			return // an older format: re-encoding upgrades it
		}
		if again := encode(data, h.created, h.expires, h.version, h.user); !bytes.Equal(again, b) {
			t.Fatalf("decode accepted %x, which encodes back as %x", b, again)
		}
	})
}

// encodeFormat1 writes a file as the first release of the store did.
func encodeFormat1(data []byte, created, expires time.Time) []byte {
	buf := make([]byte, headerLen1+len(data)+crcLen)
	copy(buf, magic)
	buf[4] = 1
	binary.BigEndian.PutUint64(buf[8:], uint64(nanotime.From(created)))
	binary.BigEndian.PutUint64(buf[16:], uint64(nanotime.From(expires)))
	binary.BigEndian.PutUint32(buf[24:], uint32(len(data)))
	copy(buf[headerLen1:], data)
	n := headerLen1 + len(data)
	binary.BigEndian.PutUint32(buf[n:], crc32.Checksum(buf[:n], castagnoli))
	return buf
}

func TestFormat1StillReads(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	for _, data := range [][]byte{nil, []byte("old session")} {
		h, got, err := decode(encodeFormat1(data, now, now.Add(time.Hour)))
		if err != nil || !bytes.Equal(got, data) || h.version != 1 || !h.expires.Equal(now.Add(time.Hour)) {
			t.Fatalf("format 1 file: %+v %q %v", h, got, err)
		}
	}
	dir := t.TempDir()
	s, err := New(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	id := store.NewID()
	if err := os.WriteFile(filepath.Join(dir, name(id)), encodeFormat1([]byte("x"), now, now.Add(time.Hour)), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := s.Load(context.Background(), id)
	if err != nil || r.Version != 1 || string(r.Data) != "x" {
		t.Fatalf("Load of a format 1 file: %+v, %v", r, err)
	}
	r.Data = []byte("y")
	if _, v, err := s.SaveIf(context.Background(), r); err != nil || v != 2 {
		t.Fatalf("SaveIf over a format 1 file = %d, %v", v, err)
	}
	if n, err := s.DeleteExpired(context.Background()); err != nil || n != 0 {
		t.Fatalf("DeleteExpired = %d, %v", n, err)
	}
}
