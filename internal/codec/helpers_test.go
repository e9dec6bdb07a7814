package codec_test

import (
	"errors"
	"math"
	"net/netip"
	"reflect"
	"time"

	"github.com/seed-699a33a2/session/internal/codec"
)

// point is registered under a wire name and encoded with encoding/json.
type point struct {
	X, Y  int
	Label string
}

// addr is registered under a wire name and encoded with its
// MarshalBinary/UnmarshalBinary methods.
type addr struct{ ip netip.Addr }

func (a addr) MarshalBinary() ([]byte, error) { return a.ip.MarshalBinary() }

func (a *addr) UnmarshalBinary(b []byte) error {
	if len(b) == 0 {
		return errors.New("addr: empty")
	}
	return a.ip.UnmarshalBinary(b)
}

func init() {
	codec.Register[point]("codec_test.point")
	codec.Register[addr]("codec_test.addr")
}

// equal reports whether a and b have the same dynamic type and value,
// comparing floats by their bits (so NaN equals the same NaN) and times by
// instant and offset.
func equal(a, b any) bool {
	if reflect.TypeOf(a) != reflect.TypeOf(b) {
		return false
	}
	switch a := a.(type) {
	case float32:
		return math.Float32bits(a) == math.Float32bits(b.(float32))
	case float64:
		return math.Float64bits(a) == math.Float64bits(b.(float64))
	case time.Time:
		b := b.(time.Time)
		_, ao := a.Zone()
		_, bo := b.Zone()
		return a.Equal(b) && ao == bo && (a.Location() == time.UTC) == (b.Location() == time.UTC)
	case []any:
		b := b.([]any)
		if (a == nil) != (b == nil) || len(a) != len(b) {
			return false
		}
		for i := range a {
			if !equal(a[i], b[i]) {
				return false
			}
		}
		return true
	case map[string]any:
		b := b.(map[string]any)
		if (a == nil) != (b == nil) || len(a) != len(b) {
			return false
		}
		for k, av := range a {
			bv, ok := b[k]
			if !ok || !equal(av, bv) {
				return false
			}
		}
		return true
	default:
		return reflect.DeepEqual(a, b)
	}
}
