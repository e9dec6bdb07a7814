package bench

import (
	"crypto/rand"
	"encoding/gob"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

// dataset is one shape of session: the realistic 5-key session, or the same
// five keys plus a text value that brings it to about 2 KB.
type dataset struct {
	label string
	vals  map[string]any
}

const flashMsg = "Your profile has been updated."

// Values of the realistic session. The token is 32 random bytes ([]byte:
// every library must keep the type).
var (
	benchUserID = uint(4217)
	benchName   = "Ada Lovelace"
	benchRoles  = []string{"admin", "editor", "billing"}
	benchToken  = randomBytes(32)
)

func randomBytes(n int) []byte {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		panic(err)
	}
	return b
}

// datasets: the 5-key session (user ID, name, roles, token, flash) and a
// 2 KB one (the same plus a 1.85 KB "bio" string). In the loaded sessions
// of the read and change work the flash is an ordinary key "flash" in every
// library: a flash of this library ages (gone two requests later), so a
// session loaded again and again would lose it after two iterations and the
// read-only work would write. The create work uses each library's flash
// call (Manager.Flash, scs Put, gorilla AddFlash).
func datasets() []dataset {
	five := map[string]any{
		"user_id": benchUserID,
		"name":    benchName,
		"roles":   benchRoles,
		"token":   benchToken,
		"flash":   flashMsg,
	}
	big := make(map[string]any, len(five)+1)
	for k, v := range five {
		big[k] = v
	}
	big["bio"] = strings.Repeat("Analytical Engine notes; ", 74) // 1850 bytes
	return []dataset{{"5key", five}, {"2KB", big}}
}

func init() {
	// gorilla and scs encode with gob: interface values need their
	// concrete types registered ([]string and []byte are gob's basics,
	// uint too, so nothing else is needed; registering is harmless).
	gob.Register([]string(nil))
	gob.Register([]byte(nil))
}

// counter makes every change request write a value the session did not
// hold: a library that skips unchanged writes must still write.
var counter atomic.Uint64

func nextUserID() uint { return uint(counter.Add(1)) }

// handlers are the four handlers of one library on one store: seed stores
// the whole dataset (to get a cookie for the other work), read reads one
// key, change sets one key, create fills a new session.
type handlers struct {
	seed, read, change, create http.Handler
}

var okBody = []byte("ok")

// do serves one request with cookie (a "name=value" Cookie header or "").
func do(h http.Handler, cookie string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, "/", nil)
	if cookie != "" {
		req.Header.Set("Cookie", cookie)
	}
	rec := httptest.NewRecorder()
	h.ServeHTTP(rec, req)
	return rec
}

// cookieOf returns the "name=value" of the cookie named name that rec sets.
func cookieOf(tb testing.TB, rec *httptest.ResponseRecorder, name string) string {
	tb.Helper()
	for _, c := range rec.Result().Cookies() {
		if c.Name == name && c.Value != "" {
			return c.Name + "=" + c.Value
		}
	}
	tb.Fatalf("no %s cookie in response (status %d, headers %v, body %q)", name, rec.Code, rec.Header(), rec.Body.String())
	return ""
}

// runWork checks one request of the work, then measures it: a fresh
// httptest request and recorder per iteration, as in the floor.
func runWork(b *testing.B, h http.Handler, cookie string, check func(*httptest.ResponseRecorder) error) {
	rec := do(h, cookie)
	if rec.Code != http.StatusOK {
		b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
	}
	if check != nil {
		if err := check(rec); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if cookie != "" {
			req.Header.Set("Cookie", cookie)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != http.StatusOK {
			b.Fatalf("status %d: %s", rec.Code, rec.Body.String())
		}
	}
}

// wantBody and wantCookie are checks for runWork.
func wantBody(s string) func(*httptest.ResponseRecorder) error {
	return func(rec *httptest.ResponseRecorder) error {
		if got := rec.Body.String(); got != s {
			return &checkErr{"body " + got + ", want " + s}
		}
		return nil
	}
}

func wantCookie(name string) func(*httptest.ResponseRecorder) error {
	return func(rec *httptest.ResponseRecorder) error {
		for _, c := range rec.Result().Cookies() {
			if c.Name == name && c.Value != "" {
				return nil
			}
		}
		return &checkErr{"no " + name + " cookie set"}
	}
}

func wantNoCookie(rec *httptest.ResponseRecorder) error {
	if v := rec.Header().Values("Set-Cookie"); len(v) != 0 {
		return &checkErr{"read-only request set a cookie: " + strings.Join(v, "; ")}
	}
	return nil
}

type checkErr struct{ s string }

func (e *checkErr) Error() string { return e.s }

// benchDriver runs the three kinds of work for every dataset and library:
// <Benchmark>/<dataset>/<work>/<library>. libs builds each library's
// handlers afresh for a dataset (and returns its cookie name).
type lib struct {
	name   string
	cookie string
	build  func(b *testing.B, ds dataset) handlers
	// readSetsCookie: the library sends the cookie on every request (the
	// cookie store of gorilla does not; ours and scs do not either).
}

func benchDriver(b *testing.B, libs []lib, extra func(b *testing.B, ds dataset, work string)) {
	if os.Getenv("BENCH_REVERSE") != "" {
		// bench/run.sh alternates the order of the libraries from round
		// to round, so that neither always runs first.
		libs = slices.Clone(libs)
		slices.Reverse(libs)
	}
	for _, ds := range datasets() {
		for _, work := range []string{"read", "change", "create"} {
			b.Run(ds.label+"/"+work, func(b *testing.B) {
				for _, l := range libs {
					b.Run(l.name, func(b *testing.B) {
						h := l.build(b, ds)
						var cookie string
						if work != "create" {
							cookie = cookieOf(b, do(h.seed, ""), l.cookie)
						}
						switch work {
						case "read":
							runWork(b, h.read, cookie, func(rec *httptest.ResponseRecorder) error {
								if err := wantBody(benchName)(rec); err != nil {
									return err
								}
								return wantNoCookie(rec)
							})
						case "change":
							runWork(b, h.change, cookie, nil)
						case "create":
							runWork(b, h.create, "", wantCookie(l.cookie))
						}
					})
				}
				if extra != nil {
					extra(b, ds, work)
				}
			})
		}
	}
}

// env returns the variable or skips the benchmark, naming it.
func env(b *testing.B, name string) string {
	v := os.Getenv(name)
	if v == "" {
		b.Skipf("%s is not set: start the server (bench/run.sh does) and set it", name)
	}
	return v
}

const lifetime = 2 * time.Hour

// BenchmarkBare is the floor: the same httptest request and recorder with
// a handler that writes the same body and no session middleware.
func BenchmarkBare(b *testing.B) {
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { _, _ = w.Write(okBody) })
	runWork(b, h, "rapidgo_session=Qm9vdHN0cmFwIGEgc2Vzc2lvbiBJRCBvZiA0MyBjaGFyYWN0ZXJz", nil)
}
