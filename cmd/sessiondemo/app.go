package main

import (
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"net/mail"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/middleware"
)

// demoPassword is the demo's one password; any user name works with it.
const demoPassword = "demo"

// rememberFor is the idle timeout of a "remember me" sign-in.
const rememberFor = 30 * 24 * time.Hour

// newApp builds the demo's routes. Static routes (the favicon, the style
// sheet) stay outside the session middleware: a browser's automatic request
// for /favicon.ico would otherwise count as a request and age the flashes.
func newApp(m *session.Manager, met *metrics, log *slog.Logger) http.Handler {
	r := gin.New()
	r.Use(gin.CustomRecovery(recovered(log)))
	r.NoRoute(notFound)
	r.GET("/favicon.ico", func(c *gin.Context) { c.Status(http.StatusNoContent) })
	if met != nil {
		r.GET("/metrics", gin.WrapH(met))
	}
	r.GET("/style.css", func(c *gin.Context) { c.Data(http.StatusOK, "text/css; charset=utf-8", []byte(styleCSS)) })

	a := &app{m: m, log: log}
	// Every form carries the session's CSRF token; unsafe requests without
	// it (or from another origin) are refused with 403.
	s := r.Group("/", middleware.SessionWith(m), middleware.CSRFWith(session.CSRFOptions{FailureHandler: forbidden}))
	s.GET("/", a.home)
	s.GET("/login", a.loginForm)
	s.POST("/login", a.login)
	s.POST("/logout", a.logout)
	s.GET("/profile", a.profileForm)
	s.POST("/profile", a.saveProfile)
	s.GET("/devices", a.devices)
	s.POST("/devices/end", a.endDevice)
	s.POST("/devices/others", a.endOtherDevices)
	return r
}

type app struct {
	m   *session.Manager
	log *slog.Logger
}

// page is what every template gets.
type page struct {
	Title    string
	User     string
	Success  any
	Error    any
	Visits   int
	Old      map[string]string
	Errors   map[string][]string
	Profile  map[string]string
	Password string
	CSRF     string
	Devices  []device
	NoIndex  bool   // the driver cannot list a user's sessions
	Message  string // an error page's words
}

// device is one row of the "your devices" page.
type device struct {
	session.SessionInfo
	Agent   string // the user agent in words: "Chrome on Linux"
	Current bool
}

func (a *app) page(c *gin.Context, title string) page {
	data := middleware.Data(c)
	p := page{Title: title, Password: demoPassword}
	p.User = session.UserID(data)
	if p.User != "" || title == "Sign in" {
		// Only pages with a form need the token: a page view alone
		// creates no session.
		p.CSRF = middleware.CSRFToken(c)
	}
	p.Success, _ = a.m.GetFlash(data, "success")
	p.Error, _ = a.m.GetFlash(data, "error")
	return p
}

func (a *app) home(c *gin.Context) {
	data := middleware.Data(c)
	n, _ := data["visits"].(int)
	data["visits"] = n + 1
	p := a.page(c, "Home")
	p.Visits = n + 1
	render(c.Writer, http.StatusOK, "home", p)
}

func (a *app) loginForm(c *gin.Context) {
	p := a.page(c, "Sign in")
	p.Old = a.m.OldInput(middleware.Data(c))
	p.Errors = a.m.Errors(middleware.Data(c))
	render(c.Writer, http.StatusOK, "login", p)
}

func (a *app) login(c *gin.Context) {
	data := middleware.Data(c)
	name := strings.TrimSpace(c.PostForm("name"))
	errs := map[string][]string{}
	if name == "" {
		errs["name"] = append(errs["name"], "Enter a user name.")
	}
	if c.PostForm("password") != demoPassword {
		errs["password"] = append(errs["password"], "Wrong password (it is \""+demoPassword+"\").")
	}
	if len(errs) > 0 {
		a.m.FlashOldInput(data, map[string]string{"name": c.PostForm("name"), "password": c.PostForm("password")})
		a.m.FlashErrors(data, errs)
		c.Redirect(http.StatusSeeOther, "/login")
		return
	}
	// Login ties the session to the user and regenerates its ID: an ID
	// anyone knew before is worthless after.
	if _, err := a.m.Login(c.Writer, c.Request, name); err != nil {
		a.fail(c, err)
		return
	}
	if c.PostForm("remember") != "" {
		// A persistent cookie (with SESSION_EXPIRE_ON_CLOSE=true the others
		// end when the browser closes) and a longer life on the server.
		a.m.RememberMe(data, true)
		a.m.SetLifetime(data, rememberFor, 3*rememberFor)
	}
	a.m.Flash(data, "success", "Signed in as "+name+".")
	c.Redirect(http.StatusSeeOther, "/")
}

