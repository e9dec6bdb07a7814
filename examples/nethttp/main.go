// Command nethttp is the net/http quick start of the README: sign in and
// out, a flash message after each redirect, a form that shows the input
// and its errors again, CSRF protection, and a graceful shutdown that
// closes the store.
//
//	cd examples && go run ./nethttp   # http://127.0.0.1:8080, memory driver
//
// Every SESSION_* variable applies: SESSION_DRIVER=file go run ./nethttp.
package main

import (
	"context"
	"html/template"
	"io"
	"log"
	"net"
	"net/http"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/seed-699a33a2/session"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, "127.0.0.1:8080"); err != nil {
		log.Fatal(err)
	}
}

// run serves on addr until ctx is done, then lets the requests in flight
// finish and closes the store.
func run(ctx context.Context, addr string) error {
	cfg, err := session.ConfigFromEnv() // SESSION_*: a bad value is an error naming it
	if err != nil {
		return err
	}
	store, err := session.NewStoreFromConfig(cfg, nil) // nil: no *gorm.DB (only SESSION_DRIVER=db needs one)
	if err != nil {
		return err
	}
	if c, ok := store.(io.Closer); ok {
		defer c.Close() // after the server has stopped: stops the store's cleanup
	}
	m, err := session.New(store, cfg)
	if err != nil {
		return err
	}

	a := &app{m: m}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", a.home)
	mux.HandleFunc("POST /login", a.login)
	mux.HandleFunc("POST /logout", a.logout)

	// The session middleware outside, CSRF inside it: every POST needs the
	// session's token.
	srv := &http.Server{Handler: m.Middleware(m.CSRF(mux)), ReadHeaderTimeout: 10 * time.Second}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return err
	}
	log.Printf("listening on http://%s", ln.Addr())
	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		return err
	case <-ctx.Done():
	}
	shutdown, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return srv.Shutdown(shutdown)
}

type app struct{ m *session.Manager }

// password is this example's only password; any email works with it.
const password = "demo"

var page = template.Must(template.New("").Parse(`<!doctype html>
<title>Quick start</title>
{{with .Flash}}<p><b>{{.}}</b></p>{{end}}
{{if .User}}<p>Signed in as {{.User}}.</p>
<form method="post" action="/logout">
<input type="hidden" name="csrf_token" value="{{.CSRF}}"><button>Sign out</button>
</form>
{{else}}<form method="post" action="/login">
<input type="hidden" name="csrf_token" value="{{.CSRF}}">
<p><label>Email <input name="email" value="{{.Old.email}}"></label> {{range .Errors.email}}<i>{{.}}</i>{{end}}
<p><label>Password <input name="password" type="password"></label> {{range .Errors.password}}<i>{{.}}</i>{{end}}
<p><button>Sign in</button> (the password is "demo")
</form>{{end}}
`))

// home shows the flash of the last redirect, and the sign-in form again
// with what was typed (never the password) and its errors.
func (a *app) home(w http.ResponseWriter, r *http.Request) {
	_, data, _ := session.FromContext(r.Context())
	flash, _ := a.m.GetFlash(data, "notice")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = page.Execute(w, map[string]any{
		"Flash":  flash,
		"User":   session.UserID(data),
		"CSRF":   a.m.CSRFToken(data),
		"Old":    a.m.OldInput(data),
		"Errors": a.m.Errors(data),
	})
}

func (a *app) login(w http.ResponseWriter, r *http.Request) {
	_, data, _ := session.FromContext(r.Context())
	email := strings.TrimSpace(r.PostFormValue("email"))
	errs := map[string][]string{}
	if !strings.Contains(email, "@") {
		errs["email"] = append(errs["email"], "Enter an email address.")
	}
	if r.PostFormValue("password") != password {
		errs["password"] = append(errs["password"], "Wrong password.")
	}
	if len(errs) > 0 {
		a.m.FlashOldInput(data, map[string]string{"email": email}) // never a password: it would be dropped anyway
		a.m.FlashErrors(data, errs)
		http.Redirect(w, r, "/", http.StatusSeeOther)
		return
	}
	// Login gives the session a new ID (an ID known before is worthless
	// now) and ties it to the user.
	if _, err := a.m.Login(w, r, email); err != nil {
		http.Error(w, "could not sign in", http.StatusInternalServerError)
		log.Print(err)
		return
	}
	a.m.Flash(data, "notice", "Welcome, "+email+".")
	http.Redirect(w, r, "/", http.StatusSeeOther) // change the session before the response starts
}

func (a *app) logout(w http.ResponseWriter, r *http.Request) {
	id, data, _ := session.FromContext(r.Context())
	if err := a.m.Destroy(w, id); err != nil {
		http.Error(w, "could not sign out", http.StatusInternalServerError)
		log.Print(err)
		return
	}
	a.m.Flash(data, "notice", "Signed out.") // a new, anonymous session
	http.Redirect(w, r, "/", http.StatusSeeOther)
}
