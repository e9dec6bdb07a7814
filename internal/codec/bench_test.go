package codec_test

import (
	"bytes"
	"encoding/gob"
	"encoding/json"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
)

// benchSession is a realistic session: a user, roles, a CSRF token and a
// flash message.
func benchSession() map[string]any {
	return map[string]any{
		"user_id":                    uint(42),
		"name":                       "Ada Lovelace",
		"roles":                      []string{"admin", "editor"},
		"csrf":                       "0123456789abcdef0123456789abcdef",
		"_session:flash:new:success": "Saved.",
	}
}

func BenchmarkEncode(b *testing.B) {
	m := benchSession()
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := codec.Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if _, err := json.Marshal(m); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("gob", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var buf bytes.Buffer
			if err := gob.NewEncoder(&buf).Encode(m); err != nil {
				b.Fatal(err)
			}
		}
	})
}

func BenchmarkDecode(b *testing.B) {
	m := benchSession()
	data, err := codec.Encode(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("codec", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := codec.Decode(data, make(map[string]any, 8), nil); err != nil {
				b.Fatal(err)
			}
		}
	})
	b.Run("codec-raw", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			if err := codec.Decode(data, make(map[string]any, 8), make(map[string][]byte, 8)); err != nil {
				b.Fatal(err)
			}
		}
	})
	jsonData, err := json.Marshal(m)
	if err != nil {
		b.Fatal(err)
	}
	b.Run("json", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out map[string]any
			if err := json.Unmarshal(jsonData, &out); err != nil {
				b.Fatal(err)
			}
		}
	})
	var buf bytes.Buffer
	if err := gob.NewEncoder(&buf).Encode(m); err != nil {
		b.Fatal(err)
	}
	gobData := buf.Bytes()
	b.Run("gob", func(b *testing.B) {
		b.ReportAllocs()
		for b.Loop() {
			var out map[string]any
			if err := gob.NewDecoder(bytes.NewReader(gobData)).Decode(&out); err != nil {
				b.Fatal(err)
			}
		}
	})
}
