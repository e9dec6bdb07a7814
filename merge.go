package session

import (
	"bytes"

	"github.com/seed-699a33a2/session/internal/codec"
)

// merge applies this request's changes to cur, the record a concurrent
// request stored meanwhile: the flash aging done at Start (where the flash
// is still there), then every key this request set or removed (a key it
// loaded and no longer has is removed, as after clear). The other keys keep
// the concurrent request's values, and data is brought up to date with
// them. The result is in e.merged.
func (e *encoded) merge(cur []byte, st *state, data map[string]any) error {
	vals := make(map[string]any, len(st.loaded)+4)
	raw := make(map[string][]byte, len(st.loaded)+4)
	if err := codec.Decode(cur, vals, raw); err != nil {
		return err
	}
	if err := replayAging(st, vals, raw); err != nil {
		return err
	}
	start := len(codec.AppendHeader(nil, e.n))
	for i, k := range e.keys {
		entry := e.buf[start:e.ends[i]]
		start = e.ends[i]
		if old, ok := st.loaded.get(k); ok && bytes.Equal(old, entry) {
			continue // not this request's change
		}
		vals[k], raw[k] = data[k], entry
	}
	for _, en := range st.loaded {
		if _, ok := data[en.Key]; !ok {
			delete(vals, en.Key)
			delete(raw, en.Key)
		}
	}
	for k := range data {
		if _, ok := raw[k]; !ok && stored(k) {
			delete(data, k)
		}
	}
	for k, v := range vals {
		if _, ok := data[k]; !ok {
			data[k] = v
		}
	}
	e.merged = codec.AppendHeader(make([]byte, 0, len(cur)+len(e.buf)), len(raw))
	e.mergedKeys, e.mergedVals, e.mergedEnds = e.mergedKeys[:0], e.mergedVals[:0], e.mergedEnds[:0]
	for k, entry := range raw {
		e.merged = append(e.merged, entry...)
		e.mergedKeys = append(e.mergedKeys, k)
		e.mergedVals = append(e.mergedVals, vals[k])
		e.mergedEnds = append(e.mergedEnds, len(e.merged))
	}
	return nil
}

// replayAging applies the flash aging this request did at Start to a
// concurrent request's record (vals and raw, its decoded and encoded
// entries), where the flashes are still there: a flash the other request
// read is not brought back.
func replayAging(st *state, vals map[string]any, raw map[string][]byte) error {
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
	return nil
}
