package codec_test

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"net/netip"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/codec"
)

type roundTripCase struct {
	name string
	in   any
	want any // in when nil and wantSet is false
}

func roundTripCases() []roundTripCase {
	now := time.Now()
	nested := map[string]any{
		"list": []any{
			map[string]any{"roles": []string{"a", "b"}, "none": []string(nil)},
			[]any{uint8(1), int16(-2), nil, "x", []byte{0}},
			map[string][]string{"q": {"1", "2"}},
		},
		"empty": map[string]any{},
		"nil":   map[string]any(nil),
		"when":  time.Date(2024, 2, 29, 12, 0, 0, 1, time.UTC),
		"nan":   math.NaN(),
	}
	return []roundTripCase{
		{name: "nil", in: nil},
		{name: "string/empty", in: ""},
		{name: "string", in: "Ada Lovelace"},
		{name: "string/invalid-utf8", in: "\xff\xfe\x00a\xc3"},
		{name: "string/long", in: strings.Repeat("x", 70000)},
		{name: "bool/true", in: true},
		{name: "bool/false", in: false},
		{name: "int/zero", in: 0},
		{name: "int/neg", in: -1},
		{name: "int/max", in: math.MaxInt},
		{name: "int/min", in: math.MinInt},
		{name: "int8/min", in: int8(math.MinInt8)},
		{name: "int8/max", in: int8(math.MaxInt8)},
		{name: "int16/min", in: int16(math.MinInt16)},
		{name: "int16/max", in: int16(math.MaxInt16)},
		{name: "int32/min", in: int32(math.MinInt32)},
		{name: "int32/max", in: int32(math.MaxInt32)},
		{name: "int64/min", in: int64(math.MinInt64)},
		{name: "int64/max", in: int64(math.MaxInt64)},
		{name: "uint/zero", in: uint(0)},
		{name: "uint/42", in: uint(42)},
		{name: "uint/max", in: uint(math.MaxUint)},
		{name: "uint8/max", in: uint8(math.MaxUint8)},
		{name: "uint16/max", in: uint16(math.MaxUint16)},
		{name: "uint32/max", in: uint32(math.MaxUint32)},
		{name: "uint64/max", in: uint64(math.MaxUint64)},
		{name: "float32/pi", in: float32(math.Pi)},
		{name: "float32/nan", in: math.Float32frombits(0x7fc00001)},
		{name: "float32/-0", in: float32(math.Copysign(0, -1))},
		{name: "float32/+inf", in: float32(math.Inf(1))},
		{name: "float32/-inf", in: float32(math.Inf(-1))},
		{name: "float32/denormal", in: math.Float32frombits(1)},
		{name: "float64/pi", in: math.Pi},
		{name: "float64/nan", in: math.Float64frombits(0x7ff8000000000abc)},
		{name: "float64/-0", in: math.Copysign(0, -1)},
		{name: "float64/+inf", in: math.Inf(1)},
		{name: "float64/-inf", in: math.Inf(-1)},
		{name: "float64/max", in: math.MaxFloat64},
		{name: "time/utc", in: time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC)},
		{name: "time/zero", in: time.Time{}},
		{name: "time/offset", in: time.Date(2025, 1, 2, 3, 4, 5, 6, time.FixedZone("CET", 3600))},
		{name: "time/offset-seconds", in: time.Date(1900, 1, 1, 0, 0, 0, 0, time.FixedZone("LMT", 3601))},
		{name: "time/now", in: now, want: now.Round(0)},
		{name: "bytes/nil", in: []byte(nil)},
		{name: "bytes/empty", in: []byte{}},
		{name: "bytes", in: []byte{0, 1, 0xff}},
		{name: "strings/nil", in: []string(nil)},
		{name: "strings/empty", in: []string{}},
		{name: "strings", in: []string{"admin", "", "\xff"}},
		{name: "slice/nil", in: []any(nil)},
		{name: "slice/empty", in: []any{}},
		{name: "slice", in: []any{nil, 1, "a", uint64(2), []string{}, []any{}, float32(1.5)}},
		{name: "stringmap/nil", in: map[string]string(nil)},
		{name: "stringmap/empty", in: map[string]string{}},
		{name: "stringmap", in: map[string]string{"b": "2", "a": "1", "": ""}},
		{name: "stringsmap/nil", in: map[string][]string(nil)},
		{name: "stringsmap/empty", in: map[string][]string{}},
		{name: "stringsmap", in: map[string][]string{"nil": nil, "empty": {}, "x": {"1", "2"}}},
		{name: "map/nil", in: map[string]any(nil)},
		{name: "map/empty", in: map[string]any{}},
		{name: "map/nested", in: nested},
		{name: "registered/json", in: point{X: 1, Y: -2, Label: "p"}},
		{name: "registered/binary", in: addr{netip.MustParseAddr("192.0.2.1")}},
		{name: "registered/nested", in: []any{point{}, map[string]any{"a": addr{netip.IPv6Loopback()}}}},
	}
}

