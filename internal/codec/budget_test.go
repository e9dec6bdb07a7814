package codec_test

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
)

// allocated returns the bytes the Go runtime allocated while f ran.
func allocated(f func()) int64 {
	sample := []metrics.Sample{{Name: "/gc/heap/allocs:bytes"}}
	runtime.GC()
	metrics.Read(sample)
	before := sample[0].Value.Uint64()
	f()
	metrics.Read(sample)
	return int64(sample[0].Value.Uint64() - before)
}

// hostile are inputs built to make a decoder allocate far more than their
// size: containers that declare as many elements as the rest of the input
// could hold, nested; many tiny containers; a lying top-level count.
func hostile() map[string][]byte {
	in := map[string][]byte{}
	nestedSlices := entry()
	for range 31 {
		nestedSlices = append(nestedSlices, tagSlice, 0x81, 0x08) // 1024 elements each
	}
	in["31 nested slices claiming the rest"] = append(nestedSlices, make([]byte, 1024)...)
	nestedMaps := entry()
	for range 31 {
		nestedMaps = append(nestedMaps, tagMap, 0xa1, 0x01) // 160 entries each
	}
	in["31 nested maps claiming the rest"] = append(nestedMaps, make([]byte, 320)...)
	tiny := cat(entry(tagSlice), []byte{0xd1, 0x0f}) // 2000 elements
	for range 2000 {
		tiny = append(tiny, tagSlice, 1) // an empty []any: 2 bytes, a slice header to box
	}
	in["2000 empty slices"] = tiny
	manyMaps := cat(entry(tagSlice), []byte{0xe9, 0x07}) // 1000 elements
	for range 1000 {
		manyMaps = append(manyMaps, tagMap, 1) // an empty map: 2 bytes, a map to make
	}
	in["1000 empty maps"] = manyMaps
	top := []byte{codec.Version, 0xd0, 0x0f} // 2000 entries
	for i := range 2000 {
		top = append(top, 2, byte('a'+i%26), byte('a'+i/26), tagNil)
	}
	in["2000 tiny top-level entries"] = top
	in["a lying top-level count"] = cat([]byte{codec.Version, 0xff, 0xff, 0xff, 0xff, 0x0f}, make([]byte, 100))
	return in
}

// corpus returns the fuzz corpus of FuzzDecode.
func corpus(t *testing.T) map[string][]byte {
	t.Helper()
	files, err := filepath.Glob("testdata/fuzz/FuzzDecode/*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no fuzz corpus: %v", err)
	}
	out := map[string][]byte{}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		_, lit, _ := strings.Cut(string(b), "[]byte(")
		s, err := strconv.Unquote(strings.TrimSuffix(strings.TrimSpace(lit), ")"))
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		out["corpus/"+filepath.Base(f)] = []byte(s)
	}
	return out
}

// TestDecodeAllocatesWithinItsBudget: whatever the input, hostile or from
// the fuzz corpus, Decode allocates at most Budget(len(data)), 16 bytes a
// byte and 4 KiB (give or take the error it returns).
func TestDecodeAllocatesWithinItsBudget(t *testing.T) {
	cases := hostile()
	for name, data := range corpus(t) {
		cases[name] = data
	}
	cases["a real session"], _ = codec.Encode(sampleSession())
	for name, data := range cases {
		var err error
		// into and raw are the caller's, made big enough beforehand.
		into, raw := make(map[string]any, 4096), make(map[string][]byte, 4096)
		n := allocated(func() { err = codec.Decode(data, into, raw) })
		limit := codec.Budget(len(data)) + 1<<10 // the error message
		if n > limit {
			t.Errorf("%s: Decode of %d bytes allocated %d bytes, over its budget of %d (err %v)", name, len(data), n, codec.Budget(len(data)), err)
		}
		if strings.HasPrefix(name, "corpus/") || name == "a real session" || name == "2000 tiny top-level entries" {
			continue
		}
		if !errors.Is(err, codec.ErrMalformed) {
			t.Errorf("%s: Decode = %v, want it refused as malformed", name, err)
		}
	}
}

// TestEncodeRefusesWhatDecodeWouldRefuse: data whose decoding would go
// over the budget is ErrTooLarge at Encode, and what Encode accepts
// decodes.
func TestEncodeRefusesWhatDecodeWouldRefuse(t *testing.T) {
	empties := make([]any, 5000)
	for i := range empties {
		empties[i] = []any{}
	}
	if _, err := codec.Encode(map[string]any{"k": empties}); !errors.Is(err, codec.ErrTooLarge) {
		t.Fatalf("Encode of 5000 empty slices: %v, want ErrTooLarge", err)
	}
	var buf []byte
	var cost int64
	buf = codec.AppendHeader(buf, 1)
	buf, err := codec.AppendEntryCost(buf, "k", empties, &cost)
	if err != nil || !errors.Is(codec.CheckBudget(cost, len(buf)), codec.ErrTooLarge) {
		t.Fatalf("AppendEntryCost + CheckBudget did not refuse it: %v", err)
	}
	if err := codec.Decode(buf, map[string]any{}, nil); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("Decode of what Encode refuses: %v", err)
	}
	for _, n := range []int{1, 10, 100} {
		data, err := codec.Encode(map[string]any{"k": empties[:n]})
		if err != nil {
			t.Fatalf("%d empty slices: %v", n, err)
		}
		if err := codec.Decode(data, map[string]any{}, nil); err != nil {
			t.Fatalf("%d empty slices do not decode: %v", n, err)
		}
	}
	big := map[string]any{"blob": bytes.Repeat([]byte("x"), 1<<20), "names": make([]string, 1000)}
	data, err := codec.Encode(big)
	if err != nil {
		t.Fatalf("a large ordinary session: %v", err)
	}
	if err := codec.Decode(data, map[string]any{}, nil); err != nil {
		t.Fatal(err)
	}
}
