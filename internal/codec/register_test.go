package codec_test

import (
	"errors"
	"net/netip"
	"strings"
	"sync"
	"testing"

	"github.com/seed-699a33a2/session/internal/codec"
)

func TestRegisteredRoundTrip(t *testing.T) {
	for _, v := range []any{
		point{X: 1, Y: 2, Label: "json"},
		addr{netip.MustParseAddr("2001:db8::1")},
	} {
		got := decodeOne(t, v)
		if typeName(got) != typeName(v) || !equal(got, v) {
			t.Errorf("got %T %#v, want %T %#v", got, got, v, v)
		}
	}
}

func TestRegisteredMarshalError(t *testing.T) {
	// The zero netip.Addr marshals to no bytes, which addr refuses to
	// unmarshal: Encode must succeed, Decode must report it as malformed.
	data, err := codec.Encode(map[string]any{"a": addr{}})
	if err != nil {
		t.Fatal(err)
	}
	if err := codec.Decode(data, map[string]any{}, nil); !errors.Is(err, codec.ErrMalformed) {
		t.Fatalf("error %v, want ErrMalformed", err)
	}
}

type (
	regOnce   struct{ A int }
	regOther  struct{ A int }
	regUnused struct{ A int }
)

func TestRegisterPanics(t *testing.T) {
	codec.Register[regOnce]("codec_test.regOnce")
	cases := []struct {
		name string
		reg  func()
		want string
	}{
		{"type-twice", func() { codec.Register[regOnce]("codec_test.regOnce2") }, "already registered"},
		{"name-twice", func() { codec.Register[regOther]("codec_test.regOnce") }, "already used"},
		{"empty-name", func() { codec.Register[regUnused]("") }, "empty name"},
		{"builtin-uint", func() { codec.Register[uint]("uint") }, "built in"},
		{"builtin-map", func() { codec.Register[map[string][]string]("form") }, "built in"},
		{"interface", func() { codec.Register[error]("error") }, "interface"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			defer func() {
				r := recover()
				if s, _ := r.(string); !strings.Contains(s, tc.want) {
					t.Fatalf("panic %v, want one containing %q", r, tc.want)
				}
			}()
			tc.reg()
		})
	}
}

type concurrent0 struct{ N int }
type concurrent1 struct{ N int }
type concurrent2 struct{ N int }
type concurrent3 struct{ N int }

// TestRegisterConcurrent runs under -race: Register while other goroutines
// encode and decode.
func TestRegisterConcurrent(t *testing.T) {
	regs := []func(){
		func() { codec.Register[concurrent0]("codec_test.c0") },
		func() { codec.Register[concurrent1]("codec_test.c1") },
		func() { codec.Register[concurrent2]("codec_test.c2") },
		func() { codec.Register[concurrent3]("codec_test.c3") },
	}
	var wg sync.WaitGroup
	for _, r := range regs {
		wg.Go(r)
		wg.Go(func() {
			data, err := codec.Encode(map[string]any{"p": point{X: 1}})
			if err != nil {
				t.Error(err)
				return
			}
			if err := codec.Decode(data, map[string]any{}, nil); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if got := decodeOne(t, concurrent2{N: 7}); got != (concurrent2{N: 7}) {
		t.Fatalf("got %#v", got)
	}
}
