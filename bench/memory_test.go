package bench

import (
	"bytes"
	"net/http"
	"sync"
	"testing"

	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
)

func oursMemory() lib {
	return ours(func(b *testing.B) session.Store { return memstore.New(memstore.Options{}) })
}

func scsMemory() lib {
	return scsLib(func(b *testing.B) scs.Store {
		s := scsmem.New()
		b.Cleanup(s.StopCleanup)
		return s
	})
}

// BenchmarkMemory: memory store ↔ scs memstore. The read work also has
// "bare": the same request (same cookie, same body) without any session
// middleware, the floor of the targets on our added cost. Every work has
// "raw-map": a mutex-guarded map[string][]byte keyed by the cookie's
// value, holding the session's encoded bytes, read, replaced or added in
// the bare handler (no decoding, no change tracking, no cookie to set): the
// floor of what a session costs at all.
func BenchmarkMemory(b *testing.B) {
	benchDriver(b, []lib{oursMemory(), scsMemory()}, func(b *testing.B, ds dataset, work string) {
		if work == "read" {
			b.Run("bare", func(b *testing.B) {
				h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(benchName)) })
				runWork(b, h, session.DefaultCookieName+"="+store.NewID(), wantBody(benchName))
			})
		}
		b.Run("raw-map", func(b *testing.B) { rawMap(b, ds, work) })
	})
}

// rawMap runs the work on a mutex-guarded map.
func rawMap(b *testing.B, ds dataset, work string) {
	val, err := codec.Encode(ds.vals)
	if err != nil {
		b.Fatal(err)
	}
	var mu sync.Mutex
	m := map[string][]byte{}
	id := store.NewID()
	m[id] = bytes.Clone(val)
	cookie := session.DefaultCookieName + "=" + id
	var h http.HandlerFunc
	switch work {
	case "read":
		h = func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie(session.DefaultCookieName)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			mu.Lock()
			v := m[c.Value]
			mu.Unlock()
			if v == nil {
				http.Error(w, "no session", 500)
				return
			}
			_, _ = w.Write([]byte(benchName))
		}
	case "change":
		h = func(w http.ResponseWriter, r *http.Request) {
			c, err := r.Cookie(session.DefaultCookieName)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			mu.Lock()
			m[c.Value] = bytes.Clone(val)
			mu.Unlock()
			_, _ = w.Write(okBody)
		}
	case "create":
		cookie = ""
		h = func(w http.ResponseWriter, r *http.Request) {
			k := store.NewID()
			mu.Lock()
			m[k] = bytes.Clone(val)
			mu.Unlock()
			_, _ = w.Write(okBody)
		}
	}
	runWork(b, h, cookie, nil)
}
