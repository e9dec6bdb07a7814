package codec_test

import (
	"bytes"
	"errors"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
)

// FuzzDecode checks that Decode never panics, that every error wraps
// ErrMalformed, and that whatever it accepts is canonical: each raw span is
// the encoding of its decoded value, and re-encoding then decoding again
// gives an equal session.
func FuzzDecode(f *testing.F) {
	for _, tc := range roundTripCases() {
		if data, err := codec.Encode(map[string]any{tc.name: tc.in}); err == nil && len(data) < 4096 {
			f.Add(data)
		}
	}
	if data, err := codec.Encode(sampleSession()); err == nil {
		f.Add(data)
	}
	f.Add([]byte{})
	f.Add([]byte{codec.Version, 0})
	f.Add(entry(tagSlice, 2, tagMap, 2, 1, 'a', tagStrings, 1))
	f.Fuzz(checkDecode)
}

func checkDecode(t *testing.T, data []byte) {
	t.Helper()
	got := map[string]any{}
	raw := map[string][]byte{}
	if err := codec.Decode(data, got, raw); err != nil {
		if !errors.Is(err, codec.ErrMalformed) {
			t.Fatalf("Decode error %v does not wrap ErrMalformed", err)
		}
		return
	}
	for k, v := range got {
		want, err := codec.AppendEntry(nil, k, v)
		if err != nil {
			t.Fatalf("re-encoding key %q: %v", k, err)
		}
		if !bytes.Equal(raw[k], want) {
			t.Fatalf("raw[%q] = %x, but the decoded value encodes to %x", k, raw[k], want)
		}
	}
	enc, err := codec.Encode(got)
	if err != nil {
		t.Fatalf("re-encoding: %v", err)
	}
	again := map[string]any{}
	if err := codec.Decode(enc, again, nil); err != nil {
		t.Fatalf("decoding the re-encoding: %v", err)
	}
	if !equal(got, again) {
		t.Fatalf("decoded %#v, after re-encoding %#v", got, again)
	}
	if enc2, err := codec.Encode(again); err != nil || !bytes.Equal(enc, enc2) {
		t.Fatalf("second re-encoding differs: %v", err)
	}
	// DecodeOwned decodes the same, and no value it returns changes when
	// the caller never changes data; its []byte values are copies.
	owned := map[string]any{}
	if err := codec.DecodeOwned(bytes.Clone(data), owned, new([]codec.Entry)); err != nil || !equal(got, owned) {
		t.Fatalf("DecodeOwned = %#v, %v; Decode = %#v", owned, err, got)
	}
}
