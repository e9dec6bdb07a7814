package bench

import (
	"net/http"
	"testing"

	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"

	"github.com/seed-699a33a2/session"
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
// middleware, the floor for the read-only target.
func BenchmarkMemory(b *testing.B) {
	benchDriver(b, []lib{oursMemory(), scsMemory()}, func(b *testing.B, ds dataset, work string) {
		if work != "read" {
			return
		}
		b.Run("bare", func(b *testing.B) {
			h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write([]byte(benchName)) })
			runWork(b, h, session.DefaultCookieName+"="+store.NewID(), wantBody(benchName))
		})
	})
}
