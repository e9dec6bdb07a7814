package session

import (
	"bytes"
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
	cost    int64 // what decoding buf will allocate
	// copied is the exact-size copy of the encoding that exact made, or
	// nil: what the state (and a store.Sharer) keeps.
	copied []byte
	// pending, when diff found nothing changed, are the loaded entries that
	// are the encoding, put together in buf only when bytes asks for it.
	pending entries

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
//
// It walks the loaded entries, looking each key up in data, when data has
// as many keys as were loaded (the common case: keys changed, if at all,
// in place), which is faster than ranging over the map; otherwise, or when
// a loaded key turns out to be gone, it ranges over the map. When nothing
// changed, the encoding is the loaded one: it is put together only if
// asked for (see bytes), which a read-only request never does.
func diff(data map[string]any, st *state) (*encoded, error) {
	e := encodedPool.Get().(*encoded)
	e.merged, e.mergedKeys, e.mergedVals, e.mergedEnds = nil, nil, nil, nil
	e.pending, e.copied = nil, nil
	if st.stored && len(data) == len(st.loaded) {
		unchanged, gone, err := e.sameAsLoaded(data, st)
		switch {
		case err != nil:
			return e.done(err)
		case unchanged:
			e.n, e.changed, e.pending = len(st.loaded), false, st.loaded
			return e, nil // the stored record passed the budget check already
		case !gone:
			return e.done(e.fromLoaded(data, st))
		}
	}
	return e.done(e.fromMap(data, st))
}

// sameAsLoaded reports whether every loaded key is in data with a value
// that encodes as loaded (unchanged), or whether one of them is gone from
// data (gone). It encodes only what Same cannot compare, into e.buf as
// scratch.
func (e *encoded) sameAsLoaded(data map[string]any, st *state) (unchanged, gone bool, err error) {
	e.reset(0)
	for _, old := range st.loaded {
		v, ok := data[old.Key]
		if !ok || !stored(old.Key) {
			return false, true, nil
		}
		if codec.Same(v, old.Val) {
			continue
		}
		var cost int64
		mark := len(e.buf)
		if e.buf, err = codec.AppendEntryCost(e.buf, old.Key, v, &cost); err != nil {
			return false, false, err
		}
		same := bytes.Equal(old.Raw, e.buf[mark:])
		e.buf = e.buf[:mark]
		if !same {
			return false, false, nil
		}
	}
	return true, false, nil
}

// bytes returns the encoding, putting it together from the loaded entries
// when diff found nothing changed.
func (e *encoded) bytes() []byte {
	if es := e.pending; es != nil {
		e.pending = nil
		e.reset(len(es))
		for _, en := range es {
			e.buf = append(e.buf, en.Raw...)
			e.keys = append(e.keys, en.Key)
			e.vals = append(e.vals, en.Val)
			e.ends = append(e.ends, len(e.buf))
		}
	}
	return e.buf
}

// reset empties e for an encoding of n entries.
func (e *encoded) reset(n int) {
	e.buf, e.keys, e.vals, e.ends = e.buf[:0], e.keys[:0], e.vals[:0], e.ends[:0]
	e.buf = codec.AppendHeader(e.buf, n)
	e.n, e.cost = n, 0
}

// fromLoaded encodes data in the order of the loaded entries, every one of
// which data has.
func (e *encoded) fromLoaded(data map[string]any, st *state) error {
	e.reset(len(st.loaded))
	e.changed = false
	for _, old := range st.loaded {
		if err := e.add(old.Key, data[old.Key], old, true); err != nil {
			return err
		}
	}
	return nil
}

// fromMap encodes data ranging over it.
func (e *encoded) fromMap(data map[string]any, st *state) error {
	n := 0
	for k := range data {
		if stored(k) {
			n++
		}
	}
	e.reset(n)
	e.changed = !st.stored || len(st.loaded) != n
	for k, v := range data {
		if !stored(k) {
			continue
		}
		old, ok := st.loaded.entry(k)
		if err := e.add(k, v, old, ok); err != nil {
			return err
		}
	}
	return nil
}

// add encodes the entry k, v, whose stored entry is old (when loaded).
func (e *encoded) add(k string, v any, old codec.Entry, loaded bool) error {
	start := len(e.buf)
	if loaded && codec.Same(v, old.Val) {
		// A string or number as loaded: its stored bytes are its
		// encoding, with nothing to encode or compare.
		e.buf = append(e.buf, old.Raw...)
		e.cost += codec.ScalarCost(v)
	} else {
		var err error
		if e.buf, err = codec.AppendEntryCost(e.buf, k, v, &e.cost); err != nil {
			return err
		}
		if !e.changed {
			e.changed = !loaded || !bytes.Equal(old.Raw, e.buf[start:])
		}
	}
	e.keys = append(e.keys, k)
	e.vals = append(e.vals, v)
	e.ends = append(e.ends, len(e.buf))
	return nil
}

// done finishes an encoding: what the decoder would refuse is never stored.
func (e *encoded) done(err error) (*encoded, error) {
	if err == nil {
		err = codec.CheckBudget(e.cost, len(e.buf))
	}
	if err != nil {
		e.release()
		return nil, err
	}
	return e, nil
}

// entries returns each key's encoded entry, as subslices of exact, in
// dst's array when it has room (the entries the state held before: one
// allocation fewer per write).
func (e *encoded) entries(dst entries) entries {
	return spans(dst, e.exact(), e.keys, e.vals, e.ends)
}

// exact returns a copy of the encoding of its exact size, made once per
// encoding, which nothing changes after: the state keeps it, and a
// store.Sharer may keep the same bytes. The pooled buffer stays with e for
// the next encoding, grown as it is: handing it to the state instead would
// cost a new buffer per write, grown again for every large session.
func (e *encoded) exact() []byte {
	if e.copied == nil {
		e.copied = bytes.Clone(e.bytes())
	}
	return e.copied
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
	e.pending, e.copied = nil, nil
	if cap(e.buf) > 64<<10 {
		return // let oversized buffers go
	}
	encodedPool.Put(e)
}

// stored reports whether the entry under k is part of the stored session:
// neither a handle nor a flash of FlashNow.
func stored(k string) bool { return k != handleKey && !requestOnly(k) }
