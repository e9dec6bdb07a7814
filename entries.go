package session

import (
	"slices"
	"strings"

	"github.com/seed-699a33a2/session/internal/codec"
)

// entries are a session's encoded entries: what the store holds of it
// (state.loaded), each entry a subslice of one encoding with the value it
// encodes. A slice costs one allocation where a map costs two. A session
// of up to smallEntries keys is searched in order (faster than anything
// for so few); a larger one is kept sorted by key and searched by halves.
type entries []codec.Entry

// smallEntries is the most entries searched one by one.
const smallEntries = 16

func byKey(a, b codec.Entry) int { return strings.Compare(a.Key, b.Key) }

// indexed returns es ready to search: sorted when large. Of entries with
// the same key (which only a non-canonical encoding holds) the last wins,
// as in a decode.
func (es entries) indexed() entries {
	if len(es) <= smallEntries {
		return es
	}
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

// find returns k's index, or where to insert it.
func (es entries) find(k string) (int, bool) {
	if len(es) <= smallEntries {
		for i := len(es) - 1; i >= 0; i-- { // from the end: the last of equal keys wins
			if es[i].Key == k {
				return i, true
			}
		}
		return len(es), false
	}
	return slices.BinarySearchFunc(es, k, func(e codec.Entry, k string) int { return strings.Compare(e.Key, k) })
}

// get returns k's encoded entry.
func (es entries) get(k string) ([]byte, bool) {
	e, ok := es.entry(k)
	return e.Raw, ok
}

// entry returns k's entry.
func (es entries) entry(k string) (codec.Entry, bool) {
	if i, ok := es.find(k); ok {
		return es[i], true
	}
	return codec.Entry{}, false
}

// set makes raw, the encoding of v, k's entry.
func (es *entries) set(k string, raw []byte, v any) {
	i, ok := es.find(k)
	if ok {
		(*es)[i].Raw, (*es)[i].Val = raw, v
		return
	}
	*es = slices.Insert(*es, i, codec.Entry{Key: k, Raw: raw, Val: v})
	if len(*es) == smallEntries+1 {
		*es = es.indexed() // from now on searched by halves
	}
}

// del removes k's entry.
func (es *entries) del(k string) {
	if i, ok := es.find(k); ok {
		*es = slices.Delete(*es, i, i+1)
	}
}
