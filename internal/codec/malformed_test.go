package codec_test

import (
	"bytes"
	"errors"
	"runtime"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
)

// Wire tags, repeated here because the tests pin the format.
const (
	tagNil        = 0
	tagString     = 3
	tagInt8       = 5
	tagUint       = 9
	tagFloat64    = 15
	tagTime       = 16
	tagBytes      = 17
	tagStrings    = 18
	tagSlice      = 19
	tagStringMap  = 20
	tagMap        = 22
	tagRegistered = 23
)

// entry returns an encoding with one entry "k" whose value is the given bytes.
func entry(value ...byte) []byte {
	return append([]byte{codec.Version, 1, 1, 'k'}, value...)
}

func cat(parts ...[]byte) []byte { return bytes.Join(parts, nil) }

func str(s string) []byte { return append([]byte{byte(len(s))}, s...) }

func TestMalformed(t *testing.T) {
	huge := []byte{0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}
	deep := entry()
	for range 33 {
		deep = append(deep, tagSlice, 2)
	}
	deep = append(deep, tagNil)
	bomb := entry(bytes.Repeat([]byte{tagSlice, 2}, 1<<20)...)
	cases := []struct {
		name string
		data []byte
	}{
		{"version-0", []byte{0, 0}},
		{"version-2", []byte{2, 0}},
		{"version-255", []byte{255, 0}},
		{"no-count", []byte{codec.Version}},
		{"count-huge", cat([]byte{codec.Version}, huge)},
		{"count-too-big", []byte{codec.Version, 2, 1, 'k', tagNil}},
		{"count-overflow", []byte{codec.Version, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01}},
		{"count-overlong", []byte{codec.Version, 0x80, 0x00}},
		{"trailing", append(entry(tagNil), 0)},
		{"trailing-garbage", append(entry(tagNil), "garbage"...)},
		{"key-huge", cat([]byte{codec.Version, 1}, huge, []byte{tagNil})},
		{"unknown-tag", entry(200)},
		{"tag-24", entry(24)},
		{"string-huge", cat(entry(tagString), huge)},
		{"string-too-long", entry(tagString, 5, 'a')},
		{"bytes-huge", cat(entry(tagBytes), huge)},
		{"strings-huge", cat(entry(tagStrings), huge)},
		{"strings-count-exceeds", entry(tagStrings, 100, 0)},
		{"slice-huge", cat(entry(tagSlice), huge)},
		{"map-huge", cat(entry(tagMap), huge)},
		{"stringmap-huge", cat(entry(tagStringMap), huge)},
		{"deep", deep},
		{"nesting-bomb", bomb},
		{"varint-overlong", entry(tagUint, 0x80, 0x00)},
		{"varint-overflow", entry(tagUint, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x02)},
		{"int8-out-of-range", entry(tagInt8, 0x80, 0x02)},
		{"float-truncated", entry(tagFloat64, 1, 2, 3)},
		{"map-unsorted", cat(entry(tagMap, 3), str("b"), []byte{tagNil}, str("a"), []byte{tagNil})},
		{"map-duplicate", cat(entry(tagMap, 3), str("a"), []byte{tagNil}, str("a"), []byte{tagNil})},
		{"stringmap-unsorted", cat(entry(tagStringMap, 3), str("b"), str(""), str("a"), str(""))},
		{"time-garbage", entry(tagTime, 3, 1, 2, 3)},
		{"time-non-canonical", entry(tagTime, 16, 2, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0)},
		{"registered-unknown", cat(entry(tagRegistered), str("nope"), str("{}"))},
		{"registered-bad-payload", cat(entry(tagRegistered), str("codec_test.point"), str("{"))},
		{"registered-non-canonical", cat(entry(tagRegistered), str("codec_test.point"), str(`{ "X":1,"Y":0,"Label":""}`))},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			err := codec.Decode(tc.data, map[string]any{}, map[string][]byte{})
			if !errors.Is(err, codec.ErrMalformed) {
				t.Fatalf("Decode error %v, want ErrMalformed", err)
			}
		})
	}
}

func TestMalformedMessages(t *testing.T) {
	err := codec.Decode(cat(entry(tagRegistered), str("nope"), str("{}")), map[string]any{}, nil)
	if err == nil || !strings.Contains(err.Error(), `type name "nope" not registered`) {
		t.Errorf("error %v does not name the unregistered type", err)
	}
	err = codec.Decode([]byte{7, 0}, map[string]any{}, nil)
	if err == nil || !strings.Contains(err.Error(), "version 7") {
		t.Errorf("error %v does not name the version", err)
	}
}

func TestTruncated(t *testing.T) {
	data, err := codec.Encode(sampleSession())
	if err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(data); i++ {
		err := codec.Decode(data[:i], map[string]any{}, map[string][]byte{})
		if !errors.Is(err, codec.ErrMalformed) {
			t.Fatalf("prefix of %d of %d bytes: error %v, want ErrMalformed", i, len(data), err)
		}
	}
}

// TestCorrupted flips every byte of a valid encoding to several values:
// Decode must not panic, and what it accepts must be canonical.
func TestCorrupted(t *testing.T) {
	data, err := codec.Encode(sampleSession())
	if err != nil {
		t.Fatal(err)
	}
	bad := bytes.Clone(data)
	for i := range bad {
		for _, b := range []byte{0, 1, 0x7f, 0x80, 0xff, data[i] + 1, data[i] - 1} {
			bad[i] = b
			checkDecode(t, bad)
		}
		bad[i] = data[i]
	}
}

// TestHostileAllocation checks that declared lengths cannot make Decode
// allocate more than the input justifies.
func TestHostileAllocation(t *testing.T) {
	inputs := [][]byte{
		cat(entry(tagBytes), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}),
		cat(entry(tagSlice), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}),
		cat(entry(tagMap), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}),
		cat(entry(tagStrings), []byte{0xff, 0xff, 0xff, 0xff, 0x0f}),
		cat([]byte{codec.Version, 0xff, 0xff, 0xff, 0xff, 0x0f}),
	}
	for _, data := range inputs {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		for range 10 {
			_ = codec.Decode(data, map[string]any{}, nil)
		}
		runtime.ReadMemStats(&after)
		if n := after.TotalAlloc - before.TotalAlloc; n > 1<<20 {
			t.Errorf("Decode(%x) allocated %d bytes", data, n)
		}
	}
}

// TestLyingCounts nests containers that each declare as many elements as
// the rest of the input could hold: the allocations must not multiply with
// the nesting depth.
func TestLyingCounts(t *testing.T) {
	const size = 1 << 18
	count := []byte{0x81, 0x80, 0x10} // 1<<18 + 1: a non-nil slice of 1<<18 elements
	data := entry()
	for range 31 {
		data = append(data, tagSlice)
		data = append(data, count...)
	}
	data = append(data, make([]byte, size)...) // nils
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	err := codec.Decode(data, map[string]any{}, nil)
	runtime.ReadMemStats(&after)
	if !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("error %v, want ErrMalformed", err)
	}
	if n := after.TotalAlloc - before.TotalAlloc; n > 64*size {
		t.Errorf("Decode of %d bytes allocated %d bytes", len(data), n)
	}
}
