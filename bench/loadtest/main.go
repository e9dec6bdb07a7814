// Command loadtest measures requests per second and latency percentiles of
// a small gin app shaped like the demo (cmd/sessiondemo, whose handler
// constructor is unexported): for each driver, the app with the session
// middleware (middleware.SessionWith) on that driver, against the same app
// with the session middleware removed, run right before it.
//
// Server and load generator run in this one process on 127.0.0.1 (an
// ephemeral port); each of -c workers has its own keep-alive connection and
// its own cookie (one user each). Every run is bounded by -d.
//
// Drivers (-driver, a comma-separated list or "all"): memory, file (a
// temporary folder), cookie (a random 48-byte secret), redis (the server at
// SESSION_TEST_REDIS_ADDR) and postgres (gormstore on GORM with PrepareStmt
// and gorm.io/driver/postgres, at SESSION_TEST_POSTGRES_DSN, in a table
// loadtest_sessions it drops and migrates; the database/sql pool keeps -c
// connections open and idle, instead of its default of 2 idle). With "all", redis and postgres
// are skipped, with a note, when their variable is not set; named
// explicitly, a missing variable is an error.
//
//	go run ./loadtest -d 10s -c 16                  # memory
//	go run ./loadtest -d 10s -c 16 -driver all
//	go run ./loadtest -driver redis,postgres
package main

import (
	"context"
	"crypto/rand"
	"errors"
	"flag"
	"fmt"
	"html/template"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/redis/go-redis/v9"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/middleware"
	"github.com/seed-699a33a2/session/redisstore"
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

var allDrivers = []string{"memory", "file", "cookie", "redis", "postgres"}

// errSkip: the driver's server is not configured (only with -driver all).
var errSkip = errors.New("skipped")

// openStore builds the driver's store and returns it with the function
// that releases what it opened.
func openStore(driver string, explicit bool, conns int) (session.Store, func(), error) {
	envOf := func(name string) (string, error) {
		v := os.Getenv(name)
		if v == "" {
			if !explicit {
				return "", fmt.Errorf("%w: %s is not set", errSkip, name)
			}
			return "", fmt.Errorf("%s: %s is not set (scripts/backends start the server and set it)", driver, name)
		}
		return v, nil
	}
	switch driver {
	case "memory":
		st := memstore.New(memstore.Options{})
		return st, func() { _ = st.Close() }, nil
	case "file":
		dir, err := os.MkdirTemp("", "loadtest-file-*")
		if err != nil {
			return nil, nil, err
		}
		st, err := filestore.New(dir, filestore.Options{})
		if err != nil {
			_ = os.RemoveAll(dir)
			return nil, nil, err
		}
		return st, func() { _ = st.Close(); _ = os.RemoveAll(dir) }, nil
	case "cookie":
		secret := make([]byte, 48)
		_, _ = rand.Read(secret)
		st, err := cookiestore.New(cookiestore.Options{Secret: secret, CookieName: session.DefaultCookieName})
		if err != nil {
			return nil, nil, err
		}
		return st, func() {}, nil
	case "redis":
		addr, err := envOf("SESSION_TEST_REDIS_ADDR")
		if err != nil {
			return nil, nil, err
		}
		c := redis.NewClient(&redis.Options{Addr: addr})
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := c.Ping(ctx).Err(); err != nil {
			_ = c.Close()
			return nil, nil, fmt.Errorf("redis at %s: %w", addr, err)
		}
		st := redisstore.New(c, redisstore.Options{Prefix: "loadtest:"})
		return st, func() { _ = c.Close() }, nil
	case "postgres":
		dsn, err := envOf("SESSION_TEST_POSTGRES_DSN")
		if err != nil {
			return nil, nil, err
		}
		db, err := gorm.Open(postgres.Open(dsn), &gorm.Config{PrepareStmt: true, Logger: logger.Discard})
		if err != nil {
			return nil, nil, fmt.Errorf("postgres: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, nil, err
		}
		// One pooled connection per load-test connection: database/sql
		// keeps only 2 idle connections by default, and 16 concurrent
		// requests would then open and close PostgreSQL connections
		// (a backend process each, and PrepareStmt's statements again)
		// all the time, which measures the pool, not the store.
		sqlDB.SetMaxIdleConns(conns)
		sqlDB.SetMaxOpenConns(conns)
		const table = "loadtest_sessions"
		if err := db.Exec("DROP TABLE IF EXISTS " + table).Error; err != nil {
			_ = sqlDB.Close()
			return nil, nil, fmt.Errorf("postgres: %w", err)
		}
		st, err := gormstore.New(db, gormstore.Options{Table: table})
		if err == nil {
			err = st.Migrate(context.Background())
		}
		if err != nil {
			_ = sqlDB.Close()
			return nil, nil, fmt.Errorf("postgres: %w", err)
		}
		return st, func() { _ = st.Close(); _ = db.Exec("DROP TABLE IF EXISTS " + table); _ = sqlDB.Close() }, nil
	}
	return nil, nil, fmt.Errorf("unknown driver %q (want %s or all)", driver, strings.Join(allDrivers, ", "))
}

// serve starts the app on an ephemeral port of 127.0.0.1 and returns its
// base URL and the function that stops it.
func serve(m *session.Manager) (string, func(), error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return "", nil, err
	}
	srv := &http.Server{Handler: newApp(m), ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = srv.Serve(ln) }()
	return "http://" + ln.Addr().String(), func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
	}, nil
}

