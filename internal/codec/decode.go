package codec

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"time"
	"unsafe"
)

// Decode decodes data, produced by [AppendHeader] and as many calls to
// [AppendEntry] as the header declares, into into, which must not be nil
// unless data holds no entries. Empty or nil data decodes to no entries.
//
// If raw is not nil, raw[key] is set to the bytes of that entry inside data:
// a subslice, not a copy, whose capacity ends with the entry. Those bytes are
// exactly what AppendEntry(nil, key, into[key]) produces, because Decode
// accepts only the canonical encoding of every value; comparing them with a
// fresh encoding tells whether a value changed.
//
// Decoded values never alias data: []byte values are copied, and strings
// share a single copy of data, made once per call. Decode never panics on
// hostile input, and never allocates more than Budget(len(data)) (16 bytes
// a byte of input, and 4 KiB): it charges each allocation before making it,
// and fails when over. (into and raw are the caller's: they grow with the
// entries, which each take two bytes at least.) Every error wraps [ErrMalformed]; into and raw may then hold
// some of the entries and should be discarded. When a key appears twice at
// the top level the last entry wins.
func Decode(data []byte, into map[string]any, raw map[string][]byte) error {
	return decode(data, into, raw, nil)
}

// Entry is one entry of an encoding: its key, its bytes inside the
// encoding (see Decode's raw), and the value decoded from them.
type Entry struct {
	Key string
	Raw []byte
	Val any
}

// DecodeOwned is Decode for data that the caller owns and never changes
// again: the decoded strings share data itself instead of a copy of it
// (one allocation and one copy fewer), and the entries are appended to
// *entries, in the order of the encoding, rather than put in a map. []byte
// values are still copied, so that no decoded value lets anyone change
// data.
func DecodeOwned(data []byte, into map[string]any, entries *[]Entry) error {
	return decode(data, into, nil, entries)
}

func decode(data []byte, into map[string]any, raw map[string][]byte, entries *[]Entry) error {
	if len(data) == 0 {
		return nil
	}
	if data[0] != Version {
		return malformed("unknown version %d", data[0])
	}
	// One copy of data, for the strings, is charged up front.
	d := decoder{data: data, off: 1, budget: Budget(len(data)) - int64(len(data))}
	if entries != nil {
		d.str = unsafe.String(unsafe.SliceData(data), len(data))
	}
	// An entry takes at least two bytes: the key length and the value tag.
	n, err := d.length(2)
	if err != nil {
		return err
	}
	if n > 0 && into == nil {
		panic("codec: Decode into a nil map")
	}
	if entries != nil {
		*entries = slices.Grow(*entries, n)
	}
	for range n {
		start := d.off
		key, err := d.string()
		if err != nil {
			return err
		}
		v, err := d.value(0)
		if err != nil {
			return fmt.Errorf("%w (key %q)", err, key)
		}
		into[key] = v
		switch {
		case raw != nil:
			raw[key] = data[start:d.off:d.off]
		case entries != nil:
			*entries = append(*entries, Entry{key, data[start:d.off:d.off], v})
		}
	}
	if d.off != len(data) {
		return malformed("%d trailing bytes", len(data)-d.off)
	}
	return nil
}

func malformed(format string, args ...any) error {
	return fmt.Errorf("%w: "+format, append([]any{ErrMalformed}, args...)...)
}

type decoder struct {
	data []byte
	off  int
	// str is a copy of data made on the first non-empty string (or data
	// itself, for DecodeOwned); decoded strings are substrings of it, which
	// costs one allocation for all of them.
	str string
	// budget is what the decoder may still allocate (see Budget).
	budget int64
}

func (d *decoder) truncated() error {
	return malformed("unexpected end of data at offset %d", d.off)
}

// uvarint reads a minimally encoded uvarint: a longer form of the same number
// would break the promise that accepted bytes are canonical.
func (d *decoder) uvarint() (uint64, error) {
	if d.off < len(d.data) && d.data[d.off] < 0x80 {
		v := d.data[d.off]
		d.off++
		return uint64(v), nil
	}
	v, n := binary.Uvarint(d.data[d.off:])
	switch {
	case n == 0:
		return 0, d.truncated()
	case n < 0:
		return 0, malformed("varint overflows 64 bits at offset %d", d.off)
	case d.data[d.off+n-1] == 0:
		return 0, malformed("varint not minimally encoded at offset %d", d.off)
	}
	d.off += n
	return v, nil
}

func (d *decoder) varint() (int64, error) {
	u, err := d.uvarint()
	return int64(u>>1) ^ -int64(u&1), err
}

