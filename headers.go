package session

import (
	"net/http"

	"github.com/seed-699a33a2/session/internal/mapid"
)

// headerSlots back the values the manager puts in one response's header
// (the session cookie, its Cache-Control directive), so that setting them
// allocates nothing. A value set under a key the header does not hold yet
// is a one-element slice of its slot, whose capacity ends with it: whoever
// appends to it copies it rather than writing past it.
//
// The slots back the first header they are used for and no other, since a
// session's state may outlive its request (outside the middleware, a map
// from Start can be saved again in another one), and a later response must
// never change an earlier one's header.
type headerSlots struct {
	h             http.Header
	cookie, cache [1]string
}

// slot returns the slot to put a value in as the only one under key
// ("Set-Cookie" or "Cache-Control") in h, or nil when there is none to use:
// h holds values under key already, or the slots back another header (or s
// is nil).
func (s *headerSlots) slot(h http.Header, key string) *[1]string {
	if s == nil || len(h[key]) > 0 {
		return nil
	}
	if s.h == nil {
		s.h = h
	} else if !mapid.Same(s.h, h) {
		return nil
	}
	if key == "Set-Cookie" {
		return &s.cookie
	}
	return &s.cache
}

// addValue adds v under key, a canonical header name, to h: in slot when
// there is one (see headerSlots.slot), else as http.Header.Add does.
func addValue(h http.Header, key, v string, slot *[1]string) {
	if slot == nil {
		h[key] = append(h[key], v)
		return
	}
	slot[0] = v
	h[key] = slot[:]
}
