// Command peers is the load test over real sockets of the smallest app of
// each library: ours (Manager.Middleware), scs (LoadAndSave) and gorilla
// (store.Get and Session.Save), each a net/http server with two routes:
// "/" counts visits in the session (a read and a write on every request)
// and "/read" reads one key. Memory and Redis drivers: ours memstore and
// redisstore, scs memstore and goredisstore; gorilla/sessions has neither
// (its stores are cookies and files; no Redis store for it is among this
// module's dependencies), so it runs with its CookieStore on the memory
// line and not on the Redis line.
//
// Each app runs in a process of its own (this binary, re-executed with
// -serve), so that server and load generator do not share a Go runtime;
// they share the machine's cores. Each of -c connections is one user with
// its own session (it visits once to get its cookie, then keeps it), on
// its own keep-alive connection; every run lasts -d. The libraries take
// turns: each round runs every app once, in an order that rotates.
//
//	go run ./peers -d 10s -c 64                 # memory and redis (SESSION_TEST_REDIS_ADDR)
//	go run ./peers -d 3s -c 64 -driver memory -rounds 2
package main

import (
	"bufio"
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"os/exec"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/alexedwards/scs/goredisstore"
	"github.com/alexedwards/scs/v2"
	scsmem "github.com/alexedwards/scs/v2/memstore"
	"github.com/gorilla/sessions"
	"github.com/redis/go-redis/v9"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/redisstore"
)

const redisEnv = "SESSION_TEST_REDIS_ADDR"

var libs = []string{"ours", "scs", "gorilla"}

// app returns lib's handler on driver, and what to release after.
func app(lib, driver string) (http.Handler, func(), error) {
	var rc *redis.Client
	release := func() {}
	if driver == "redis" {
		addr := os.Getenv(redisEnv)
		if addr == "" {
			return nil, nil, fmt.Errorf("%s is not set", redisEnv)
		}
		rc = redis.NewClient(&redis.Options{Addr: addr, PoolSize: 128})
		release = func() { _ = rc.Close() }
	}
	switch lib {
	case "ours":
		var st session.Store
		if rc != nil {
			st = redisstore.New(rc, redisstore.Options{Prefix: "peers:ours:"})
		} else {
			st = memstore.New(memstore.Options{})
		}
		m, err := session.New(st, session.Config{})
		if err != nil {
			return nil, nil, err
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := session.FromContext(r.Context())
			n, _ := data["visits"].(int)
			data["visits"] = n + 1
			fmt.Fprintf(w, "visits %d", n+1)
		})
		mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := session.FromContext(r.Context())
			n, _ := data["visits"].(int)
			fmt.Fprintf(w, "visits %d", n)
		})
		return m.Middleware(mux), release, nil
	case "scs":
		sm := scs.New()
		if rc != nil {
			sm.Store = goredisstore.NewWithPrefix(rc, "peers:scs:")
		} else {
			sm.Store = scsmem.New()
		}
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			n := sm.GetInt(r.Context(), "visits")
			sm.Put(r.Context(), "visits", n+1)
			fmt.Fprintf(w, "visits %d", n+1)
		})
		mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
			fmt.Fprintf(w, "visits %d", sm.GetInt(r.Context(), "visits"))
		})
		return sm.LoadAndSave(mux), release, nil
	case "gorilla":
		if rc != nil {
			return nil, nil, errNoStore
		}
		st := sessions.NewCookieStore(randomKey(64), randomKey(32))
		mux := http.NewServeMux()
		mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
			s, _ := st.Get(r, "session")
			n, _ := s.Values["visits"].(int)
			s.Values["visits"] = n + 1
			if err := s.Save(r, w); err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			fmt.Fprintf(w, "visits %d", n+1)
		})
		mux.HandleFunc("/read", func(w http.ResponseWriter, r *http.Request) {
			s, _ := st.Get(r, "session")
			n, _ := s.Values["visits"].(int)
			fmt.Fprintf(w, "visits %d", n)
		})
		return mux, release, nil
	}
	return nil, nil, fmt.Errorf("unknown library %q", lib)
}

// errNoStore: the library has no store for the driver.
var errNoStore = errors.New("no store for this driver")

func randomKey(n int) []byte {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand never fails
	return b
}

// serve is the child process: it serves lib on driver on an ephemeral
// port, prints the address, and stops when its stdin closes.
func serve(lib, driver string) error {
	h, release, err := app(lib, driver)
	if err != nil {
		return err
	}
	defer release()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	fmt.Println(ln.Addr().String())
	_, _ = io.Copy(io.Discard, os.Stdin)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	return srv.Shutdown(ctx)
}

// start runs lib on driver in a child process and returns its base URL
// and the function that stops it.
func start(lib, driver string) (string, func(), error) {
	cmd := exec.Command(os.Args[0], "-serve", lib, "-driver", driver)
	cmd.Stderr = os.Stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		return "", nil, err
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return "", nil, err
	}
	if err := cmd.Start(); err != nil {
		return "", nil, err
	}
	addr, err := bufio.NewReader(stdout).ReadString('\n')
	if err != nil {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		return "", nil, fmt.Errorf("%s on %s did not start: %w", lib, driver, err)
	}
	return "http://" + strings.TrimSpace(addr), func() { _ = stdin.Close(); _ = cmd.Wait() }, nil
}

