// Command scale measures the memory driver at scale (issue 5, "Write less,
// scale flat"): the heap one live session costs in a memstore holding
// -n sessions (1,000,000 by default), the time to fill it, and how requests
// fare while the cleanup sweep (DeleteExpired) removes about half of them.
//
// The store is filled through the session manager's API: one Manager.Save
// per session of the realistic 5-key session of the benchmarks (a uint user
// ID, a name, a []string of roles, a 32-byte token, a flash message), so
// every session holds what the library's codec makes of it (the size is
// printed). Bytes per session is the HeapAlloc delta after a full GC,
// divided by the count: the store's map slots, entries and encoded data.
//
// Then the clock (one fake clock shared by the manager and the store) moves
// to where about half the sessions have expired, and -workers goroutines
// send load+change+save requests through Manager.Middleware (httptest) to
// live sessions: first for -base with no sweep (the reference), then for
// the whole duration of one DeleteExpired. The latency percentiles of the
// two runs side by side show whether the sweep ever stops the requests:
// a sweep that held one lock across the whole map would make the slowest
// request as long as the sweep.
//
// It is not a `go test` benchmark, so the ordinary benchmark pass never
// runs it (it takes about half a minute and some hundreds of MB):
//
//	cd bench && go run ./scale
//	go run ./scale -n 200000   # smaller
package main

import (
	"context"
	"flag"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"syscall"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/codec"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/store"
)

// clock is the fake clock of the manager and the store (Unix nanoseconds).
type clock struct{ ns atomic.Int64 }

func (c *clock) Now() time.Time      { return time.Unix(0, c.ns.Load()) }
func (c *clock) Set(t time.Time)     { c.ns.Store(t.UnixNano()) }
func (c *clock) Add(d time.Duration) { c.ns.Add(int64(d)) }

// The realistic session of the benchmarks (bench/common_test.go): the flash
// is a plain key, as in the benchmarks' loaded sessions.
func payload() map[string]any {
	token := make([]byte, 32)
	for i := range token {
		token[i] = byte(i*37 + 11)
	}
	return map[string]any{
		"user_id": uint(4217),
		"name":    "Ada Lovelace",
		"roles":   []string{"admin", "editor", "billing"},
		"token":   token,
		"flash":   "Your profile has been updated.",
	}
}

// headerWriter is the ResponseWriter of the fill: Save only sets a cookie.
type headerWriter struct{ h http.Header }

func (w *headerWriter) Header() http.Header         { return w.h }
func (w *headerWriter) Write(b []byte) (int, error) { return len(b), nil }
func (w *headerWriter) WriteHeader(int)             {}

func heapAfterGC() runtime.MemStats {
	// Twice: sync.Pool contents survive one collection (victim cache).
	runtime.GC()
	runtime.GC()
	var ms runtime.MemStats
	runtime.ReadMemStats(&ms)
	return ms
}

func maxRSS() int64 {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return ru.Maxrss * 1024 // kilobytes on Linux
}

const mb = 1 << 20

// stats of one run of requests.
type stats struct {
	n, misses                int
	p50, p90, p99, p999, max time.Duration
	elapsed                  time.Duration
	gcs                      uint32        // GC cycles that ended during the run
	gcPause                  time.Duration // their stop-the-world pauses, in total
}

func (s stats) line(name string) string {
	return fmt.Sprintf("| %s | %d | %.0f | %s | %s | %s | %s | %s | %d | %d (%s) |", name, s.n, float64(s.n)/s.elapsed.Seconds(),
		us(s.p50), us(s.p90), us(s.p99), us(s.p999), us(s.max), s.misses, s.gcs, us(s.gcPause))
}

func us(d time.Duration) string { return fmt.Sprintf("%.1f µs", float64(d)/float64(time.Microsecond)) }

func summarize(lat []time.Duration, misses int, elapsed time.Duration) stats {
	slices.Sort(lat)
	at := func(p float64) time.Duration {
		if len(lat) == 0 {
			return 0
		}
		return lat[min(len(lat)-1, int(float64(len(lat))*p))]
	}
	s := stats{n: len(lat), misses: misses, elapsed: elapsed, p50: at(0.50), p90: at(0.90), p99: at(0.99), p999: at(0.999)}
	if len(lat) > 0 {
		s.max = lat[len(lat)-1]
	}
	return s
}

