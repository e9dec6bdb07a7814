package examples_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
)

// The manager's middleware around a standard http.ServeMux: a visit
// counter, a sign-in form whose input and errors come back after a failed
// submit, a sign-in that regenerates the session ID, a flash shown once
// after each redirect, and a sign-out.
func Example_serveMux() {
	st := memstore.New(memstore.Options{})
	defer st.Close()
	m, err := session.New(st, session.Config{})
	if err != nil {
		panic(err)
	}

	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		// Inside the middleware, Start returns the loaded session without a
		// second load; session.FromContext(r.Context()) does the same.
		_, data, err := m.Start(r)
		if err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		n, _ := data["visits"].(int)
		data["visits"] = n + 1 // saved by the middleware
		user, _ := data["user"].(string)
		flash, _ := m.GetFlash(data, "success")
		fmt.Fprintf(w, "home: visits=%d user=%q flash=%v", n+1, user, flash)
	})
	mux.HandleFunc("GET /login", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := session.FromContext(r.Context())
		fmt.Fprintf(w, "login form: name=%q errors=%v", m.OldInput(data)["name"], m.Errors(data))
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := session.FromContext(r.Context())
		name := r.PostFormValue("name")
		if r.PostFormValue("password") != "secret" {
			// The password is never kept as old input.
			m.FlashOldInput(data, map[string]string{"name": name, "password": r.PostFormValue("password")})
			m.FlashErrors(data, map[string][]string{"password": {"Wrong password."}})
			http.Redirect(w, r, "/login", http.StatusSeeOther)
			return
		}
		// A new ID on sign-in defeats session fixation; pass the writer the
		// middleware handed over, so that the request's session follows.
		if _, err := m.Regenerate(w, id, data); err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		data["user"] = name
		m.Flash(data, "success", "Welcome, "+name+".")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		id, _, _ := session.FromContext(r.Context())
		if err := m.Destroy(w, id); err != nil {
			http.Error(w, "session unavailable", http.StatusInternalServerError)
			return
		}
		// Destroy emptied the map and moved the request to a new ID.
		_, data, _ := session.FromContext(r.Context())
		m.Flash(data, "success", "Signed out.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})

	srv := httptest.NewServer(m.Middleware(mux))
	defer srv.Close()

	b := newBrowser()
	b.get(srv.URL + "/")
	b.post(srv.URL+"/login", url.Values{"name": {"ada"}, "password": {"guess"}})
	b.get(srv.URL + "/login") // reloaded: the old input and errors are gone
	b.post(srv.URL+"/login", url.Values{"name": {"ada"}, "password": {"secret"}})
	b.get(srv.URL + "/")
	b.post(srv.URL+"/logout", nil)
	// Output:
	// 200 home: visits=1 user="" flash=<nil>
	// 200 login form: name="ada" errors=map[password:[Wrong password.]]
	// 200 login form: name="" errors=map[]
	// 200 home: visits=2 user="ada" flash=Welcome, ada.
	// 200 home: visits=3 user="ada" flash=<nil>
	// 200 home: visits=1 user="" flash=Signed out.
}
