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
	m := make(map[string][]byte, len(e.keys))
	start := len(codec.AppendHeader(nil, e.n))
	for i, k := range e.keys {
		m[k] = e.buf[start:e.ends[i]:e.ends[i]]
		start = e.ends[i]
	}
	return m
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