// load runs workers that send requests to the cookies in rotation until
// stop is closed, and returns the latency of the requests that overlapped
// [from, to) once both are known: from and to are read after the workers
// end, so a caller can mark the interval while they run.
func load(h http.Handler, cookies []string, workers int, stop <-chan struct{}, from, to *time.Time) ([]time.Duration, int) {
	type sample struct{ start, end time.Time }
	var (
		mu     sync.Mutex
		all    [][]sample
		misses atomic.Int64
		wg     sync.WaitGroup
	)
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			s := make([]sample, 0, 1<<16)
			for i := w; ; i += workers {
				select {
				case <-stop:
					mu.Lock()
					all = append(all, s)
					mu.Unlock()
					return
				default:
				}
				req := httptest.NewRequest(http.MethodGet, "/", nil)
				req.Header.Set("Cookie", cookies[i%len(cookies)])
				rec := httptest.NewRecorder()
				t0 := time.Now()
				h.ServeHTTP(rec, req)
				t1 := time.Now()
				if rec.Code != http.StatusOK {
					misses.Add(1)
					continue
				}
				s = append(s, sample{t0, t1})
			}
		}()
	}
	wg.Wait()
	var lat []time.Duration
	for _, s := range all {
		for _, x := range s {
			if x.end.After(*from) && x.start.Before(*to) {
				lat = append(lat, x.end.Sub(x.start))
			}
		}
	}
	return lat, int(misses.Load())
}

func main() {
	n := flag.Int("n", 1_000_000, "live sessions to fill the store with")
	workers := flag.Int("workers", 4, "goroutines sending requests during the sweep")
	sampleN := flag.Int("sample", 10_000, "live sessions the requests go to (in rotation)")
	base := flag.Duration("base", 2*time.Second, "duration of the reference run without a sweep")
	flag.Parse()
	if *n < 1000 || *n > 5_000_000 || *workers < 1 || *sampleN < 1 || *base <= 0 || *base > time.Minute {
		fmt.Fprintln(os.Stderr, "scale: need 1000 <= -n <= 5e6, -workers >= 1, -sample >= 1, 0 < -base <= 1m")
		os.Exit(2)
	}
	if err := run(*n, *workers, min(*sampleN, *n/2), *base); err != nil {
		fmt.Fprintln(os.Stderr, "scale:", err)
		os.Exit(1)
	}
}