func TestRoundTrip(t *testing.T) {
	for _, tc := range roundTripCases() {
		t.Run(tc.name, func(t *testing.T) {
			want := tc.want
			if want == nil {
				want = tc.in
			}
			data, err := codec.Encode(map[string]any{"k": tc.in})
			if err != nil {
				t.Fatalf("Encode: %v", err)
			}
			got := map[string]any{}
			if err := codec.Decode(data, got, nil); err != nil {
				t.Fatalf("Decode: %v", err)
			}
			v, ok := got["k"]
			if !ok || len(got) != 1 {
				t.Fatalf("Decode gave %v, want one entry k", got)
			}
			if gt, wt := typeName(v), typeName(want); gt != wt {
				t.Fatalf("type %s, want %s", gt, wt)
			}
			if !equal(v, want) {
				t.Fatalf("value %#v, want %#v", v, want)
			}
		})
	}
}

func typeName(v any) string { return fmt.Sprintf("%T", v) }

func TestRoundTripAllInOneSession(t *testing.T) {
	in := map[string]any{}
	for _, tc := range roundTripCases() {
		if tc.want == nil {
			in[tc.name] = tc.in
		}
	}
	data, err := codec.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	if err := codec.Decode(data, got, nil); err != nil {
		t.Fatal(err)
	}
	if !equal(got, in) {
		t.Fatalf("session did not round-trip")
	}
}

func TestTimeKeepsLocation(t *testing.T) {
	in := time.Date(2025, 6, 1, 10, 0, 0, 0, time.UTC)
	got := decodeOne(t, in).(time.Time)
	if got.Location() != time.UTC {
		t.Errorf("location %v, want UTC", got.Location())
	}
	in = time.Date(2025, 6, 1, 10, 0, 0, 0, time.FixedZone("X", -5*3600))
	got = decodeOne(t, in).(time.Time)
	if _, off := got.Zone(); off != -5*3600 || !got.Equal(in) {
		t.Errorf("got %v, want %v", got, in)
	}
}

func decodeOne(t *testing.T, v any) any {
	t.Helper()
	data, err := codec.AppendEntry(codec.AppendHeader(nil, 1), "k", v)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	if err := codec.Decode(data, got, nil); err != nil {
		t.Fatal(err)
	}
	return got["k"]
}

type (
	UserID uint
	Roles  []string
	Flags  map[string]any
)

