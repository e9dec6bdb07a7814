package session

import (
	"bytes"
	"reflect"
	"slices"
	"sync"

	"github.com/seed-699a33a2/session/internal/codec"
)

// encoded is one encoding of a session's data map, with what changed
// against the entries the store holds.
type encoded struct {
	buf     []byte
	n       int  // entries encoded
	changed bool // differs from what the store holds
	keys    []string
	vals    []any // vals[i] is the value encoded under keys[i]
	ends    []int // ends[i] is where keys[i]'s entry ends in buf
	kept    bool  // buf is referenced by a state; do not reuse it

	// merged is the encoding after merging into a concurrent request's
	// record (see merge), with its entries' keys and ends.
	merged     []byte
	mergedKeys []string
	mergedVals []any
	mergedEnds []int
}

var encodedPool = sync.Pool{New: func() any { return &encoded{buf: make([]byte, 0, 512)} }}

// diff encodes every entry of data (but a handle) and compares each with
// the entry the store holds, as st knows it.
func diff(data map[string]any, st *state) (*encoded, error) {
	e := encodedPool.Get().(*encoded)
	e.buf, e.keys, e.vals, e.ends, e.kept = e.buf[:0], e.keys[:0], e.vals[:0], e.ends[:0], false
	e.merged, e.mergedKeys, e.mergedVals, e.mergedEnds = nil, nil, nil, nil
	n := 0
	for k := range data {
		if stored(k) {
			n++
		}
	}
	e.n = n
	e.buf = codec.AppendHeader(e.buf, n)
	e.changed = !st.stored || len(st.loaded) != n
	var (
		err  error
		cost int64 // what decoding it will allocate
	)
	for k, v := range data {
		if !stored(k) {
			continue
		}
		start := len(e.buf)
		old, ok := st.loaded.entry(k)
		if ok && codec.Same(v, old.Val) {
			// A string or number as loaded: its stored bytes are its
			// encoding, with nothing to encode or compare.
			e.buf = append(e.buf, old.Raw...)
			cost += codec.ScalarCost(v)
		} else {
			if e.buf, err = codec.AppendEntryCost(e.buf, k, v, &cost); err != nil {
				e.release()
				return nil, err
			}
			if !e.changed {
				e.changed = !ok || !bytes.Equal(old.Raw, e.buf[start:])
			}
		}
		e.keys = append(e.keys, k)
		e.vals = append(e.vals, v)
		e.ends = append(e.ends, len(e.buf))
	}
	if err := codec.CheckBudget(cost, len(e.buf)); err != nil {
		e.release()
		return nil, err // what the decoder would refuse is never stored
	}
	return e, nil
}

// entries returns each key's encoded entry, as subslices of e.buf, which
// from now on belongs to the caller, in dst's array when it has room (the
// entries the state held before: one allocation fewer per write).
func (e *encoded) entries(dst entries) entries {
	e.kept = true
	return spans(dst, e.buf, e.keys, e.vals, e.ends)
}

// mergedEntries is entries for the merged encoding.
func (e *encoded) mergedEntries(dst entries) entries {
	return spans(dst, e.merged, e.mergedKeys, e.mergedVals, e.mergedEnds)
}

func spans(dst entries, buf []byte, keys []string, vals []any, ends []int) entries {
	es := slices.Grow(dst[:0], len(keys))[:len(keys)]
	if es == nil {
		es = entries{} // never nil: put's nil means a session gone
	}
	start := len(codec.AppendHeader(nil, len(keys)))
	for i, k := range keys {
		es[i] = codec.Entry{Key: k, Raw: buf[start:ends[i]:ends[i]], Val: vals[i]}
		start = ends[i]
	}
	return es.indexed()
}

func (e *encoded) release() {
	clear(e.vals) // hold no value of the application's after the request
	clear(e.mergedVals)
	if e.kept {
		e.buf = make([]byte, 0, 512)
	}
	if cap(e.buf) > 64<<10 {
		return // let oversized buffers go
	}
	encodedPool.Put(e)
}

// stored reports whether the entry under k is part of the stored session:
// neither a handle nor a flash of FlashNow.
func stored(k string) bool { return k != handleKey && !requestOnly(k) }

// sameMap reports whether a and b are the same map (not merely equal).
func sameMap(a, b map[string]any) bool {
	return reflect.ValueOf(a).UnsafePointer() == reflect.ValueOf(b).UnsafePointer()
}
