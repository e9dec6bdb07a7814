package cookiestore_test

import (
	"context"
	"fmt"
	"log"
	"time"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/store"
)

func Example() {
	// In production: Secret: []byte(os.Getenv("SESSION_SECRET")), made
	// with `openssl rand -base64 32`.
	st, err := cookiestore.New(cookiestore.Options{
		Secret:     []byte("c2VjcmV0IGZvciB0aGUgZXhhbXBsZSBvbmx5LCBub3QgZm9yIHVzZQ"),
		CookieName: "rapidgo_session",
	})
	if err != nil {
		log.Fatal(err)
	}
	ctx := context.Background()
	now := time.Now()
	token, err := st.Save(ctx, store.Record{
		ID:      store.NewID(),
		Data:    []byte("user_id=42"),
		Created: now,
		Expires: now.Add(2 * time.Hour),
	})
	if err != nil {
		log.Fatal(err)
	}
	// The token goes in the cookie; any process with the secret opens it.
	r, err := st.Load(ctx, token)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(string(r.Data), len(token) == cookiestore.TokenLen(len("user_id=42")))
	// Output: user_id=42 true
}

func ExampleNew() {
	// The secret from the spec's sample configuration is refused.
	_, err := cookiestore.New(cookiestore.Options{
		Secret:     []byte("your-secret-key"),
		CookieName: "rapidgo_session",
	})
	fmt.Println(err)
	// Output: session: weak secret: SESSION_SECRET is 15 bytes, need at least 32 random ones; make one with `openssl rand -base64 32` (or `openssl rand -hex 32`)
}

func ExampleOptions_rotation() {
	oldSecret := []byte("b2xkIHNlY3JldCBmb3IgdGhlIGV4YW1wbGUgb25seSwgbm90IGZvciB1c2U")
	newSecret := []byte("bmV3IHNlY3JldCBmb3IgdGhlIGV4YW1wbGUgb25seSwgbm90IGZvciB1c2U")
	ctx := context.Background()
	now := time.Now()
	r := store.Record{ID: store.NewID(), Data: []byte("cart=3"), Created: now, Expires: now.Add(time.Hour)}

	before, _ := cookiestore.New(cookiestore.Options{Secret: oldSecret, CookieName: "rapidgo_session"})
	oldToken, _ := before.Save(ctx, r)

	// Deploy with the new secret, the old one kept for opening only.
	after, _ := cookiestore.New(cookiestore.Options{
		Secret:          newSecret,
		PreviousSecrets: [][]byte{oldSecret},
		CookieName:      "rapidgo_session",
	})
	got, err := after.Load(ctx, oldToken)
	fmt.Println(string(got.Data), err)
	newToken, _ := after.Save(ctx, got) // sealed with the new secret
	_, err = before.Load(ctx, newToken)
	fmt.Println(err)
	// Output:
	// cart=3 <nil>
	// session: not found
}
