package codec

import (
	"encoding/binary"
	"errors"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"
)

// Version is the first byte of every encoding. Later versions of the
// format must still decode version 1.
const Version byte = 1

// ErrUnsupported is returned by [AppendEntry] and [Encode] for a value
// whose type is neither built in nor registered with [Register]. It is
// wrapped with the key and the type, as in
// `session: value cannot be encoded: key "uid" has type main.UserID`.
var ErrUnsupported = errors.New("session: value cannot be encoded")

// ErrMalformed is wrapped by every error [Decode] returns: the data is
// truncated, corrupt, not canonical, of an unknown version, or names a type
// that is not registered.
var ErrMalformed = errors.New("session: malformed session data")

// maxDepth bounds the nesting of []any and map[string]any values, on both
// sides: Encode refuses what Decode would refuse, so everything encoded can be
// decoded, and hostile input cannot exhaust the stack.
const maxDepth = 32

// Tags are part of the wire format: never renumber them.
const (
	tagNil        byte = 0
	tagFalse      byte = 1
	tagTrue       byte = 2
	tagString     byte = 3
	tagInt        byte = 4
	tagInt8       byte = 5
	tagInt16      byte = 6
	tagInt32      byte = 7
	tagInt64      byte = 8
	tagUint       byte = 9
	tagUint8      byte = 10
	tagUint16     byte = 11
	tagUint32     byte = 12
	tagUint64     byte = 13
	tagFloat32    byte = 14
	tagFloat64    byte = 15
	tagTime       byte = 16
	tagBytes      byte = 17
	tagStrings    byte = 18 // []string
	tagSlice      byte = 19 // []any
	tagStringMap  byte = 20 // map[string]string
	tagStringsMap byte = 21 // map[string][]string
	tagMap        byte = 22 // map[string]any
	tagRegistered byte = 23
)

// smallMapBuffer is the size of the stack buffer in which the keys of small
// maps are sorted without allocating.
const smallMapBuffer = 16

// AppendHeader appends the version byte and the entry count n (uvarint).
// It must be followed by exactly n calls to [AppendEntry].
func AppendHeader(dst []byte, n int) []byte {
	dst = append(dst, Version)
	return binary.AppendUvarint(dst, uint64(n))
}

// AppendEntry appends one entry: the key (uvarint length and bytes) and then
// the value (tag byte and payload). The encoding is canonical: equal values
// give equal bytes, because nested maps are written in sorted key order.
//
// A value of a type that is neither built in nor registered with [Register]
// gives an error wrapping [ErrUnsupported] that names the key and the type;
// dst is then returned unchanged. Named types (type UserID uint) are never
// converted to their underlying type.
func AppendEntry(dst []byte, key string, v any) ([]byte, error) {
	var cost int64
	return AppendEntryCost(dst, key, v, &cost)
}

// AppendEntryCost is AppendEntry that also adds to *cost what decoding the
// entry will allocate, for CheckBudget.
func AppendEntryCost(dst []byte, key string, v any, cost *int64) ([]byte, error) {
	n := len(dst)
	dst = appendString(dst, key)
	dst, err := appendValue(dst, key, v, 0, cost)
	if err != nil {
		return dst[:n], err
	}
	return dst, nil
}

// Encode encodes m as a header and one entry per key, in sorted key order,
// so that equal maps encode to equal bytes. Data whose decoding would go
// over its allocation budget is an error wrapping ErrTooLarge.
func Encode(m map[string]any) ([]byte, error) {
	var buf [smallMapBuffer]entry
	entries := buf[:0]
	if len(m) > len(buf) {
		entries = make([]entry, 0, len(m))
	}
	for k, v := range m {
		entries = append(entries, entry{k, v})
	}
	if len(entries) <= smallMapBuffer {
		// Insertion sort: for a handful of entries faster than the generic sort.
		for i := 1; i < len(entries); i++ {
			for j := i; j > 0 && entries[j].key < entries[j-1].key; j-- {
				entries[j], entries[j-1] = entries[j-1], entries[j]
			}
		}
	} else {
		slices.SortFunc(entries, func(a, b entry) int { return strings.Compare(a.key, b.key) })
	}
	dst := AppendHeader(make([]byte, 0, 64+32*len(m)), len(m))
	var (
		err  error
		cost int64
	)
	for _, e := range entries {
		if dst, err = AppendEntryCost(dst, e.key, e.value, &cost); err != nil {
			return nil, err
		}
	}
	if err := CheckBudget(cost, len(dst)); err != nil {
		return nil, err
	}
	return dst, nil
}

