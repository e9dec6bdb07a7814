package session_test

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/store"
)

type recorder struct {
	mu     sync.Mutex
	events []session.StoreEvent
}

func (r *recorder) record(_ context.Context, e session.StoreEvent) {
	r.mu.Lock()
	r.events = append(r.events, e)
	r.mu.Unlock()
}

func (r *recorder) ops() string {
	r.mu.Lock()
	defer r.mu.Unlock()
	var ops []string
	for _, e := range r.events {
		ops = append(ops, e.Op)
	}
	r.events = nil
	return strings.Join(ops, ",")
}

func TestStoreEvents(t *testing.T) {
	rec := &recorder{}
	m := newManager(t, memStore(t), session.Config{OnStoreEvent: rec.record})
	b := newBrowser(t, m)
	b.request(nil)
	// Outside the middleware a fresh map is the session's whole content:
	// empty, it costs one idempotent delete (and no load, no save).
	if got := rec.ops(); got != "delete" {
		t.Fatalf("a request without a session made store calls %q, want one delete", got)
	}
	b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
	rec.mu.Lock()
	e := rec.events[0]
	rec.mu.Unlock()
	if e.Op != "save" || e.Driver != "memstore" || e.Bytes == 0 || e.Err != nil || e.Duration < 0 {
		t.Fatalf("save event %+v", e)
	}
	if got := rec.ops(); got != "save" {
		t.Fatalf("first write: %s", got)
	}
	b.request(func(id string, d map[string]interface{}, w http.ResponseWriter) {
		if _, err := m.Regenerate(w, id, d); err != nil {
			t.Fatal(err)
		}
	})
	if got := rec.ops(); got != "load,save,delete" {
		t.Fatalf("regenerate: %s", got)
	}
	b.request(func(id string, _ map[string]interface{}, w http.ResponseWriter) { m.Destroy(w, id) })
	if got := rec.ops(); got != "load,delete" {
		t.Fatalf("destroy: %s", got)
	}

	f := &failing{Store: memStore(t)}
	m2 := newManager(t, f, session.Config{OnStoreEvent: rec.record})
	b2 := newBrowser(t, m2)
	b2.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
	f.setDown(true)
	r := newRequest()
	r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: b2.cookie})
	m2.Start(r)
	rec.mu.Lock()
	last := rec.events[len(rec.events)-1]
	rec.mu.Unlock()
	if last.Op != "load" || !errors.Is(last.Err, session.ErrBackend) {
		t.Fatalf("failed load event %+v", last)
	}
}

// TestIDsNeverInLogsOrErrors runs the failure paths that log or return
// errors and looks for the session ID in them.
func TestIDsNeverInLogsOrErrors(t *testing.T) {
	var logs bytes.Buffer
	f := &failing{Store: memStore(t)}
	m := newManager(t, f, session.Config{Logger: slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))})
	b := newBrowser(t, m)
	id := b.request(func(_ string, d map[string]interface{}, _ http.ResponseWriter) { d["x"] = 1 })
	var errs []string
	f.setDown(true)
	for _, fn := range []func() error{
		func() error { _, _, err := m.Start(cookieRequest(b.cookie)); return err },
		func() error { return m.Destroy(newRecorder(), id) },
		func() error {
			return m.Save(newRecorder(), store.NewID(), map[string]interface{}{"x": 1})
		},
	} {
		if err := fn(); err != nil {
			errs = append(errs, err.Error())
		}
	}
	w := newRecorder()
	m.Middleware(http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})).ServeHTTP(w, cookieRequest(b.cookie))
	all := logs.String() + strings.Join(errs, "\n") + w.Body.String()
	if len(errs) == 0 || logs.Len() == 0 {
		t.Fatalf("the failure paths produced nothing to check: errs %v, logs %q", errs, logs.String())
	}
	for _, form := range []string{id, b.cookie, id[:16]} {
		if strings.Contains(all, form) {
			t.Fatalf("session ID found in logs or errors:\n%s", all)
		}
	}
}

func cookieRequest(value string) *http.Request {
	r := newRequest()
	r.AddCookie(&http.Cookie{Name: session.DefaultCookieName, Value: value})
	return r
}