func run(n, workers, sampleN int, base time.Duration) error {
	const lifetime = time.Hour
	var clk clock
	t0 := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	clk.Set(t0)
	// No background sweep: the one sweep is ours.
	st := memstore.New(memstore.Options{Now: clk.Now, CleanupInterval: -1})
	defer st.Close()
	m, err := session.New(st, session.Config{
		Lifetime:     lifetime,
		Now:          clk.Now,
		ErrorHandler: func(w http.ResponseWriter, r *http.Request, err error) { http.Error(w, err.Error(), 500) },
	})
	if err != nil {
		return err
	}
	// Requests go to every (n/2/sampleN)-th session of the second half,
	// which stays live. Their IDs are kept in one buffer allocated before
	// the heap is measured.
	ids := make([]byte, 0, sampleN*store.IDLen)
	stride := max(1, (n-n/2)/sampleN)
	var userCounter atomic.Uint64

	fmt.Printf("memory driver at scale: %d sessions, %s, GOMAXPROCS %d, %s\n\n", n, runtime.Version(), runtime.GOMAXPROCS(0), time.Now().UTC().Format(time.RFC3339))

	before := heapAfterGC()
	// Fill: session i is saved at t0 + i·lifetime/n, so expiries are spread
	// evenly over one lifetime and, at t0 + 1.5·lifetime, the first half has
	// expired and the second half is live.
	w := &headerWriter{h: make(http.Header, 1)}
	step := lifetime / time.Duration(n)
	var firstID string
	start := time.Now()
	for i := range n {
		clk.Set(t0.Add(time.Duration(i) * step))
		id := store.NewID()
		data := payload()
		if err := m.Save(w, id, data); err != nil {
			return fmt.Errorf("save %d: %w", i, err)
		}
		delete(w.h, "Set-Cookie")
		if i > n/2 && (i-n/2)%stride == 0 && len(ids) < cap(ids) {
			ids = append(ids, id...)
		}
		if i == 0 {
			firstID = id
		}
	}
	fill := time.Since(start)
	after := heapAfterGC()

	rec, err := st.Load(context.Background(), firstID)
	if err != nil {
		return fmt.Errorf("load the first session back: %w", err)
	}
	raw, err := codec.Encode(payload())
	if err != nil {
		return err
	}
	heap := int64(after.HeapAlloc) - int64(before.HeapAlloc)
	fmt.Println("| measure | value |")
	fmt.Println("|---|---:|")
	fmt.Printf("| sessions held (Len) | %d |\n", st.Len())
	fmt.Printf("| session data as stored (Manager.Save through the codec) | %d B (codec.Encode of the 5 keys alone: %d B) |\n", len(rec.Data), len(raw))
	fmt.Printf("| heap after GC, delta | %.1f MiB |\n", float64(heap)/mb)
	fmt.Printf("| **bytes per session** (HeapAlloc delta / count) | **%.0f B** |\n", float64(heap)/float64(n))
	fmt.Printf("| time to fill (one goroutine, Manager.Save each) | %s (%.2f µs per session) |\n", fill.Round(time.Millisecond), float64(fill)/float64(n)/1e3)

	// Half expired: at t0 + 1.5·lifetime, sessions saved before t0 +
	// lifetime/2 (the first half) have expired.
	clk.Set(t0.Add(lifetime + lifetime/2))
	live, err := st.Count(context.Background())
	if err != nil {
		return err
	}
	fmt.Printf("| live after moving the clock (Count) | %d of %d |\n", live, st.Len())

	cookies := make([]string, 0, sampleN)
	for k := range len(ids) / store.IDLen {
		cookies = append(cookies, session.DefaultCookieName+"="+string(ids[k*store.IDLen:(k+1)*store.IDLen]))
	}
	h := m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, data, err := m.Start(r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		if _, ok := data["name"].(string); !ok { // not loaded: the session was lost
			http.Error(w, "session not found", http.StatusNotFound)
			return
		}
		data["user_id"] = uint(userCounter.Add(1))
		_, _ = w.Write([]byte("ok"))
	}))

	// Reference: the same requests, same store, no sweep.
	var preBase, baseGC, preSweep, sweepGC runtime.MemStats
	runtime.ReadMemStats(&preBase)
	stop := make(chan struct{})
	from, to := time.Now(), time.Now().Add(time.Hour)
	timer := time.AfterFunc(base, func() { close(stop) })
	bStart := time.Now()
	baseLat, baseMiss := load(h, cookies, workers, stop, &from, &to)
	baseElapsed := time.Since(bStart)
	timer.Stop()
	runtime.ReadMemStats(&baseGC)

	// During the sweep: the workers start, the sweep runs once, the workers
	// stop after it; only requests overlapping the sweep count.
	stop = make(chan struct{})
	var sweepFrom, sweepTo time.Time
	var removed int
	var sweepErr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		time.Sleep(100 * time.Millisecond) // the workers are running
		runtime.ReadMemStats(&preSweep)
		sweepFrom = time.Now()
		removed, sweepErr = st.DeleteExpired(context.Background())
		sweepTo = time.Now()
		runtime.ReadMemStats(&sweepGC)
		time.Sleep(20 * time.Millisecond)
		close(stop)
	}()
	sweepLat, sweepMiss := load(h, cookies, workers, stop, &sweepFrom, &sweepTo)
	<-done
	if sweepErr != nil {
		return sweepErr
	}
	sweep := sweepTo.Sub(sweepFrom)
	end := heapAfterGC()

	fmt.Printf("| sweep (DeleteExpired) duration, %d request goroutines running | %s |\n", workers, sweep.Round(time.Microsecond))
	fmt.Printf("| sessions removed by the sweep | %d |\n", removed)
	fmt.Printf("| sessions held after the sweep (Len) | %d |\n", st.Len())
	fmt.Printf("| heap after GC, end / peak RSS of the process | %.0f MiB / %.0f MiB |\n", float64(end.HeapAlloc)/mb, float64(maxRSS())/mb)
	fmt.Println()
	fmt.Printf("Requests: load + change one key + save, through Manager.Middleware (httptest), %d goroutines, %d live sessions in rotation.\n\n", workers, len(cookies))
	fmt.Println("| requests | count | req/s | p50 | p90 | p99 | p99.9 | max | errors | GC cycles (STW pauses) |")
	fmt.Println("|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
	bs := summarize(baseLat, baseMiss, baseElapsed)
	bs.gcs, bs.gcPause = baseGC.NumGC-preBase.NumGC, time.Duration(baseGC.PauseTotalNs-preBase.PauseTotalNs)
	ss := summarize(sweepLat, sweepMiss, sweep)
	ss.gcs, ss.gcPause = sweepGC.NumGC-preSweep.NumGC, time.Duration(sweepGC.PauseTotalNs-preSweep.PauseTotalNs)
	fmt.Println(bs.line(fmt.Sprintf("no sweep running (%s)", base)))
	fmt.Println(ss.line("during the sweep"))
	return nil
}
