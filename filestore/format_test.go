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
	f.Add(encode(store.Record{Data: []byte("hello"), Created: now, Expires: now.Add(time.Hour), UserID: "user-42",
		IPAddress: "203.0.113.7", UserAgent: "Mozilla/5.0"}, 3))
	f.Add(encode(store.Record{Expires: now}, 1))
	f.Add([]byte("SESS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, data, _, err := decode(b)
		if err != nil {
			return
		}
		if b[4] != format {
			return // an older format: re-encoding upgrades it
		}
		if again := encode(h.record(data), h.version); !bytes.Equal(again, b) {
			t.Fatalf("decode accepted %x, which encodes back as %x", b, again)
		}
	})
}

// FuzzDecodeSlotted checks that no slotted file makes decode panic, and
// that the record it accepts is one of the file's slots, byte for byte,
// and the newest whole one.
func FuzzDecodeSlotted(f *testing.F) {
	now := time.Unix(0, 1_900_000_000_123_456_789)
	first := encode(store.Record{Data: []byte("first"), Created: now, Expires: now.Add(time.Hour), UserID: "u"}, 1)
	file := slotted(first)
	f.Add(file)
	two := append(bytes.Clone(file), make([]byte, fileHeaderLen+slotCap(len(first))-len(file))...)
	f.Add(append(two, encode(store.Record{Data: []byte("second"), Created: now, Expires: now.Add(time.Hour)}, 2)...))
	f.Add(file[:fileHeaderLen])
	f.Fuzz(func(t *testing.T, b []byte) {
		if !isSlotted(b) {
			return
		}
		h, data, _, err := decode(b)
		if err != nil {
			return
		}
		v, _ := decodeSlotted(b)
		off := fileHeaderLen + v.slot*v.capacity
		again := encode(h.record(data), h.version)
		if b[off+4] == format && !bytes.Equal(again, b[off:off+len(again)]) {
			t.Fatalf("decode accepted slot %d of %x, which encodes back as %x", v.slot, b, again)
		}
		other := fileHeaderLen + (1-v.slot)*v.capacity
		if other < len(b) {
			if oh, _, err := decodeRecord(b[other:min(other+v.capacity, len(b))], false); err == nil && oh.version > h.version {
				t.Fatalf("decode chose version %d over the other slot's %d", h.version, oh.version)
			}
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
		h, got, _, err := decode(encodeFormat1(data, now, now.Add(time.Hour)))
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

// encodeFormat2 writes a file as the releases before format 3 did: a
// version and a user ID, no IP address or user agent.
func encodeFormat2(data []byte, created, expires time.Time, version uint64, user string) []byte {
	size := headerLen2 + len(user)
	buf := make([]byte, size+len(data)+crcLen)
	copy(buf, magic)
	buf[4] = 2
	binary.BigEndian.PutUint64(buf[8:], uint64(nanotime.From(created)))
	binary.BigEndian.PutUint64(buf[16:], uint64(nanotime.From(expires)))
	binary.BigEndian.PutUint32(buf[24:], uint32(len(data)))
	binary.BigEndian.PutUint64(buf[28:], version)
	binary.BigEndian.PutUint16(buf[36:], uint16(len(user)))
	copy(buf[headerLen2:], user)
	copy(buf[size:], data)
	n := size + len(data)
	binary.BigEndian.PutUint32(buf[n:], crc32.Checksum(buf[:n], castagnoli))
	return buf
}

func TestFormat2StillReads(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	dir := t.TempDir()
	s, err := New(dir, Options{Now: func() time.Time { return now }})
	if err != nil {
		t.Fatal(err)
	}
	id := store.NewID()
	if err := os.WriteFile(filepath.Join(dir, name(id)), encodeFormat2([]byte("x"), now, now.Add(time.Hour), 7, "alice"), 0o600); err != nil {
		t.Fatal(err)
	}
	r, err := s.Load(context.Background(), id)
	if err != nil || r.Version != 7 || string(r.Data) != "x" || r.UserID != "alice" || r.IPAddress != "" {
		t.Fatalf("Load of a format 2 file: %+v, %v", r, err)
	}
	r.IPAddress, r.UserAgent = "203.0.113.7", "Mozilla/5.0"
	if _, v, err := s.SaveIf(context.Background(), r); err != nil || v != 8 {
		t.Fatalf("SaveIf over a format 2 file = %d, %v", v, err)
	}
	if got, err := s.Load(context.Background(), id); err != nil || got.UserAgent != "Mozilla/5.0" || got.IPAddress != "203.0.113.7" {
		t.Fatalf("after the save in format 3: %+v, %v", got, err)
	}
}

// TestDecodeSlottedReportsATornSlot: a slot in the file that holds no whole
// record beside one that does is reported (readers read such a file again),
// and the whole one is the session; a slot not yet written is not torn.
func TestDecodeSlottedReportsATornSlot(t *testing.T) {
	now := time.Unix(1_900_000_000, 0)
	first := encode(store.Record{Data: []byte("first"), Created: now, Expires: now.Add(time.Hour)}, 1)
	second := encode(store.Record{Data: []byte("second"), Created: now, Expires: now.Add(time.Hour)}, 2)
	one := slotted(first)
	c := slotCap(len(first))
	both := make([]byte, fileHeaderLen+c+len(second))
	copy(both, one)
	copy(both[fileHeaderLen+c:], second)
	torn := bytes.Clone(both)
	torn[len(torn)-5] ^= 0xff // the second record, cut by a write under way
	for _, tc := range []struct {
		name     string
		b        []byte
		data     string
		wantTorn bool
	}{
		{"one slot written", one, "first", false},
		{"both slots whole", both, "second", false},
		{"the newer slot torn", torn, "first", true},
		{"the newer slot cut short", both[:len(both)-3], "first", true},
	} {
		v, err := decodeSlotted(tc.b)
		if err != nil || string(v.data) != tc.data || v.torn != tc.wantTorn {
			t.Errorf("%s: data %q, torn %v, err %v; want %q, torn %v", tc.name, v.data, v.torn, err, tc.data, tc.wantTorn)
		}
	}
}