type entry struct {
	key   string
	value any
}

func unsupported(key string, v any) error {
	return fmt.Errorf("%w: key %q has type %T", ErrUnsupported, key, v)
}

func appendValue(dst []byte, key string, v any, depth int, cost *int64) ([]byte, error) {
	switch v := v.(type) {
	case nil:
		return append(dst, tagNil), nil
	case string:
		*cost += costBox
		return appendString(append(dst, tagString), v), nil
	case bool:
		if v {
			return append(dst, tagTrue), nil
		}
		return append(dst, tagFalse), nil
	case int:
		*cost += costNumber
		return appendVarint(append(dst, tagInt), int64(v)), nil
	case int8:
		*cost += costNumber
		return appendVarint(append(dst, tagInt8), int64(v)), nil
	case int16:
		*cost += costNumber
		return appendVarint(append(dst, tagInt16), int64(v)), nil
	case int32:
		*cost += costNumber
		return appendVarint(append(dst, tagInt32), int64(v)), nil
	case int64:
		*cost += costNumber
		return appendVarint(append(dst, tagInt64), v), nil
	case uint:
		*cost += costNumber
		return binary.AppendUvarint(append(dst, tagUint), uint64(v)), nil
	case uint8:
		*cost += costNumber
		return binary.AppendUvarint(append(dst, tagUint8), uint64(v)), nil
	case uint16:
		*cost += costNumber
		return binary.AppendUvarint(append(dst, tagUint16), uint64(v)), nil
	case uint32:
		*cost += costNumber
		return binary.AppendUvarint(append(dst, tagUint32), uint64(v)), nil
	case uint64:
		*cost += costNumber
		return binary.AppendUvarint(append(dst, tagUint64), v), nil
	case float32:
		*cost += costNumber
		return binary.LittleEndian.AppendUint32(append(dst, tagFloat32), math.Float32bits(v)), nil
	case float64:
		*cost += costNumber
		return binary.LittleEndian.AppendUint64(append(dst, tagFloat64), math.Float64bits(v)), nil
	case time.Time:
		var buf [16]byte
		b, err := v.AppendBinary(buf[:0])
		if err != nil {
			return dst, fmt.Errorf("%w: %w", unsupported(key, v), err)
		}
		*cost += costHeader
		return appendBytes(append(dst, tagTime), b), nil
	case []byte:
		*cost += costHeader + int64(len(v))
		dst = appendCount(append(dst, tagBytes), len(v), v == nil)
		return append(dst, v...), nil
	case []string:
		*cost += costHeader + costElem*int64(len(v))
		return appendStrings(append(dst, tagStrings), v), nil
	case map[string]string:
		if v != nil {
			*cost += costMap + costSlot*int64(len(v))
		}
		dst = appendCount(append(dst, tagStringMap), len(v), v == nil)
		var buf [smallMapBuffer]string
		for _, k := range sortedKeys(&buf, v) {
			dst = appendString(dst, k)
			dst = appendString(dst, v[k])
		}
		return dst, nil
	case map[string][]string:
		if v != nil {
			*cost += costMap + costSlotSlice*int64(len(v))
		}
		dst = appendCount(append(dst, tagStringsMap), len(v), v == nil)
		var buf [smallMapBuffer]string
		for _, k := range sortedKeys(&buf, v) {
			*cost += costElem * int64(len(v[k]))
			dst = appendString(dst, k)
			dst = appendStrings(dst, v[k])
		}
		return dst, nil
	case []any:
		if depth >= maxDepth {
			return dst, tooDeep(key)
		}
		*cost += costHeader + costElem*int64(len(v))
		dst = appendCount(append(dst, tagSlice), len(v), v == nil)
		var err error
		for _, e := range v {
			if dst, err = appendValue(dst, key, e, depth+1, cost); err != nil {
				return dst, err
			}
		}
		return dst, nil
	case map[string]any:
		if depth >= maxDepth {
			return dst, tooDeep(key)
		}
		if v != nil {
			*cost += costMap + costSlot*int64(len(v))
		}
		dst = appendCount(append(dst, tagMap), len(v), v == nil)
		var buf [smallMapBuffer]string
		var err error
		for _, k := range sortedKeys(&buf, v) {
			dst = appendString(dst, k)
			if dst, err = appendValue(dst, key, v[k], depth+1, cost); err != nil {
				return dst, err
			}
		}
		return dst, nil
	default:
		return appendRegistered(dst, key, v, cost)
	}
}