func TestUnsupported(t *testing.T) {
	n := 1
	cases := []struct {
		name     string
		in       any
		wantType string
	}{
		{"named-uint", UserID(1), "codec_test.UserID"},
		{"named-slice", Roles{"a"}, "codec_test.Roles"},
		{"named-map", Flags{}, "codec_test.Flags"},
		{"pointer", &n, "*int"},
		{"nil-pointer", (*point)(nil), "*codec_test.point"},
		{"struct", struct{ A int }{1}, "struct { A int }"},
		{"map-string-int", map[string]int{}, "map[string]int"},
		{"map-int-string", map[int]string{}, "map[int]string"},
		{"ints", []int{1}, "[]int"},
		{"complex", complex(1, 2), "complex128"},
		{"func", func() {}, "func()"},
		{"chan", make(chan int), "chan int"},
		{"uintptr", uintptr(1), "uintptr"},
		{"in-slice", []any{1, UserID(2)}, "codec_test.UserID"},
		{"in-map", map[string]any{"a": map[string]any{"b": Roles(nil)}}, "codec_test.Roles"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			prefix := []byte("prefix")
			out, err := codec.AppendEntry(prefix, "the_key", tc.in)
			if !errors.Is(err, codec.ErrUnsupported) {
				t.Fatalf("AppendEntry error %v, want ErrUnsupported", err)
			}
			if msg := err.Error(); !strings.Contains(msg, `"the_key"`) || !strings.Contains(msg, tc.wantType) {
				t.Errorf("error %q does not name the key and type %s", msg, tc.wantType)
			}
			if !bytes.Equal(out, prefix) {
				t.Errorf("AppendEntry changed dst on error: %q", out)
			}
			if _, err := codec.Encode(map[string]any{"ok": 1, "the_key": tc.in}); !errors.Is(err, codec.ErrUnsupported) {
				t.Errorf("Encode error %v, want ErrUnsupported", err)
			}
		})
	}
}

func TestEncodeTooDeep(t *testing.T) {
	var v any = "leaf"
	for range 33 {
		v = []any{v}
	}
	if _, err := codec.Encode(map[string]any{"deep": v}); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatalf("error %v, want ErrUnsupported", err)
	}
	self := map[string]any{}
	self["self"] = self
	if _, err := codec.Encode(map[string]any{"cycle": self}); !errors.Is(err, codec.ErrUnsupported) {
		t.Fatalf("cycle: error %v, want ErrUnsupported", err)
	}
	v = "leaf"
	for range 32 {
		v = map[string]any{"x": v}
	}
	if got := decodeOne(t, v); !equal(got, v) {
		t.Fatal("32 levels did not round-trip")
	}
}

func sampleSession() map[string]any {
	return map[string]any{
		"user_id":                    uint(42),
		"name":                       "Ada Lovelace",
		"roles":                      []string{"admin", "editor"},
		"csrf":                       "0123456789abcdef0123456789abcdef",
		"_session:flash:new:success": "Saved.",
		"prefs":                      map[string]any{"theme": "dark", "size": int8(3), "tags": []any{"a", 1.5}},
		"form":                       map[string][]string{"email": {"ada@example.com"}, "z": nil, "a": {}},
		"labels":                     map[string]string{"b": "2", "a": "1"},
		"at":                         time.Date(2025, 1, 2, 3, 4, 5, 6, time.UTC),
		"where":                      point{X: 3, Y: 4},
	}
}

func TestRawSpans(t *testing.T) {
	data, err := codec.Encode(sampleSession())
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	raw := map[string][]byte{}
	if err := codec.Decode(data, got, raw); err != nil {
		t.Fatal(err)
	}
	if len(raw) != len(got) {
		t.Fatalf("%d raw spans for %d entries", len(raw), len(got))
	}
	for k, v := range got {
		want, err := codec.AppendEntry(nil, k, v)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(raw[k], want) {
			t.Errorf("raw[%q] = %x, want %x", k, raw[k], want)
		}
		if cap(raw[k]) != len(raw[k]) {
			t.Errorf("raw[%q] has spare capacity %d", k, cap(raw[k])-len(raw[k]))
		}
	}
}

func TestDecodeDoesNotAlias(t *testing.T) {
	in := map[string]any{"s": "string", "b": []byte("bytes"), "l": []string{"x"}, "m": map[string]string{"k": "v"}}
	data, err := codec.Encode(in)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{}
	if err := codec.Decode(data, got, nil); err != nil {
		t.Fatal(err)
	}
	clear(data)
	if !equal(got, in) {
		t.Fatalf("decoded values changed with the data: %v", got)
	}
}

func TestDeterministic(t *testing.T) {
	big := map[string]any{}
	bigStrings := map[string]string{}
	for i := range 40 {
		k := string(rune('a'+i%26)) + strings.Repeat("k", i)
		big[k] = map[string]any{"x": i, "y": []any{k}}
		bigStrings[k] = k
	}
	s := sampleSession()
	s["big"] = big
	s["bigStrings"] = bigStrings
	first, err := codec.Encode(s)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 100 {
		again, err := codec.Encode(s)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, again) {
			t.Fatalf("run %d encoded differently", i)
		}
		got := map[string]any{}
		if err := codec.Decode(again, got, nil); err != nil {
			t.Fatal(err)
		}
		re, err := codec.Encode(got)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(first, re) {
			t.Fatalf("run %d: decoded value re-encoded differently", i)
		}
	}
}

