package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/memstore"
)

func Example() {
	store := memstore.New(memstore.Options{})
	defer store.Close()
	manager, _ := session.New(store, session.Config{})

	mux := http.NewServeMux()
	mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		_, data, _ := manager.Start(r)
		n, _ := data["visits"].(int)
		data["visits"] = n + 1
		fmt.Fprintf(w, "visit %d", n+1)
	})
	srv := httptest.NewServer(manager.Middleware(mux))
	defer srv.Close()

	var cookie *http.Cookie
	for i := 0; i < 3; i++ {
		req, _ := http.NewRequest("GET", srv.URL, nil)
		if cookie != nil {
			req.AddCookie(cookie)
		}
		res, _ := http.DefaultClient.Do(req)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		if c := res.Cookies(); len(c) > 0 {
			cookie = c[0]
		}
		fmt.Println(string(body))
	}
	// Output:
	// visit 1
	// visit 2
	// visit 3
}

func ExampleManager_Flash() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	data := map[string]interface{}{}

	manager.Flash(data, "success", "Your profile has been updated.")
	msg, ok := manager.GetFlash(data, "success")
	fmt.Println(msg, ok)
	_, ok = manager.GetFlash(data, "success")
	fmt.Println(ok)
	// Output:
	// Your profile has been updated. true
	// false
}

func ExampleManager_FlashOldInput() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	data := map[string]interface{}{}

	manager.FlashOldInput(data, map[string]string{"email": "ada@example", "password": "hunter2"})
	manager.FlashErrors(data, map[string][]string{"email": {"Enter a valid email address."}})

	fmt.Println(manager.OldInput(data))
	fmt.Println(manager.Errors(data)["email"][0])
	// Output:
	// map[email:ada@example]
	// Enter a valid email address.
}

func ExampleManager_Regenerate() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	r := httptest.NewRequest("POST", "/login", nil)
	w := httptest.NewRecorder()

	id, data, _ := manager.Start(r)
	data["cart"] = []string{"book"}
	newID, _ := manager.Regenerate(w, id, data)
	data["user_id"] = uint(42)
	_ = manager.Save(w, newID, data)

	fmt.Println(newID != id, len(newID))
	// Output: true 43
}

func ExampleRegister() {
	// A named type is stored only once registered; it comes back as itself.
	type UserID uint64
	session.Register[UserID]("example.UserID")

	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	id, data, _ := manager.Start(httptest.NewRequest("GET", "/", nil))
	data["user"] = UserID(7)
	fmt.Println(manager.Save(httptest.NewRecorder(), id, data))
	// Output: <nil>
}
