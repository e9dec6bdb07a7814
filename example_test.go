package session_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"

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

func ExampleNewStore() {
	// SESSION_DRIVER picks the driver; memory is the default. The *gorm.DB
	// is needed by SESSION_DRIVER=db only.
	os.Setenv("SESSION_DRIVER", "file")
	os.Setenv("SESSION_FILE_PATH", filepath.Join(os.TempDir(), "example-sessions"))
	defer os.Unsetenv("SESSION_DRIVER")
	defer os.Unsetenv("SESSION_FILE_PATH")

	store, err := session.NewStore(nil)
	if err != nil {
		fmt.Println(err)
		return
	}
	if c, ok := store.(io.Closer); ok {
		defer c.Close()
	}
	fmt.Printf("%T\n", store)
	// Output: *filestore.Store
}

func ExampleNewManager() {
	os.Setenv("SESSION_LIFETIME", "30")
	defer os.Unsetenv("SESSION_LIFETIME")

	manager := session.NewManager(memstore.New(memstore.Options{}))
	cfg := manager.Config()
	fmt.Println(cfg.Lifetime, cfg.CookieName, cfg.Path)
	// Output: 30m0s rapidgo_session /
}

func ExampleManager_Start() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})

	// No cookie: a fresh ID and an empty map, never an error.
	id, data, err := manager.Start(httptest.NewRequest("GET", "/", nil))
	fmt.Println(len(id), len(data), err)

	// A forged cookie is a fresh session too.
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(&http.Cookie{Name: "rapidgo_session", Value: "../../etc/passwd"})
	forged, data, err := manager.Start(r)
	fmt.Println(forged != id, len(data), err)
	// Output:
	// 43 0 <nil>
	// true 0 <nil>
}

func ExampleManager_Save() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})

	id, data, _ := manager.Start(httptest.NewRequest("GET", "/", nil))
	data["user_id"] = uint(42)
	w := httptest.NewRecorder()
	if err := manager.Save(w, id, data); err != nil {
		fmt.Println(err)
		return
	}
	cookie := w.Result().Cookies()[0]

	// The next request brings the cookie back: same session, same types.
	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookie)
	again, data, _ := manager.Start(r)
	fmt.Println(again == id)
	fmt.Printf("%T %v\n", data["user_id"], data["user_id"])
	// Output:
	// true
	// uint 42
}

func ExampleManager_Destroy() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	id, data, _ := manager.Start(httptest.NewRequest("GET", "/", nil))
	data["user_id"] = uint(42)
	w := httptest.NewRecorder()
	_ = manager.Save(w, id, data)
	cookie := w.Result().Cookies()[0]

	w = httptest.NewRecorder()
	_ = manager.Destroy(w, id)
	fmt.Println(w.Result().Cookies()[0].MaxAge < 0) // the browser drops the cookie

	r := httptest.NewRequest("GET", "/", nil)
	r.AddCookie(cookie) // replayed anyway: the server has forgotten it
	_, data, _ = manager.Start(r)
	fmt.Println(len(data))
	// Output:
	// true
	// 0
}

func ExampleManager_GetFlash() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	data := map[string]interface{}{}

	manager.Flash(data, "success", "Saved.")
	if msg, ok := manager.GetFlash(data, "success"); ok {
		fmt.Println(msg)
	}
	_, ok := manager.GetFlash(data, "success")
	fmt.Println(ok)
	// Output:
	// Saved.
	// false
}

func ExampleManager_FlashErrors() {
	manager, _ := session.New(memstore.New(memstore.Options{}), session.Config{})
	data := map[string]interface{}{}

	manager.FlashErrors(data, map[string][]string{"email": {"Email is required."}})
	for field, msgs := range manager.Errors(data) {
		fmt.Println(field, msgs)
	}
	// Output: email [Email is required.]
}
