package filestore

import (
	"bytes"
	"testing"
	"time"
)

// FuzzDecode checks that no file contents make decode panic, and that
// whatever it accepts re-encodes to the same bytes.
func FuzzDecode(f *testing.F) {
	now := time.Unix(0, 1_900_000_000_123_456_789)
	f.Add(encode([]byte("hello"), now, now.Add(time.Hour)))
	f.Add(encode(nil, time.Time{}, now))
	f.Add([]byte("SESS"))
	f.Fuzz(func(t *testing.T, b []byte) {
		h, data, err := decode(b)
		if err != nil {
			return
		}
		if again := encode(data, h.created, h.expires); !bytes.Equal(again, b) {
			t.Fatalf("decode accepted %x, which encodes back as %x", b, again)
		}
	})
}
