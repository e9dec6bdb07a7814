package codec

import (
	"encoding"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"time"
)

// Register makes values of type T encodable under the wire name name, which
// is written into every encoding of such a value and must therefore stay
// stable across releases of the program.
//
// If T implements [encoding.BinaryMarshaler] and *T implements
// [encoding.BinaryUnmarshaler], those methods encode the value; otherwise
// [encoding/json] does. Decoding yields a T, not a pointer to one nor a map.
// The marshaling must be deterministic: marshaling a decoded value must
// reproduce the bytes it was decoded from, or [Decode] rejects them as not
// canonical.
//
// Register panics on an empty or already registered name, on a type
// registered twice, on an interface type, and on a type the codec supports
// without registration. Like gob.Register it is meant to be called from init
// functions. It is safe for concurrent use, also with encoding and decoding.
func Register[T any](name string) {
	typ := reflect.TypeFor[T]()
	switch {
	case name == "":
		panic(fmt.Sprintf("codec: Register of %v with an empty name", typ))
	case typ.Kind() == reflect.Interface:
		panic(fmt.Sprintf("codec: Register of interface type %v", typ))
	case builtin[typ]:
		panic(fmt.Sprintf("codec: Register of %v, which is built in", typ))
	}
	rt := &regType{name: name, typ: typ}
	if typ.Implements(marshalerType) && reflect.PointerTo(typ).Implements(unmarshalerType) {
		rt.marshal = func(v any) ([]byte, error) {
			return v.(encoding.BinaryMarshaler).MarshalBinary()
		}
		rt.unmarshal = func(b []byte) (any, error) {
			var t T
			err := any(&t).(encoding.BinaryUnmarshaler).UnmarshalBinary(b)
			return t, err
		}
	} else {
		rt.marshal = json.Marshal
		rt.unmarshal = func(b []byte) (any, error) {
			var t T
			err := json.Unmarshal(b, &t)
			return t, err
		}
	}

	registryMu.Lock()
	defer registryMu.Unlock()
	old := registry.Load()
	next := &types{
		byType: make(map[reflect.Type]*regType),
		byName: make(map[string]*regType),
	}
	if old != nil {
		if prev := old.byName[name]; prev != nil {
			panic(fmt.Sprintf("codec: Register of %v under name %q, already used by %v", typ, name, prev.typ))
		}
		if prev := old.byType[typ]; prev != nil {
			panic(fmt.Sprintf("codec: Register of %v under name %q, already registered as %q", typ, name, prev.name))
		}
		for k, v := range old.byType {
			next.byType[k] = v
		}
		for k, v := range old.byName {
			next.byName[k] = v
		}
	}
	next.byType[typ] = rt
	next.byName[name] = rt
	registry.Store(next)
}

type regType struct {
	name      string
	typ       reflect.Type
	marshal   func(any) ([]byte, error)
	unmarshal func([]byte) (any, error)
}

// types is never modified once published: Register copies it, so lookups
// need no lock.
type types struct {
	byType map[reflect.Type]*regType
	byName map[string]*regType
}

var (
	registryMu sync.Mutex // serializes Register
	registry   atomic.Pointer[types]

	marshalerType   = reflect.TypeFor[encoding.BinaryMarshaler]()
	unmarshalerType = reflect.TypeFor[encoding.BinaryUnmarshaler]()

	builtin = map[reflect.Type]bool{
		reflect.TypeFor[string]():              true,
		reflect.TypeFor[bool]():                true,
		reflect.TypeFor[int]():                 true,
		reflect.TypeFor[int8]():                true,
		reflect.TypeFor[int16]():               true,
		reflect.TypeFor[int32]():               true,
		reflect.TypeFor[int64]():               true,
		reflect.TypeFor[uint]():                true,
		reflect.TypeFor[uint8]():               true,
		reflect.TypeFor[uint16]():              true,
		reflect.TypeFor[uint32]():              true,
		reflect.TypeFor[uint64]():              true,
		reflect.TypeFor[float32]():             true,
		reflect.TypeFor[float64]():             true,
		reflect.TypeFor[time.Time]():           true,
		reflect.TypeFor[[]byte]():              true,
		reflect.TypeFor[[]string]():            true,
		reflect.TypeFor[[]any]():               true,
		reflect.TypeFor[map[string]string]():   true,
		reflect.TypeFor[map[string][]string](): true,
		reflect.TypeFor[map[string]any]():      true,
	}
)

func lookupValue(v any) *regType {
	r := registry.Load()
	if r == nil {
		return nil
	}
	return r.byType[reflect.TypeOf(v)]
}

func lookupName(name []byte) *regType {
	r := registry.Load()
	if r == nil {
		return nil
	}
	return r.byName[string(name)]
}