// length reads a count of items that take at least size bytes each and
// rejects it when the rest of the data cannot hold them, so that no
// allocation is ever larger than the input justifies.
func (d *decoder) length(size int) (int, error) {
	start := d.off
	v, err := d.uvarint()
	if err != nil {
		return 0, err
	}
	if v > uint64((len(d.data)-d.off)/size) {
		return 0, malformed("length %d at offset %d exceeds the data", v, start)
	}
	return int(v), nil
}

// count reads the length of a slice or map that may be nil (see appendCount).
func (d *decoder) count(size int) (n int, isNil bool, err error) {
	start := d.off
	v, err := d.uvarint()
	if err != nil {
		return 0, false, err
	}
	if v == 0 {
		return 0, true, nil
	}
	if v-1 > uint64((len(d.data)-d.off)/size) {
		return 0, false, malformed("length %d at offset %d exceeds the data", v-1, start)
	}
	return int(v - 1), false, nil
}

// bytes returns the next n bytes of data without copying.
func (d *decoder) bytes(n int) []byte {
	b := d.data[d.off : d.off+n : d.off+n]
	d.off += n
	return b
}

func (d *decoder) string() (string, error) {
	n, err := d.length(1)
	if err != nil || n == 0 {
		return "", err
	}
	if d.str == "" {
		d.str = string(d.data)
	}
	s := d.str[d.off : d.off+n]
	d.off += n
	return s, nil
}

func (d *decoder) strings() ([]string, error) {
	n, isNil, err := d.count(1)
	if err != nil || isNil {
		return nil, err
	}
	if err := d.charge(costElem * int64(n)); err != nil {
		return nil, err
	}
	v := make([]string, n)
	for i := range v {
		if v[i], err = d.string(); err != nil {
			return nil, err
		}
	}
	return v, nil
}

// key reads a key of a nested map, which must be greater than the previous
// one: sorted order is the canonical form, and it also rules out duplicates.
func (d *decoder) key(i int, prev string) (string, error) {
	start := d.off
	k, err := d.string()
	if err == nil && i > 0 && k <= prev {
		err = malformed("map key at offset %d out of order", start)
	}
	return k, err
}

func (d *decoder) value(depth int) (any, error) {
	if d.off >= len(d.data) {
		return nil, d.truncated()
	}
	tag := d.data[d.off]
	d.off++
	// What boxing the value in an interface allocates; containers charge
	// their contents themselves.
	if err := d.charge(boxCost(tag)); err != nil {
		return nil, err
	}
	switch tag {
	case tagNil:
		return nil, nil
	case tagFalse:
		return false, nil
	case tagTrue:
		return true, nil
	case tagString:
		return d.string()
	case tagInt, tagInt8, tagInt16, tagInt32, tagInt64:
		return d.signed(tag)
	case tagUint, tagUint8, tagUint16, tagUint32, tagUint64:
		return d.unsigned(tag)
	case tagFloat32, tagFloat64:
		return d.float(tag)
	case tagTime:
		return d.time()
	case tagBytes:
		n, isNil, err := d.count(1)
		if err != nil || isNil {
			return []byte(nil), err
		}
		if err := d.charge(int64(n)); err != nil {
			return nil, err
		}
		return bytes.Clone(d.bytes(n)), nil
	case tagStrings:
		return d.strings()
	case tagStringMap:
		return d.stringMap()
	case tagStringsMap:
		return d.stringsMap()
	case tagSlice:
		return d.slice(depth)
	case tagMap:
		return d.anyMap(depth)
	case tagRegistered:
		return d.registered()
	default:
		return nil, malformed("unknown tag %d at offset %d", tag, d.off-1)
	}
}

func (d *decoder) float(tag byte) (any, error) {
	if tag == tagFloat32 {
		if len(d.data)-d.off < 4 {
			return nil, d.truncated()
		}
		return math.Float32frombits(binary.LittleEndian.Uint32(d.bytes(4))), nil
	}
	if len(d.data)-d.off < 8 {
		return nil, d.truncated()
	}
	return math.Float64frombits(binary.LittleEndian.Uint64(d.bytes(8))), nil
}

func (d *decoder) signed(tag byte) (any, error) {
	start := d.off
	v, err := d.varint()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagInt:
		if v >= math.MinInt && v <= math.MaxInt {
			return int(v), nil
		}
	case tagInt8:
		if v >= math.MinInt8 && v <= math.MaxInt8 {
			return int8(v), nil
		}
	case tagInt16:
		if v >= math.MinInt16 && v <= math.MaxInt16 {
			return int16(v), nil
		}
	case tagInt32:
		if v >= math.MinInt32 && v <= math.MaxInt32 {
			return int32(v), nil
		}
	default:
		return v, nil
	}
	return nil, malformed("integer %d at offset %d out of range for its type", v, start)
}

