// Package codec is the binary encoding of session data, a map[string]any,
// that gives back exactly the Go types that went in: a uint stays a uint and
// a map[string][]string stays one, where JSON would return float64 and
// map[string]any. It is deterministic, much faster than
// encoding/gob and encoding/json, and safe on hostile input.
//
// # Types
//
// Built in are nil, string (any bytes, also invalid UTF-8), bool, all sized
// and unsized integer types, float32 and float64 (bits preserved, NaN
// included), time.Time (instant and offset kept, monotonic reading dropped),
// []byte, []string, []any, map[string]string, map[string][]string and
// map[string]any, nested to at most 32 levels of []any and map[string]any.
// Nil and empty slices and maps stay apart. Every other type, named types
// like `type UserID uint` included, is refused with [ErrUnsupported] unless
// it was given a wire name with [Register].
//
// # Wire format
//
// An encoding is the [Version] byte, the number of entries as a uvarint, and
// the entries. An entry is the key (uvarint length, bytes) followed by the
// value: a tag byte and a payload that depends on the tag.
//
//	nil, false, true    no payload
//	string              uvarint length, bytes
//	int, int8 … int64   zigzag varint
//	uint, uint8 … uint64 uvarint
//	float32, float64    4 or 8 bytes, little-endian IEEE 754 bits
//	time.Time           uvarint length, time.Time.MarshalBinary output
//	[]byte              uvarint length+1 (0 for nil), bytes
//	[]string            uvarint length+1 (0 for nil), strings
//	[]any               uvarint length+1 (0 for nil), values
//	map[string]string   uvarint length+1 (0 for nil), key and string pairs
//	map[string][]string uvarint length+1 (0 for nil), key and []string pairs
//	map[string]any      uvarint length+1 (0 for nil), key and value pairs
//	registered          wire name (uvarint length, bytes), payload (uvarint length, bytes)
//
// Every type has its own tag, so an int8 and an int64 of the same value
// differ. Nested maps are written in ascending key order, so equal values
// encode to equal bytes; the order of the top-level entries is the
// caller's. [Decode] accepts only this canonical form (minimal varints,
// sorted and distinct nested keys, in-range integers), which lets the session
// manager detect a changed value by comparing its encoding with the bytes it
// was decoded from.
package codec