func TestEmpty(t *testing.T) {
	for _, data := range [][]byte{nil, {}} {
		got := map[string]any{}
		if err := codec.Decode(data, got, nil); err != nil || len(got) != 0 {
			t.Errorf("Decode(%v) = %v, %v", data, got, err)
		}
	}
	data, err := codec.Encode(nil)
	if err != nil || !bytes.Equal(data, []byte{codec.Version, 0}) {
		t.Fatalf("Encode(nil) = %x, %v", data, err)
	}
	if err := codec.Decode(data, nil, nil); err != nil {
		t.Fatalf("Decode of no entries into nil map: %v", err)
	}
}

func TestDecodeKeepsExistingEntries(t *testing.T) {
	data, err := codec.Encode(map[string]any{"a": 1})
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]any{"a": 0, "b": 2}
	if err := codec.Decode(data, got, nil); err != nil {
		t.Fatal(err)
	}
	if !equal(got, map[string]any{"a": 1, "b": 2}) {
		t.Fatalf("got %v", got)
	}
}

// TestDecodeOwnedCopiesBytesValues: DecodeOwned's strings share the data
// it was given, but its []byte values are copies: changing one never
// changes data (which the manager compares later).
func TestDecodeOwnedCopiesBytesValues(t *testing.T) {
	data, err := codec.Encode(map[string]any{"name": "Ada", "token": []byte{1, 2, 3}})
	if err != nil {
		t.Fatal(err)
	}
	before := bytes.Clone(data)
	got := map[string]any{}
	if err := codec.DecodeOwned(data, got, new([]codec.Entry)); err != nil {
		t.Fatal(err)
	}
	if got["name"] != "Ada" {
		t.Fatalf("name = %v", got["name"])
	}
	got["token"].([]byte)[0] = 9
	if !bytes.Equal(data, before) {
		t.Fatal("changing a decoded []byte value changed the data")
	}
	entries := make([]codec.Entry, 0, 2)
	into := map[string]any{}
	owned := testing.AllocsPerRun(100, func() { _ = codec.DecodeOwned(data, into, &entries); entries = entries[:0] })
	copied := testing.AllocsPerRun(100, func() { _ = codec.Decode(data, into, nil) })
	if n := owned; n >= copied {
		t.Errorf("DecodeOwned allocates %v times, no fewer than Decode", n)
	}
}

// TestSameImpliesTheSameEncoding: whenever Same says two values need no
// encoding to compare, they encode alike; values that only look alike (0
// and -0, 1 as int and as int64, a string and its []byte) are not Same.
func TestSameImpliesTheSameEncoding(t *testing.T) {
	negZero := math.Copysign(0, -1)
	values := []any{"", "a", "ab", true, false, 0, 1, -1, int8(1), int16(1), int32(1), int64(1),
		uint(1), uint8(1), uint16(1), uint32(1), uint64(1), 0.0, negZero, 1.5, math.NaN(), math.Inf(1),
		float32(0), float32(negZero), []byte("a"), []string{"a"}, nil, time.Unix(0, 0)}
	for _, a := range values {
		for _, b := range values {
			if !codec.Same(a, b) {
				continue
			}
			ea, errA := codec.AppendEntry(nil, "k", a)
			eb, errB := codec.AppendEntry(nil, "k", b)
			if errA != nil || errB != nil || !bytes.Equal(ea, eb) {
				t.Errorf("Same(%#v, %#v), but they encode to %x and %x", a, b, ea, eb)
			}
		}
	}
	for _, pair := range [][2]any{{0.0, negZero}, {1, int64(1)}, {"a", []byte("a")}, {[]string{"a"}, []string{"a"}}} {
		if codec.Same(pair[0], pair[1]) {
			t.Errorf("Same(%#v, %#v) is true", pair[0], pair[1])
		}
	}
}
