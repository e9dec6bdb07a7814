package examples_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
)

// The manager's middleware on a go-chi/chi v5 router (r.Use), with a
// route group that only signed-in users may enter and a shopping cart kept
// in the session.
func Example_chi() {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	m, err := session.New(st, session.Config{})
	if err != nil {
		panic(err)
	}

	r := chi.NewRouter()
	// Requests outside the session (the favicon browsers ask for) go on
	// their own router, so they neither load a session nor age flashes.
	r.Get("/favicon.ico", func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusNoContent) })

	r.Group(func(r chi.Router) {
		r.Use(m.Middleware)

		r.Get("/", func(w http.ResponseWriter, r *http.Request) {
			_, data, _ := session.FromContext(r.Context())
			user, _ := data["user"].(string)
			flash, _ := m.GetFlash(data, "error")
			fmt.Fprintf(w, "home: user=%q flash=%v", user, flash)
		})
		r.Post("/login", func(w http.ResponseWriter, r *http.Request) {
			id, data, _ := session.FromContext(r.Context())
			if _, err := m.Regenerate(w, id, data); err != nil {
				http.Error(w, "session unavailable", http.StatusInternalServerError)
				return
			}
			data["user"] = r.PostFormValue("name")
			http.Redirect(w, r, "/cart", http.StatusSeeOther)
		})

		// Signed-in users only: the guard reads the session the outer
		// middleware loaded.
		r.Route("/cart", func(r chi.Router) {
			r.Use(func(next http.Handler) http.Handler {
				return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					_, data, _ := session.FromContext(r.Context())
					if _, ok := data["user"].(string); !ok {
						m.Flash(data, "error", "Please sign in first.")
						http.Redirect(w, r, "/", http.StatusSeeOther)
						return
					}
					next.ServeHTTP(w, r)
				})
			})
			r.Get("/", func(w http.ResponseWriter, r *http.Request) {
				_, data, _ := session.FromContext(r.Context())
				cart, _ := data["cart"].(map[string]interface{})
				items := make([]string, 0, len(cart))
				for item, n := range cart {
					items = append(items, fmt.Sprintf("%s×%v", item, n))
				}
				sort.Strings(items)
				fmt.Fprintf(w, "cart of %s: [%s]", data["user"], strings.Join(items, " "))
			})
			r.Post("/{item}", func(w http.ResponseWriter, r *http.Request) {
				_, data, _ := session.FromContext(r.Context())
				cart, _ := data["cart"].(map[string]interface{})
				if cart == nil {
					cart = map[string]interface{}{}
				}
				item := chi.URLParam(r, "item")
				n, _ := cart[item].(int)
				cart[item] = n + 1
				data["cart"] = cart
				http.Redirect(w, r, "/cart", http.StatusSeeOther)
			})
		})
	})

	srv := httptest.NewServer(r)
	defer srv.Close()

	b := newBrowser()
	b.get(srv.URL + "/cart") // refused: redirected home with a flash
	b.get(srv.URL + "/favicon.ico")
	b.get(srv.URL + "/") // the flash was read once
	b.post(srv.URL+"/login", url.Values{"name": {"grace"}})
	b.post(srv.URL+"/cart/apple", nil)
	b.post(srv.URL+"/cart/pear", nil)
	b.post(srv.URL+"/cart/apple", nil)
	// Output:
	// 200 home: user="" flash=Please sign in first.
	// 204
	// 200 home: user="" flash=<nil>
	// 200 cart of grace: []
	// 200 cart of grace: [apple×1]
	// 200 cart of grace: [apple×1 pear×1]
	// 200 cart of grace: [apple×2 pear×1]
}
