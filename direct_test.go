package session_test

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/seed-699a33a2/session"
)

// browser drives the manager directly (Start, handler, Save), without the
// middleware, keeping the session cookie between requests like a browser.
type browser struct {
	t      *testing.T
	m      *session.Manager
	cookie string
	// last is the last response's recorder.
	last *httptest.ResponseRecorder
}

func newBrowser(t *testing.T, m *session.Manager) *browser { return &browser{t: t, m: m} }

// request runs one request: Start, fn, Save. fn may be nil.
func (b *browser) request(fn func(id string, data map[string]interface{}, w http.ResponseWriter)) string {
	b.t.Helper()
	r := httptest.NewRequest("GET", "/", nil)
	if b.cookie != "" {
		r.AddCookie(&http.Cookie{Name: b.m.Config().CookieName, Value: b.cookie})
	}
	w := httptest.NewRecorder()
	id, data, err := b.m.Start(r)
	if err != nil {
		b.t.Fatalf("Start: %v", err)
	}
	if fn != nil {
		fn(id, data, w)
	}
	if err := b.m.Save(w, id, data); err != nil {
		b.t.Fatalf("Save: %v", err)
	}
	b.absorb(w)
	return id
}

// absorb takes the session cookie from a response, as a browser would.
func (b *browser) absorb(w *httptest.ResponseRecorder) {
	b.last = w
	for _, c := range w.Result().Cookies() {
		if c.Name != b.m.Config().CookieName {
			continue
		}
		if c.MaxAge < 0 {
			b.cookie = ""
		} else {
			b.cookie = c.Value
		}
	}
}

// setCookies counts the session cookies the last response set.
func (b *browser) setCookies() int {
	n := 0
	for _, c := range b.last.Result().Cookies() {
		if c.Name == b.m.Config().CookieName {
			n++
		}
	}
	return n
}

func newRequest() *http.Request               { return httptest.NewRequest("GET", "/", nil) }
func newRecorder() *httptest.ResponseRecorder { return httptest.NewRecorder() }
