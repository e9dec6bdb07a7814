package session

import (
	"slices"
	"strings"

	"github.com/seed-699a33a2/session/internal/codec"
)

// entries are a session's encoded entries, sorted by key: what the store
// holds of it (state.loaded), each entry a subslice of one encoding. A
// slice sorted once costs one allocation where a map costs two, and finds
// a key in log n steps.
type entries []codec.Entry

func byKey(a, b codec.Entry) int { return strings.Compare(a.Key, b.Key) }

// sorted sorts es by key; of entries with the same key (which only a
// non-canonical encoding holds) the last wins, as in a decode.
func (es entries) sorted() entries {
	slices.SortStableFunc(es, byKey)
	out := es[:0]
	for i, e := range es {
		if i+1 < len(es) && es[i+1].Key == e.Key {
			continue
		}
		out = append(out, e)
	}
	return out
}

func (es entries) find(k string) (int, bool) {
	return slices.BinarySearchFunc(es, k, func(e codec.Entry, k string) int { return strings.Compare(e.Key, k) })
}

// get returns k's entry.
func (es entries) get(k string) ([]byte, bool) {
	if i, ok := es.find(k); ok {
		return es[i].Raw, true
	}
	return nil, false
}

// set makes raw k's entry.
func (es *entries) set(k string, raw []byte) {
	i, ok := es.find(k)
	if ok {
		(*es)[i].Raw = raw
		return
	}
	*es = slices.Insert(*es, i, codec.Entry{Key: k, Raw: raw})
}

// del removes k's entry.
func (es *entries) del(k string) {
	if i, ok := es.find(k); ok {
		*es = slices.Delete(*es, i, i+1)
	}
}