func tooDeep(key string) error {
	return fmt.Errorf("%w: key %q is nested deeper than %d levels", ErrUnsupported, key, maxDepth)
}

func appendRegistered(dst []byte, key string, v any, cost *int64) ([]byte, error) {
	rt := lookupValue(v)
	if rt == nil {
		return dst, unsupported(key, v)
	}
	payload, err := rt.marshal(v)
	if err != nil {
		return dst, fmt.Errorf("%w: %w", unsupported(key, v), err)
	}
	*cost += costHeader + costRegistered*int64(len(payload))
	dst = appendString(append(dst, tagRegistered), rt.name)
	return appendBytes(dst, payload), nil
}

// appendVarint writes v zigzag-encoded, so small negative numbers stay short.
func appendVarint(dst []byte, v int64) []byte {
	return binary.AppendUvarint(dst, uint64(v<<1)^uint64(v>>63))
}

func appendString(dst []byte, s string) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(s)))
	return append(dst, s...)
}

func appendBytes(dst []byte, b []byte) []byte {
	dst = binary.AppendUvarint(dst, uint64(len(b)))
	return append(dst, b...)
}

// appendCount writes the length of a slice or map that may be nil as n+1,
// keeping 0 for nil, so that nil and empty survive the round trip.
func appendCount(dst []byte, n int, isNil bool) []byte {
	if isNil {
		return append(dst, 0)
	}
	return binary.AppendUvarint(dst, uint64(n)+1)
}

func appendStrings(dst []byte, v []string) []byte {
	dst = appendCount(dst, len(v), v == nil)
	for _, s := range v {
		dst = appendString(dst, s)
	}
	return dst
}

// sortedKeys returns the keys of m in ascending order, using buf when it is
// large enough so that small maps are sorted without allocating.
func sortedKeys[V any](buf *[smallMapBuffer]string, m map[string]V) []string {
	keys := buf[:0]
	if len(m) > len(buf) {
		keys = make([]string, 0, len(m))
	}
	for k := range m {
		keys = append(keys, k)
	}
	if len(keys) > smallMapBuffer {
		slices.Sort(keys)
		return keys
	}
	for i := 1; i < len(keys); i++ {
		for j := i; j > 0 && keys[j] < keys[j-1]; j-- {
			keys[j], keys[j-1] = keys[j-1], keys[j]
		}
	}
	return keys
}

// Same reports whether a and b are values of one comparable type that the
// codec encodes by value (a string, a bool, a number of any size) and are
// equal as encodings: then a's encoding is b's, with no
// need to encode either. Floats compare by their bits (0 and -0 differ, a
// NaN equals itself). It is false for everything else (slices and maps may
// have changed in place), which the caller encodes to compare.
func Same(a, b any) bool {
	switch x := a.(type) {
	case string:
		y, ok := b.(string)
		return ok && x == y
	case bool:
		y, ok := b.(bool)
		return ok && x == y
	case int:
		y, ok := b.(int)
		return ok && x == y
	case int64:
		y, ok := b.(int64)
		return ok && x == y
	case int32:
		y, ok := b.(int32)
		return ok && x == y
	case int16:
		y, ok := b.(int16)
		return ok && x == y
	case int8:
		y, ok := b.(int8)
		return ok && x == y
	case uint:
		y, ok := b.(uint)
		return ok && x == y
	case uint64:
		y, ok := b.(uint64)
		return ok && x == y
	case uint32:
		y, ok := b.(uint32)
		return ok && x == y
	case uint16:
		y, ok := b.(uint16)
		return ok && x == y
	case uint8:
		y, ok := b.(uint8)
		return ok && x == y
	case float64:
		y, ok := b.(float64)
		return ok && math.Float64bits(x) == math.Float64bits(y)
	case float32:
		y, ok := b.(float32)
		return ok && math.Float32bits(x) == math.Float32bits(y)
	}
	return false
}