func (d *decoder) unsigned(tag byte) (any, error) {
	start := d.off
	v, err := d.uvarint()
	if err != nil {
		return nil, err
	}
	switch tag {
	case tagUint:
		if v <= math.MaxUint {
			return uint(v), nil
		}
	case tagUint8:
		if v <= math.MaxUint8 {
			return uint8(v), nil
		}
	case tagUint16:
		if v <= math.MaxUint16 {
			return uint16(v), nil
		}
	case tagUint32:
		if v <= math.MaxUint32 {
			return uint32(v), nil
		}
	default:
		return v, nil
	}
	return nil, malformed("integer %d at offset %d out of range for its type", v, start)
}

func (d *decoder) time() (any, error) {
	start := d.off
	n, err := d.length(1)
	if err != nil {
		return nil, err
	}
	b := d.bytes(n)
	var t time.Time
	if err := t.UnmarshalBinary(b); err != nil {
		return nil, malformed("time at offset %d: %v", start, err)
	}
	// time accepts more than one form of the same instant and offset.
	var buf [16]byte
	if c, err := t.AppendBinary(buf[:0]); err != nil || !bytes.Equal(c, b) {
		return nil, malformed("time at offset %d not canonical", start)
	}
	return t, nil
}

func (d *decoder) stringMap() (any, error) {
	n, isNil, err := d.count(2)
	if err != nil || isNil {
		return map[string]string(nil), err
	}
	if err := d.charge(costMap + costSlot*int64(n)); err != nil {
		return nil, err
	}
	m := make(map[string]string, n)
	var k, v string
	for i := range n {
		if k, err = d.key(i, k); err != nil {
			return nil, err
		}
		if v, err = d.string(); err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

func (d *decoder) stringsMap() (any, error) {
	n, isNil, err := d.count(2)
	if err != nil || isNil {
		return map[string][]string(nil), err
	}
	if err := d.charge(costMap + costSlotSlice*int64(n)); err != nil {
		return nil, err
	}
	m := make(map[string][]string, n)
	var k string
	for i := range n {
		if k, err = d.key(i, k); err != nil {
			return nil, err
		}
		v, err := d.strings()
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

func (d *decoder) slice(depth int) (any, error) {
	if depth >= maxDepth {
		return nil, malformed("nested deeper than %d levels at offset %d", maxDepth, d.off-1)
	}
	n, isNil, err := d.count(1)
	if err != nil || isNil {
		return []any(nil), err
	}
	// Charged for the declared count before the room is made: nested
	// containers that all claim the rest of the input run out of budget.
	if err := d.charge(costElem * int64(n)); err != nil {
		return nil, err
	}
	v := make([]any, n)
	for i := range v {
		if v[i], err = d.value(depth + 1); err != nil {
			return nil, err
		}
	}
	return v, nil
}

func (d *decoder) anyMap(depth int) (any, error) {
	if depth >= maxDepth {
		return nil, malformed("nested deeper than %d levels at offset %d", maxDepth, d.off-1)
	}
	n, isNil, err := d.count(2)
	if err != nil || isNil {
		return map[string]any(nil), err
	}
	if err := d.charge(costMap + costSlot*int64(n)); err != nil {
		return nil, err
	}
	m := make(map[string]any, n)
	var k string
	for i := range n {
		if k, err = d.key(i, k); err != nil {
			return nil, err
		}
		v, err := d.value(depth + 1)
		if err != nil {
			return nil, err
		}
		m[k] = v
	}
	return m, nil
}

func (d *decoder) registered() (any, error) {
	start := d.off
	n, err := d.length(1)
	if err != nil {
		return nil, err
	}
	name := d.bytes(n)
	rt := lookupName(name)
	if rt == nil {
		return nil, malformed("type name %q not registered", name)
	}
	if n, err = d.length(1); err != nil {
		return nil, err
	}
	if err := d.charge(costRegistered * int64(n)); err != nil {
		return nil, err
	}
	payload := d.bytes(n)
	v, err := rt.unmarshal(payload)
	if err != nil {
		return nil, malformed("value of type %q at offset %d: %v", rt.name, start, err)
	}
	// Marshaling the decoded value must give back the same bytes, or raw spans
	// would not be canonical.
	if c, err := rt.marshal(v); err != nil || !bytes.Equal(c, payload) {
		return nil, malformed("value of type %q at offset %d not canonical", rt.name, start)
	}
	return v, nil
}
