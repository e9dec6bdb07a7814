// Package examples shows the session library with plain net/http routers:
// the standard library's [net/http.ServeMux] and go-chi/chi v5. Every
// example is a runnable test (go test ./...) that starts the application on
// an httptest server and drives it with a cookie-keeping client.
//
// The examples live in their own Go module, so that chi never enters the
// library's go.mod.
package examples