type result struct {
	reqs, errs int
	elapsed    time.Duration
	lat        []time.Duration
}

// load runs conns users against base+path for d.
func load(base, path string, conns int, d time.Duration) result {
	var (
		mu   sync.Mutex
		all  []time.Duration
		errs int
		wg   sync.WaitGroup
	)
	clients := make([]*http.Client, conns)
	for i := range clients {
		jar, _ := cookiejar.New(nil)
		clients[i] = &http.Client{Jar: jar, Timeout: 5 * time.Second,
			Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1}}
		// Visit once: the user's session, and its cookie, from now on.
		if res, err := clients[i].Get(base + "/"); err == nil {
			_, _ = io.Copy(io.Discard, res.Body)
			res.Body.Close()
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	t0 := time.Now()
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer c.CloseIdleConnections()
			lat := make([]time.Duration, 0, 1<<14)
			e := 0
			for ctx.Err() == nil {
				s := time.Now()
				res, err := c.Get(base + path)
				if err != nil {
					if ctx.Err() == nil {
						e++
					}
					continue
				}
				_, _ = io.Copy(io.Discard, res.Body)
				res.Body.Close()
				if res.StatusCode != http.StatusOK {
					e++
					continue
				}
				lat = append(lat, time.Since(s))
			}
			mu.Lock()
			all, errs = append(all, lat...), errs+e
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{reqs: len(all), errs: errs, elapsed: time.Since(t0), lat: all}
}

func pct(s []time.Duration, p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func main() {
	serveLib := flag.String("serve", "", "serve this library (the child process)")
	driverFlag := flag.String("driver", "memory,redis", "drivers: memory, redis (comma-separated)")
	dur := flag.Duration("d", 10*time.Second, "duration of each run")
	conns := flag.Int("c", 64, "connections, one user each")
	rounds := flag.Int("rounds", 1, "rounds; the libraries' order rotates each round")
	flag.Parse()
	if *serveLib != "" {
		if err := serve(*serveLib, *driverFlag); err != nil {
			fmt.Fprintln(os.Stderr, "peers:", err)
			os.Exit(1)
		}
		return
	}
	fmt.Printf("load test over loopback: %d connections (one user each), %s per run, %d round(s), each app in its own process; %s, %d CPUs shared\n\n",
		*conns, *dur, *rounds, runtime.Version(), runtime.NumCPU())
	fmt.Println("| driver | route | library | req/s | p50 | p99 | errors |")
	fmt.Println("|---|---|---|---:|---:|---:|---:|")
	type key struct{ driver, route, lib string }
	rps := map[key][]float64{}
	var (
		seen  []key
		notes []string
	)
	for _, driver := range strings.Split(*driverFlag, ",") {
		if driver == "redis" && os.Getenv(redisEnv) == "" {
			notes = append(notes, "redis: skipped, "+redisEnv+" is not set")
			continue
		}
		for _, route := range []string{"/", "/read"} {
			for round := range *rounds {
				order := slices.Clone(libs)
				for range round % len(order) {
					order = append(order[1:], order[0])
				}
				for _, lib := range order {
					if lib == "gorilla" && driver == "redis" {
						continue
					}
					base, stop, err := start(lib, driver)
					if err != nil {
						fmt.Fprintln(os.Stderr, "peers:", err)
						os.Exit(1)
					}
					r := load(base, route, *conns, *dur)
					stop()
					slices.Sort(r.lat)
					v := float64(r.reqs) / r.elapsed.Seconds()
					k := key{driver, route, lib}
					rps[k] = append(rps[k], v)
					if !slices.Contains(seen, k) {
						seen = append(seen, k)
					}
					name := lib
					if lib == "gorilla" {
						name = "gorilla (CookieStore)"
					}
					fmt.Printf("| %s | %s | %s | %.0f | %s | %s | %d |\n", driver, route, name, v,
						pct(r.lat, 0.5).Round(time.Microsecond), pct(r.lat, 0.99).Round(time.Microsecond), r.errs)
				}
			}
		}
	}
	median := func(v []float64) float64 {
		v = slices.Clone(v)
		slices.Sort(v)
		return v[len(v)/2]
	}
	fmt.Println("\nMedian req/s over the rounds, and ours over each peer:")
	fmt.Println()
	fmt.Println("| driver | route | ours | scs | gorilla | ours/scs | ours/gorilla |")
	fmt.Println("|---|---|---:|---:|---:|---:|---:|")
	for _, k := range seen {
		if k.lib != "ours" {
			continue
		}
		ours := median(rps[k])
		cells := []string{fmt.Sprintf("%.0f", ours)}
		var ratios []string
		for _, peer := range []string{"scs", "gorilla"} {
			p := rps[key{k.driver, k.route, peer}]
			if len(p) == 0 {
				cells, ratios = append(cells, "–"), append(ratios, "–")
				continue
			}
			cells = append(cells, fmt.Sprintf("%.0f", median(p)))
			ratios = append(ratios, fmt.Sprintf("%.2f×", ours/median(p)))
		}
		fmt.Printf("| %s | %s | %s | %s |\n", k.driver, k.route, strings.Join(cells, " | "), strings.Join(ratios, " | "))
	}
	for _, n := range notes {
		fmt.Println("\n" + n)
	}
}
