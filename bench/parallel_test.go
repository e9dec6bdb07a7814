package bench

import (
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
)

// BenchmarkParallel: the memory driver under b.RunParallel (run it with
// -cpu 1,2). Each goroutine works on its own sessions, drawn from 256
// seeded ones, as concurrent users do; a global lock on the hot path would
// show as no gain from 1 to 2 CPUs.
func BenchmarkParallel(b *testing.B) {
	ds := datasets()[0]
	for _, work := range []string{"read", "change"} {
		b.Run("memory/"+work, func(b *testing.B) {
			for _, l := range []lib{oursMemory(), scsMemory()} {
				b.Run(l.name, func(b *testing.B) {
					h := l.build(b, ds)
					cookies := make([]string, 256)
					for i := range cookies {
						cookies[i] = cookieOf(b, do(h.seed, ""), l.cookie)
					}
					target := h.read
					if work == "change" {
						target = h.change
					}
					var next atomic.Int64
					b.ReportAllocs()
					b.ResetTimer()
					b.RunParallel(func(pb *testing.PB) {
						g := int(next.Add(1)) * 61
						for n := 0; pb.Next(); n++ {
							req := httptest.NewRequest(http.MethodGet, "/", nil)
							req.Header.Set("Cookie", cookies[(g+n)%len(cookies)])
							rec := httptest.NewRecorder()
							target.ServeHTTP(rec, req)
							if rec.Code != http.StatusOK {
								b.Errorf("status %d: %s", rec.Code, rec.Body.String())
								return
							}
						}
					})
				})
			}
		})
	}
}
