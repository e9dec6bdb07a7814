package session_test

import (
	"fmt"
	"net/http"
	"net/mail"
	"sort"
	"strings"

	"github.com/seed-699a33a2/session"
)

// testApp is a small net/http application on the manager's middleware, the
// same flows as the demo: sign in, flash, a profile form with old input and
// errors, sign out.
func testApp(m *session.Manager) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) {
		id, data, err := m.Start(r)
		if err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		n, _ := data["visits"].(int)
		data["visits"] = n + 1
		msg, _ := m.GetFlash(data, "success")
		user, _ := data["user_id"].(uint)
		fmt.Fprintf(w, "visits=%d user=%d flash=%v id=%d", n+1, user, msg, len(id))
	})
	mux.HandleFunc("GET /peek", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		msg, _ := m.GetFlash(data, "success")
		user, _ := data["user_id"].(uint)
		fmt.Fprintf(w, "user=%d flash=%v", user, msg)
	})
	mux.HandleFunc("POST /login", func(w http.ResponseWriter, r *http.Request) {
		id, data, _ := m.Start(r)
		if _, err := m.Regenerate(w, id, data); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, data, _ = session.FromContext(r.Context())
		data["user_id"] = uint(42)
		m.Flash(data, "success", "Welcome back.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("POST /logout", func(w http.ResponseWriter, r *http.Request) {
		id, _, _ := m.Start(r)
		if err := m.Destroy(w, id); err != nil {
			http.Error(w, err.Error(), 500)
			return
		}
		_, data, _ := session.FromContext(r.Context())
		m.Flash(data, "success", "Signed out.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	mux.HandleFunc("GET /private", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		if _, ok := data["user_id"].(uint); !ok {
			http.Error(w, "sign in first", http.StatusForbidden)
			return
		}
		fmt.Fprint(w, "secret page")
	})
	mux.HandleFunc("GET /profile", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		old := m.OldInput(data)
		errs := m.Errors(data)
		keys := make([]string, 0, len(errs))
		for k := range errs {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		var b strings.Builder
		for _, k := range keys {
			fmt.Fprintf(&b, "%s:%s;", k, strings.Join(errs[k], "|"))
		}
		fmt.Fprintf(w, "name=%q email=%q password=%q errors=%s", old["name"], old["email"], old["password"], b.String())
	})
	mux.HandleFunc("POST /profile", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := m.Start(r)
		name, email := r.PostFormValue("name"), r.PostFormValue("email")
		errs := map[string][]string{}
		if strings.TrimSpace(name) == "" {
			errs["name"] = append(errs["name"], "Name is required.")
		}
		if _, err := mail.ParseAddress(email); err != nil {
			errs["email"] = append(errs["email"], "Email is not valid.")
		}
		if len(errs) > 0 {
			m.FlashOldInput(data, map[string]string{"name": name, "email": email, "password": r.PostFormValue("password")})
			m.FlashErrors(data, errs)
			http.Redirect(w, r, "/profile", http.StatusSeeOther)
			return
		}
		data["name"] = name
		m.Flash(data, "success", "Profile saved.")
		http.Redirect(w, r, "/", http.StatusSeeOther)
	})
	return m.Middleware(mux)
}