// runDriver runs, for each route, the app without and then with the
// session middleware on driver, and prints one line for each.
func runDriver(driver string, explicit bool, conns int, d time.Duration) error {
	st, release, err := openStore(driver, explicit, conns)
	if err != nil {
		return err
	}
	defer release()
	m, err := session.New(st, session.Config{})
	if err != nil {
		return err
	}
	noneURL, stopNone, err := serve(nil)
	if err != nil {
		return err
	}
	defer stopNone()
	sessURL, stopSess, err := serve(m)
	if err != nil {
		return err
	}
	defer stopSess()
	for _, route := range []string{"/", "/read"} {
		var noneRPS float64
		for _, app := range []string{"none", "session"} {
			base := noneURL
			if app == "session" {
				base = sessURL
			}
			r := run(base, route, conns, d)
			slices.Sort(r.lat)
			rps := float64(r.reqs) / r.elapsed.Seconds()
			name, ratio := "no session middleware", "1.00"
			if app == "session" {
				name = "session middleware"
				ratio = "n/a"
				if noneRPS > 0 {
					ratio = fmt.Sprintf("%.2f", rps/noneRPS)
				}
			} else {
				noneRPS = rps
			}
			fmt.Printf("| %s | %s | %s | %.0f | %s | %s | %s | %d |\n", driver, route, name, rps,
				pct(r.lat, 0.50).Round(time.Microsecond), pct(r.lat, 0.99).Round(time.Microsecond), ratio, r.errs)
		}
	}
	return nil
}

func main() {
	dur := flag.Duration("d", 10*time.Second, "duration of each run (bounded)")
	conns := flag.Int("c", 16, "concurrent connections (one user each)")
	driverFlag := flag.String("driver", "memory", "drivers, comma-separated: "+strings.Join(allDrivers, ", ")+"; or all")
	flag.Parse()
	if *dur <= 0 || *dur > 2*time.Minute || *conns < 1 || *conns > 256 {
		fmt.Fprintln(os.Stderr, "loadtest: -d must be in (0, 2m] and -c in [1, 256]")
		os.Exit(2)
	}
	drivers, explicit := allDrivers, false
	if *driverFlag != "all" {
		drivers, explicit = nil, true
		for _, d := range strings.Split(*driverFlag, ",") {
			d = strings.ToLower(strings.TrimSpace(d))
			if !slices.Contains(allDrivers, d) {
				fmt.Fprintf(os.Stderr, "loadtest: unknown driver %q (want %s, or all)\n", d, strings.Join(allDrivers, ", "))
				os.Exit(2)
			}
			drivers = append(drivers, d)
		}
	}

	fmt.Printf("load test: %d connections, %s per run, GOMAXPROCS %d shared by server and client, %s\n",
		*conns, *dur, runtime.GOMAXPROCS(0), runtime.Version())
	fmt.Println("Routes: / counts visits (a write on every request), /read reads the user (no write). The line without")
	fmt.Println("the session middleware runs right before the line with it; \"vs none\" is the ratio of their req/s.")
	fmt.Println()
	fmt.Println("| driver | route | app | req/s | p50 | p99 | vs none | errors |")
	fmt.Println("|---|---|---|---:|---:|---:|---:|---:|")
	var notes []string
	failed := false
	for _, d := range drivers {
		if err := runDriver(d, explicit, *conns, *dur); err != nil {
			if errors.Is(err, errSkip) {
				notes = append(notes, d+": "+err.Error())
				continue
			}
			fmt.Fprintf(os.Stderr, "loadtest: %s: %v\n", d, err)
			failed = true
		}
	}
	for _, n := range notes {
		fmt.Println("\n" + n)
	}
	if failed {
		os.Exit(1)
	}
}
