package session

import (
	"bytes"
	"sync"

	"github.com/seed-699a33a2/session/internal/codec"
)

// encoded is one encoding of a session's data map, with what changed
// against the state the store holds.
type encoded struct {
	buf     []byte
	n       int  // entries encoded
	changed bool // differs from what the store holds
	keys    []string
	ends    []int // ends[i] is where keys[i]'s entry ends in buf
	kept    bool  // buf is referenced by a state; do not reuse it

	// merged is the encoding after merging into a concurrent request's
	// record (see merge), with its entries' keys and ends.
	merged     []byte
	mergedKeys []string
	mergedEnds []int
}

var encodedPool = sync.Pool{New: func() any { return &encoded{buf: make([]byte, 0, 512)} }}

// Register makes values of type T storable in sessions under the wire name
// name, which must stay the same across releases. Without registration,
// types other than the built-in ones (see the package documentation) are an
// error wrapping ErrUnsupportedType. Types implementing
// encoding.BinaryMarshaler (with *T implementing encoding.BinaryUnmarshaler)
// are encoded with those methods, others with encoding/json. Register panics
// on an empty or duplicate name or a type registered twice; call it from an
// init function. It is safe for concurrent use.
func Register[T any](name string) { codec.Register[T](name) }

// encodeChanges encodes every entry of data except the bookkeeping one, and
// compares each with the entry the store holds.
func encodeChanges(data map[string]interface{}, st *state) (*encoded, error) {
	e := encodedPool.Get().(*encoded)
	e.buf, e.keys, e.ends, e.kept = e.buf[:0], e.keys[:0], e.ends[:0], false
	e.merged, e.mergedKeys, e.mergedEnds = nil, nil, nil
	n := len(data)
	if _, ok := data[stateKey]; ok {
		n--
	}
	e.n = n
	e.buf = codec.AppendHeader(e.buf, n)
	e.changed = st == nil || !st.stored || len(st.loaded) != n
	var err error
	for k, v := range data {
		if k == stateKey {
			continue
		}
		start := len(e.buf)
		if e.buf, err = codec.AppendEntry(e.buf, k, v); err != nil {
			e.release()
			return nil, err
		}
		if !e.changed {
			old, ok := st.loaded[k]
			e.changed = !ok || !bytes.Equal(old, e.buf[start:])
		}
		e.keys = append(e.keys, k)
		e.ends = append(e.ends, len(e.buf))
	}
	return e, nil
}

// entries returns each key's encoded entry, as subslices of e.buf, which
// from now on belongs to the caller.
func (e *encoded) entries() map[string][]byte {
	e.kept = true
	return spans(e.buf, e.keys, e.ends)
}

// mergedEntries is entries for the merged encoding.
func (e *encoded) mergedEntries() map[string][]byte {
	return spans(e.merged, e.mergedKeys, e.mergedEnds)
}

func spans(buf []byte, keys []string, ends []int) map[string][]byte {
	m := make(map[string][]byte, len(keys))
	start := len(codec.AppendHeader(nil, len(keys)))
	for i, k := range keys {
		m[k] = buf[start:ends[i]:ends[i]]
		start = ends[i]
	}
	return m
}

// merge applies this request's changes to cur, the record a concurrent
// request stored meanwhile: the flash aging done at Start (where the flash
// is still there), then every key this request set or removed. The other
// keys keep the concurrent request's values, and data is brought up to date
// with them. The result is in e.merged.
func (e *encoded) merge(cur []byte, st *state, data map[string]interface{}) error {
	vals := make(map[string]interface{}, len(st.loaded)+4)
	raw := make(map[string][]byte, len(st.loaded)+4)
	if err := codec.Decode(cur, vals, raw); err != nil {
		return err
	}
	for _, name := range st.agedMoved {
		v, ok := vals[flashNew+name]
		if !ok {
			continue // read (or moved) by the concurrent request
		}
		entry, err := codec.AppendEntry(nil, flashNow+name, v)
		if err != nil {
			return err
		}
		delete(vals, flashNew+name)
		delete(raw, flashNew+name)
		vals[flashNow+name], raw[flashNow+name] = v, entry
	}
	for _, k := range st.agedDropped {
		delete(vals, k)
		delete(raw, k)
	}
	start := len(codec.AppendHeader(nil, e.n))
	for i, k := range e.keys {
		entry := e.buf[start:e.ends[i]]
		start = e.ends[i]
		if old, ok := st.loaded[k]; ok && bytes.Equal(old, entry) {
			continue // not this request's change
		}
		vals[k], raw[k] = data[k], entry
	}
	for k := range st.loaded {
		if _, ok := data[k]; !ok {
			delete(vals, k)
			delete(raw, k)
		}
	}
	for k := range data {
		if _, ok := raw[k]; !ok && k != stateKey {
			delete(data, k)
		}
	}
	for k, v := range vals {
		if _, ok := data[k]; !ok {
			data[k] = v
		}
	}
	e.merged = codec.AppendHeader(make([]byte, 0, len(cur)+len(e.buf)), len(raw))
	e.mergedKeys, e.mergedEnds = e.mergedKeys[:0], e.mergedEnds[:0]
	for k, entry := range raw {
		e.merged = append(e.merged, entry...)
		e.mergedKeys = append(e.mergedKeys, k)
		e.mergedEnds = append(e.mergedEnds, len(e.merged))
	}
	return nil
}

func (e *encoded) release() {
	if e.kept {
		e.buf = make([]byte, 0, 512)
	}
	if cap(e.buf) > 64<<10 {
		return // let oversized buffers go
	}
	encodedPool.Put(e)
}