func (a *app) logout(c *gin.Context) {
	if err := a.m.Destroy(c.Writer, middleware.ID(c)); err != nil {
		a.fail(c, err)
		return
	}
	// Destroy emptied the map; writing to it starts a new, anonymous session.
	a.m.Flash(middleware.Data(c), "success", "You have been signed out.")
	c.Redirect(http.StatusSeeOther, "/")
}

func (a *app) signedIn(c *gin.Context) bool {
	if session.UserID(middleware.Data(c)) != "" {
		return true
	}
	a.m.Flash(middleware.Data(c), "error", "Please sign in first.")
	c.Redirect(http.StatusSeeOther, "/login")
	return false
}

func (a *app) profileForm(c *gin.Context) {
	if !a.signedIn(c) {
		return
	}
	data := middleware.Data(c)
	p := a.page(c, "Profile")
	p.Profile, _ = data["profile"].(map[string]string)
	p.Old = a.m.OldInput(data)
	p.Errors = a.m.Errors(data)
	if len(p.Old) == 0 && p.Profile != nil {
		p.Old = p.Profile
	}
	render(c.Writer, http.StatusOK, "profile", p)
}

func (a *app) saveProfile(c *gin.Context) {
	if !a.signedIn(c) {
		return
	}
	data := middleware.Data(c)
	in := map[string]string{
		"display_name": strings.TrimSpace(c.PostForm("display_name")),
		"email":        strings.TrimSpace(c.PostForm("email")),
		"website":      strings.TrimSpace(c.PostForm("website")),
	}
	errs := map[string][]string{}
	if in["display_name"] == "" {
		errs["display_name"] = append(errs["display_name"], "Display name is required.")
	} else if len(in["display_name"]) > 40 {
		errs["display_name"] = append(errs["display_name"], "Display name must be at most 40 characters.")
	}
	if addr, err := mail.ParseAddress(in["email"]); err != nil || addr.Address != in["email"] {
		errs["email"] = append(errs["email"], "Enter an email address like name@example.com.")
	}
	if w := in["website"]; w != "" && !strings.HasPrefix(w, "https://") && !strings.HasPrefix(w, "http://") {
		errs["website"] = append(errs["website"], "A website starts with http:// or https://.")
	}
	if len(errs) > 0 {
		a.m.FlashOldInput(data, in)
		a.m.FlashErrors(data, errs)
		a.m.Flash(data, "error", "Please correct the errors below.")
		c.Redirect(http.StatusSeeOther, "/profile")
		return
	}
	data["profile"] = in
	a.m.Flash(data, "success", "Profile saved.")
	c.Redirect(http.StatusSeeOther, "/profile")
}

func (a *app) devices(c *gin.Context) {
	if !a.signedIn(c) {
		return
	}
	p := a.page(c, "Your devices")
	list, err := a.m.UserSessions(c.Request.Context(), p.User)
	switch {
	case errors.Is(err, session.ErrNoUserIndex):
		p.NoIndex = true
	case err != nil:
		a.fail(c, err)
		return
	}
	current := session.Handle(middleware.ID(c))
	for _, s := range list {
		p.Devices = append(p.Devices, device{SessionInfo: s, Agent: describeAgent(s.UserAgent), Current: s.Handle == current})
	}
	render(c.Writer, http.StatusOK, "devices", p)
}

func (a *app) endDevice(c *gin.Context) {
	if !a.signedIn(c) {
		return
	}
	data := middleware.Data(c)
	if c.PostForm("handle") == session.Handle(middleware.ID(c)) {
		a.logout(c) // this device
		return
	}
	if err := a.m.EndUserSession(c.Request.Context(), session.UserID(data), c.PostForm("handle")); err != nil {
		a.fail(c, err)
		return
	}
	a.m.Flash(data, "success", "That device has been signed out.")
	c.Redirect(http.StatusSeeOther, "/devices")
}

func (a *app) endOtherDevices(c *gin.Context) {
	if !a.signedIn(c) {
		return
	}
	data := middleware.Data(c)
	n, err := a.m.EndUserSessions(c.Request.Context(), session.UserID(data), middleware.ID(c))
	if err != nil {
		a.fail(c, err)
		return
	}
	a.m.Flash(data, "success", fmt.Sprintf("Signed out %d other device(s).", n))
	c.Redirect(http.StatusSeeOther, "/devices")
}
