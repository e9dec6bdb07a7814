package bench

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/internal/seal"
	"github.com/seed-699a33a2/session/store"
)

// BenchmarkCodec: the library's type-preserving codec against
// encoding/json and encoding/gob on the 5-key session. The codec is
// measured directly: internal/codec is importable here because this
// module's path lies under the library's. "codec-tracked" decodes as the
// manager does on every load, also keeping each entry's encoded bytes for
// change tracking. json does not keep the types (uint and []byte come back
// as float64 and string); gob and the codec do.
func BenchmarkCodec(b *testing.B) {
	m := datasets()[0].vals
	enc, err := codec.Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	js, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	var gb bytes.Buffer
	if err := gob.NewEncoder(&gb).Encode(m); err != nil {
		b.Fatal(err)
	}

	b.Run("encode/codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("encode/gob", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := codec.Decode(enc, make(map[string]any, 8), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/codec-tracked", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := codec.Decode(enc, make(map[string]any, 8), make(map[string][]byte, 8)); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make(map[string]any, 8)
			if err := json.Unmarshal(js, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("decode/gob", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			out := make(map[string]any, 8)
			if err := gob.NewDecoder(bytes.NewReader(gb.Bytes())).Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
}

// TestCodecKeepsTypes checks what the codec benchmark claims: the codec
// returns the same Go types, json does not.
func TestCodecKeepsTypes(t *testing.T) {
	m := datasets()[0].vals
	enc, err := codec.Encode(m)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]any{}
	if err := codec.Decode(enc, out, nil); err != nil {
		t.Fatal(err)
	}
	if _, ok := out["user_id"].(uint); !ok {
		t.Errorf("codec: user_id is %T, want uint", out["user_id"])
	}
	if tok, ok := out["token"].([]byte); !ok || !bytes.Equal(tok, benchToken) {
		t.Errorf("codec: token is %T %v", out["token"], out["token"])
	}
	if r, ok := out["roles"].([]string); !ok || len(r) != 3 {
		t.Errorf("codec: roles is %T", out["roles"])
	}
}

// BenchmarkSealOpen: SESSION_ENCRYPT's cost per request, sealing and
// opening the encoded 5-key session (XChaCha20-Poly1305, bound to a hashed
// ID) once each; the target is at most 1 µs.
func BenchmarkSealOpen(b *testing.B) {
	box, err := seal.New("bench", atRestSecret, nil, []string{"SESSION_SECRET"})
	if err != nil {
		b.Fatal(err)
	}
	plain, err := codec.Encode(datasets()[0].vals)
	if err != nil {
		b.Fatal(err)
	}
	ad := []byte(store.HashID(store.NewID()))
	sealed := make([]byte, 0, len(plain)+seal.Overhead)
	opened := make([]byte, 0, len(plain))
	b.SetBytes(int64(len(plain)))
	b.ReportAllocs()
	for b.Loop() {
		sealed = box.Seal(sealed[:0], plain, ad)
		if opened, err = box.Open(opened[:0], sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}
