package session_test

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
)

// watchedSharer is the memory store keeping a copy of every slice it
// shares with the manager, to tell whether the manager ever changed one.
type watchedSharer struct {
	*memstore.Store
	mu            sync.Mutex
	shared        [][]byte // the slices shared
	copies        [][]byte // what each held when shared
	loads, saves  int
	copiedSaveIfs int
}

func (w *watchedSharer) watch(b []byte) {
	w.shared, w.copies = append(w.shared, b), append(w.copies, bytes.Clone(b))
}

func (w *watchedSharer) LoadShared(ctx context.Context, token string) (store.Record, error) {
	r, err := w.Store.LoadShared(ctx, token)
	w.mu.Lock()
	defer w.mu.Unlock()
	if err == nil {
		w.loads++
		w.watch(r.Data)
	}
	return r, err
}

func (w *watchedSharer) SaveIfShared(ctx context.Context, r store.Record) (string, uint64, error) {
	w.mu.Lock()
	w.saves++
	w.watch(r.Data)
	w.mu.Unlock()
	return w.Store.SaveIfShared(ctx, r)
}

func (w *watchedSharer) SaveIf(ctx context.Context, r store.Record) (string, uint64, error) {
	w.mu.Lock()
	w.copiedSaveIfs++
	w.mu.Unlock()
	return w.Store.SaveIf(ctx, r)
}

// changed returns how many shared slices no longer hold what they held.
func (w *watchedSharer) changed() int {
	w.mu.Lock()
	defer w.mu.Unlock()
	n := 0
	for i, b := range w.shared {
		if !bytes.Equal(b, w.copies[i]) {
			n++
		}
	}
	return n
}

// TestSharedBytesAreNeverChanged: with a store.Sharer (the memory store),
// the manager loads and saves through the sharing methods, and nothing it
// does changes a byte it shares: flash aging, changes, a []byte value
// changed in place by the handler, clear, Regenerate, and the merge of a
// concurrent request's change.
func TestSharedBytesAreNeverChanged(t *testing.T) {
	st := &watchedSharer{Store: memstore.New(memstore.Options{})}
	t.Cleanup(func() { st.Close() })
	m := newManager(t, st, session.Config{})
	mux := http.NewServeMux()
	mux.HandleFunc("/token", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		if tok, ok := data["token"].([]byte); ok {
			tok[0] = 'X' // the handler's own copy: never the store's bytes
			return
		}
		data["token"] = []byte("secret token")
	})
	mux.HandleFunc("/regenerate", func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		if _, err := m.Regenerate(w, id, data); err != nil {
			t.Error(err)
		}
	})
	mux.Handle("/", mapApp(m))
	c := newClient(t, m.Middleware(mux))

	c.get("/set?a=1&flash=hello")
	c.get("/show") // the flash ages
	c.get("/token")
	c.get("/token") // changes its copy of the loaded []byte
	c.get("/set?b=2")
	c.get("/regenerate")
	c.get("/clear?c=3")

	// A request that loads, waits while another one saves, then changes a
	// key: its save conflicts and merges.
	cookie := &http.Cookie{Name: m.Config().CookieName, Value: c.cookieValue(m.Config().CookieName)}
	rec := aroundAnother(m, cookie, func() { c.get("/set?fast=yes") }, func(data map[string]any) { data["slow"] = "yes" })
	if rec.Code != http.StatusOK {
		t.Fatalf("the slow request: %d %q", rec.Code, rec.Body)
	}

	body := c.get("/show").body
	for _, want := range []string{"c=3", "fast=yes", "slow=yes"} {
		if !strings.Contains(body, want) {
			t.Errorf("the session reads %q, want %s in it", body, want)
		}
	}
	if st.loads == 0 || st.saves == 0 {
		t.Fatalf("the manager used LoadShared %d times and SaveIfShared %d times: want both", st.loads, st.saves)
	}
	if n := st.changed(); n != 0 {
		t.Fatalf("%d of the %d slices shared with the store changed after they were shared", n, len(st.shared))
	}
	if st.copiedSaveIfs != 0 {
		t.Errorf("the manager saved %d times through SaveIf with a Sharer: want SaveIfShared", st.copiedSaveIfs)
	}
}
