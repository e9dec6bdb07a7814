package hardening_test

import (
	"context"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store/storetest"
)

// TestMemoryMaxSessionsThroughTheManager: with MaxSessions set, a flood of
// new visitors through the middleware (sequential, then concurrent) never
// makes the store hold more than the limit, every request succeeds, and the
// most recent session still opens.
func TestMemoryMaxSessionsThroughTheManager(t *testing.T) {
	for _, max := range []int{1, 7, 64, 100} {
		t.Run("max "+strconv.Itoa(max), func(t *testing.T) {
			clock := storetest.NewClock(time.Now())
			st := memstore.New(memstore.Options{Now: clock.Now, MaxSessions: max})
			t.Cleanup(func() { st.Close() })
			a := newApp(t, st, session.Config{Now: clock.Now})

			visit := func() string {
				b := &browser{a: a}
				b.do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) { data["cart"] = "book" })
				return b.cookie
			}
			for range 10 * max {
				visit()
				if n := st.Len(); n > max {
					t.Fatalf("the store holds %d sessions, MaxSessions is %d", n, max)
				}
			}
			last := visit()
			if _, data, err := a.start(header(last)); err != nil || data["cart"] != "book" {
				t.Errorf("the newest session is gone: %v %v", data, err)
			}

			var over atomic.Int64
			stop := make(chan struct{})
			watcher := make(chan struct{})
			go func() {
				defer close(watcher)
				for {
					select {
					case <-stop:
						return
					default:
					}
					if n := st.Len(); n > max {
						over.Store(int64(n))
					}
				}
			}()
			var wg sync.WaitGroup
			for range 4 {
				wg.Add(1)
				go func() {
					defer wg.Done()
					for range 5 * max {
						w := a.serve(context.Background(), "", func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
							data["cart"] = "book"
						})
						if w.Code != http.StatusOK {
							a.mu.Lock()
							err := a.lastErr
							a.mu.Unlock()
							t.Errorf("status %d: %v", w.Code, err)
							return
						}
					}
				}()
			}
			wg.Wait()
			close(stop)
			<-watcher
			if n := over.Load(); n > 0 {
				t.Errorf("under concurrent traffic the store held %d sessions, MaxSessions is %d", n, max)
			}
			if n := st.Len(); n > max {
				t.Errorf("after the flood the store holds %d, MaxSessions is %d", n, max)
			}
		})
	}
}
