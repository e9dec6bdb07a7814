package sessionecho_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"

	"github.com/labstack/echo/v4"

	"github.com/seed-699a33a2/session"
	sessionecho "github.com/seed-699a33a2/session/adapters/echo"
	"github.com/seed-699a33a2/session/memstore"
)

// An Echo application with a visit counter, a sign-in that regenerates the
// session ID and a flash message shown once after the redirect.
func ExampleSession() {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	m, err := session.New(st, session.Config{})
	if err != nil {
		panic(err)
	}

	e := echo.New()
	e.Use(sessionecho.Session(m))
	e.GET("/", func(c echo.Context) error {
		data := sessionecho.Data(c)
		n, _ := data["visits"].(int)
		data["visits"] = n + 1
		msg, _ := m.GetFlash(data, "success")
		return c.String(http.StatusOK, fmt.Sprintf("visits=%d flash=%v", n+1, msg))
	})
	e.POST("/login", func(c echo.Context) error {
		data := sessionecho.Data(c)
		// c.Response() leads the manager to this request's session.
		if _, err := m.Regenerate(c.Response(), sessionecho.ID(c), data); err != nil {
			return err
		}
		data["user"] = "ada"
		m.Flash(data, "success", "Signed in as ada.")
		return c.Redirect(http.StatusSeeOther, "/")
	})

	srv := httptest.NewServer(e)
	defer srv.Close()
	jar, _ := cookiejar.New(nil)
	client := &http.Client{Jar: jar}
	show := func(res *http.Response, err error) {
		if err != nil {
			panic(err)
		}
		defer res.Body.Close()
		b, _ := io.ReadAll(res.Body)
		fmt.Println(string(b))
	}
	show(client.Get(srv.URL + "/"))
	show(client.Post(srv.URL+"/login", "", nil)) // follows the redirect to /
	show(client.Get(srv.URL + "/"))
	// Output:
	// visits=1 flash=<nil>
	// visits=2 flash=Signed in as ada.
	// visits=3 flash=<nil>
}

// Data, ID and Manager give a handler the session that the middleware
// started.
func ExampleData() {
	m, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	e := echo.New()
	e.Use(sessionecho.Session(m))
	e.GET("/", func(c echo.Context) error {
		data := sessionecho.Data(c)
		data["theme"] = "dark"
		fmt.Println(len(sessionecho.ID(c)), sessionecho.Manager(c) == m)
		return c.NoContent(http.StatusNoContent)
	})
	w := httptest.NewRecorder()
	e.ServeHTTP(w, httptest.NewRequest("GET", "/", nil))
	fmt.Println(w.Code, w.Header().Get("Set-Cookie") != "")
	// Output:
	// 43 true
	// 204 true
}
