// Command gin is the gin quick start of the README: sign in and out, a
// flash message after each redirect, a form that shows the input and its
// errors again, CSRF protection, and a graceful shutdown that closes the
// store.
//
//	cd examples && go run ./gin   # http://127.0.0.1:8080, memory driver
//
// Every SESSION_* variable applies: SESSION_DRIVER=file go run ./gin.
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

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/middleware"
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

	r := gin.New()
	r.Use(gin.Logger(), gin.Recovery())
	r.SetHTMLTemplate(page)
	// One session middleware per manager, then CSRF: every POST needs the
	// session's token.
	r.Use(middleware.SessionWith(m), middleware.CSRF())
	a := &app{m: m}
	r.GET("/", a.home)
	r.POST("/login", a.login)
	r.POST("/logout", a.logout)

	srv := &http.Server{Handler: r, ReadHeaderTimeout: 10 * time.Second}
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

var page = template.Must(template.New("page").Parse(`<!doctype html>
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
func (a *app) home(c *gin.Context) {
	data := middleware.Data(c)
	flash, _ := a.m.GetFlash(data, "notice")
	c.HTML(http.StatusOK, "page", gin.H{
		"Flash":  flash,
		"User":   session.UserID(data),
		"CSRF":   middleware.CSRFToken(c),
		"Old":    a.m.OldInput(data),
		"Errors": a.m.Errors(data),
	})
}

func (a *app) login(c *gin.Context) {
	data := middleware.Data(c)
	email := strings.TrimSpace(c.PostForm("email"))
	errs := map[string][]string{}
	if !strings.Contains(email, "@") {
		errs["email"] = append(errs["email"], "Enter an email address.")
	}
	if c.PostForm("password") != password {
		errs["password"] = append(errs["password"], "Wrong password.")
	}
	if len(errs) > 0 {
		a.m.FlashOldInput(data, map[string]string{"email": email}) // never a password: it would be dropped anyway
		a.m.FlashErrors(data, errs)
		c.Redirect(http.StatusSeeOther, "/")
		return
	}
	// Login gives the session a new ID (an ID known before is worthless
	// now) and ties it to the user.
	if _, err := a.m.Login(c.Writer, c.Request, email); err != nil {
		_ = c.AbortWithError(http.StatusInternalServerError, err)
		return
	}
	a.m.Flash(data, "notice", "Welcome, "+email+".")
	c.Redirect(http.StatusSeeOther, "/") // change the session before the response starts
}

func (a *app) logout(c *gin.Context) {
	if err := a.m.Destroy(c.Writer, middleware.ID(c)); err != nil {
		_ = c.AbortWithError(http.StatusInternalServerError, err)
		return
	}
	a.m.Flash(middleware.Data(c), "notice", "Signed out.") // a new, anonymous session
	c.Redirect(http.StatusSeeOther, "/")
}
