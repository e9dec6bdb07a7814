package middleware_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"

	"github.com/gin-gonic/gin"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/middleware"
)

func visits(srv *httptest.Server, n int) {
	var cookie *http.Cookie
	for i := 0; i < n; i++ {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			fmt.Println(err)
			return
		}
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if c := res.Cookies(); len(c) > 0 {
			cookie = c[0]
		}
		fmt.Println(string(body))
	}
}

func ExampleSession() {
	os.Setenv("SESSION_DRIVER", "memory")
	defer os.Unsetenv("SESSION_DRIVER")
	gin.SetMode(gin.ReleaseMode)

	r := gin.New()
	r.Use(middleware.Session())
	r.GET("/", func(c *gin.Context) {
		data := c.MustGet("session").(map[string]interface{})
		n, _ := data["visits"].(int)
		data["visits"] = n + 1
		c.String(http.StatusOK, "visit %d", n+1)
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	visits(srv, 2)
	// Output:
	// visit 1
	// visit 2
}

func ExampleSessionWith() {
	gin.SetMode(gin.ReleaseMode)
	store := memstore.New(memstore.Options{})
	defer store.Close()
	manager, _ := session.New(store, session.Config{})

	r := gin.New()
	r.Use(middleware.SessionWith(manager))
	r.GET("/", func(c *gin.Context) {
		data := middleware.Data(c)
		if msg, ok := manager.GetFlash(data, "welcome"); ok {
			c.String(http.StatusOK, "%v", msg)
			return
		}
		manager.Flash(data, "welcome", "Hello again.")
		c.String(http.StatusOK, "first visit")
	})
	srv := httptest.NewServer(r)
	defer srv.Close()
	visits(srv, 3)
	// Output:
	// first visit
	// Hello again.
	// first visit
}
