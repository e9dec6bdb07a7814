package session

import (
	"net/http"
	"slices"
	"testing"
)

// TestSessionHeadersAllocateNothing: setting the session cookie and its
// Cache-Control directive on a response that has neither puts them in the
// state's slots, without allocating; setting the cookie again replaces it.
func TestSessionHeadersAllocateNothing(t *testing.T) {
	m, err := New(nopStore{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	line := DefaultCookieName + "=abc; Path=/; HttpOnly"
	var st state
	h := http.Header{}
	allocs := testing.AllocsPerRun(100, func() {
		clear(h)
		m.putCookie(h, &st.hdr, line)
		m.putCookie(h, &st.hdr, line) // again in the same response: replaced
		m.noCache(h, &st.hdr)
	})
	if allocs != 0 {
		t.Errorf("%v allocations, want 0", allocs)
	}
	if got := h["Set-Cookie"]; !slices.Equal(got, []string{line}) {
		t.Errorf("Set-Cookie = %q", got)
	}
	if got := h["Cache-Control"]; !slices.Equal(got, []string{noCacheCookie}) {
		t.Errorf("Cache-Control = %q", got)
	}
}

// TestHeaderSlotsBackOneHeaderOnly: a state saved again for another
// response (a map from Start kept beyond its request) never changes the
// first response's header, and a value appended after the session's does
// not overwrite it.
func TestHeaderSlotsBackOneHeaderOnly(t *testing.T) {
	m, err := New(nopStore{}, Config{})
	if err != nil {
		t.Fatal(err)
	}
	var st state
	first, second := http.Header{}, http.Header{}
	m.putCookie(first, &st.hdr, DefaultCookieName+"=one")
	m.noCache(first, &st.hdr)
	m.putCookie(second, &st.hdr, DefaultCookieName+"=two")
	m.noCache(second, &st.hdr)
	if got, want := first["Set-Cookie"], []string{DefaultCookieName + "=one"}; !slices.Equal(got, want) {
		t.Errorf("first response's Set-Cookie after the second's = %q, want %q", got, want)
	}
	first.Add("Set-Cookie", "other=1")
	first.Add("Cache-Control", "private")
	if got, want := first["Set-Cookie"], []string{DefaultCookieName + "=one", "other=1"}; !slices.Equal(got, want) {
		t.Errorf("first response's Set-Cookie = %q, want %q", got, want)
	}
	if got, want := first["Cache-Control"], []string{noCacheCookie, "private"}; !slices.Equal(got, want) {
		t.Errorf("first response's Cache-Control = %q, want %q", got, want)
	}
	if got, want := second["Set-Cookie"], []string{DefaultCookieName + "=two"}; !slices.Equal(got, want) {
		t.Errorf("second response's Set-Cookie = %q, want %q", got, want)
	}
	// The session's cookie set again in the first response replaces its
	// own and keeps the other.
	m.putCookie(first, &st.hdr, DefaultCookieName+"=three")
	if got, want := first["Set-Cookie"], []string{"other=1", DefaultCookieName + "=three"}; !slices.Equal(got, want) {
		t.Errorf("first response's Set-Cookie after a replacement = %q, want %q", got, want)
	}
	if got, want := second["Set-Cookie"], []string{DefaultCookieName + "=two"}; !slices.Equal(got, want) {
		t.Errorf("second response's Set-Cookie after the first's replacement = %q, want %q", got, want)
	}
}
