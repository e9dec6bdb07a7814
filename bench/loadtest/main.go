// Command loadtest measures requests per second and latency percentiles of
// a small gin app shaped like the demo (cmd/sessiondemo, whose handler
// constructor is unexported): the session middleware with the memory
// driver, against the same app with the session middleware removed.
//
// Server and load generator run in this one process on 127.0.0.1 (an
// ephemeral port); each of -c workers has its own keep-alive connection and
// its own cookie (one user each). Every run is bounded by -d.
//
//	go run ./loadtest -d 10s -c 16
package main

import (
	"context"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"slices"
	"sync"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/middleware"
)

var page = template.Must(template.New("home").Parse(`<!doctype html>
<html><head><title>{{.Title}}</title></head><body>
<nav>{{if .User}}Signed in as {{.User}}{{else}}<a href="/login">Sign in</a>{{end}}</nav>
{{with .Success}}<p class="flash">{{.}}</p>{{end}}
<h1>{{.Title}}</h1><p>You have visited this page {{.Visits}} times.</p>
</body></html>`))

type view struct {
	Title, User string
	Success     any
	Visits      int
}

// newApp: "/" is the demo's home (counts visits in the session: a write
// on every request), "/read" a page that only reads the user; "/login"
// signs in (sets the user and a flash) and is used once per worker.
func newApp(m *session.Manager) http.Handler {
	gin.SetMode(gin.ReleaseMode)
	r := gin.New()
	r.Use(gin.Recovery())
	g := r.Group("/")
	if m != nil {
		g.Use(middleware.SessionWith(m))
	}
	data := func(c *gin.Context) map[string]any {
		if m == nil {
			return map[string]any{"user": "ada", "visits": 41}
		}
		return middleware.Data(c)
	}
	render := func(c *gin.Context, v view) {
		c.Status(http.StatusOK)
		c.Header("Content-Type", "text/html; charset=utf-8")
		if err := page.Execute(c.Writer, v); err != nil {
			_ = c.Error(err)
		}
	}
	g.GET("/", func(c *gin.Context) {
		d := data(c)
		n, _ := d["visits"].(int)
		d["visits"] = n + 1
		v := view{Title: "Home", Visits: n + 1}
		v.User, _ = d["user"].(string)
		if m != nil {
			v.Success, _ = m.GetFlash(d, "success")
		}
		render(c, v)
	})
	g.GET("/read", func(c *gin.Context) {
		d := data(c)
		v := view{Title: "Read"}
		v.User, _ = d["user"].(string)
		render(c, v)
	})
	g.POST("/login", func(c *gin.Context) {
		d := data(c)
		d["user"] = "ada"
		d["roles"] = []string{"admin", "editor"}
		if m != nil {
			m.Flash(d, "success", "Welcome back.")
		}
		c.Redirect(http.StatusSeeOther, "/")
	})
	return r
}

type result struct {
	reqs    int
	errs    int
	elapsed time.Duration
	lat     []time.Duration
}

func run(base, path string, conns int, d time.Duration) result {
	var mu sync.Mutex
	var all []time.Duration
	var errs int
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	var wg sync.WaitGroup
	start := time.Now()
	for range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			jar, _ := cookiejar.New(nil)
			client := &http.Client{
				Jar:       jar,
				Transport: &http.Transport{MaxIdleConnsPerHost: 1, MaxConnsPerHost: 1},
				Timeout:   5 * time.Second,
			}
			defer client.CloseIdleConnections()
			// Sign in once: a session with a user, roles and a flash.
			if resp, err := client.PostForm(base+"/login", nil); err == nil {
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
			}
			lat := make([]time.Duration, 0, 1<<16)
			e := 0
			for ctx.Err() == nil {
				t0 := time.Now()
				resp, err := client.Get(base + path)
				if err != nil {
					e++
					continue
				}
				_, _ = io.Copy(io.Discard, resp.Body)
				resp.Body.Close()
				if resp.StatusCode != http.StatusOK {
					e++
					continue
				}
				lat = append(lat, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lat...)
			errs += e
			mu.Unlock()
		}()
	}
	wg.Wait()
	return result{reqs: len(all), errs: errs, elapsed: time.Since(start), lat: all}
}

func pct(s []time.Duration, p float64) time.Duration {
	if len(s) == 0 {
		return 0
	}
	return s[min(len(s)-1, int(float64(len(s))*p))]
}

func main() {
	dur := flag.Duration("d", 10*time.Second, "duration of each run (bounded)")
	conns := flag.Int("c", 16, "concurrent connections (one user each)")
	flag.Parse()
	if *dur <= 0 || *dur > 2*time.Minute || *conns < 1 || *conns > 256 {
		fmt.Fprintln(os.Stderr, "loadtest: -d must be in (0, 2m] and -c in [1, 256]")
		os.Exit(2)
	}

	fmt.Printf("load test: %d connections, %s per run, GOMAXPROCS shared by server and client\n\n", *conns, *dur)
	fmt.Println("| app | route | req/s | p50 | p99 | errors |")
	fmt.Println("|---|---|---:|---:|---:|---:|")
	for _, mode := range []string{"none", "memory"} {
		var m *session.Manager
		var st *memstore.Store
		if mode == "memory" {
			st = memstore.New(memstore.Options{})
			var err error
			m, err = session.New(st, session.Config{})
			if err != nil {
				fmt.Fprintln(os.Stderr, err)
				os.Exit(1)
			}
		}
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		srv := &http.Server{Handler: newApp(m), ReadHeaderTimeout: 5 * time.Second}
		go func() { _ = srv.Serve(ln) }()
		base := "http://" + ln.Addr().String()
		for _, route := range []string{"/", "/read"} {
			r := run(base, route, *conns, *dur)
			slices.Sort(r.lat)
			name := "no session middleware"
			if mode == "memory" {
				name = "session, memory driver"
			}
			fmt.Printf("| %s | %s | %.0f | %s | %s | %d |\n", name, route,
				float64(r.reqs)/r.elapsed.Seconds(), pct(r.lat, 0.50).Round(time.Microsecond),
				pct(r.lat, 0.99).Round(time.Microsecond), r.errs)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_ = srv.Shutdown(ctx)
		cancel()
		if st != nil {
			_ = st.Close()
		}
	}
}
