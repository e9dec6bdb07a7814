package cookiestore_test

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

// The fuzz store's secret and clock are fixed so that the tokens committed
// in testdata/fuzz/FuzzOpen keep opening.
var (
	fuzzSecret = []byte("Qm9vdHN0cmFwIGZ1enogc2VjcmV0IGZvciBjb29raWVzdG9yZSAtIG5vdCBmb3IgdXNlIQ")
	fuzzNow    = time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)
)

func FuzzOpen(f *testing.F) {
	st, err := cookiestore.New(cookiestore.Options{
		Secret:     fuzzSecret,
		CookieName: cookieName,
		Now:        func() time.Time { return fuzzNow },
	})
	if err != nil {
		f.Fatal(err)
	}
	ctx := context.Background()
	for _, data := range []string{"", "user_id=42", strings.Repeat("\x00\xff", 100)} {
		tok, err := st.Save(ctx, store.Record{ID: store.NewID(), Data: []byte(data), Created: fuzzNow, Expires: fuzzNow.Add(time.Hour)})
		if err != nil {
			f.Fatal(err)
		}
		f.Add(tok)
		f.Add(tok[:len(tok)-1])
	}
	for _, tok := range storetest.GarbageTokens() {
		if len(tok) < 4096 {
			f.Add(tok)
		}
	}

	f.Fuzz(func(t *testing.T, tok string) {
		r, err := st.Load(ctx, tok)
		if err != nil {
			if !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) {
				t.Fatalf("Load(%q) = %v, want ErrNotFound", tok, err)
			}
			if r.ID != "" || r.Data != nil {
				t.Fatalf("Load(%q) failed but returned a record", tok)
			}
			return
		}
		if !store.ValidID(r.ID) {
			t.Fatalf("Load(%q) opened a record with invalid ID %q", tok, r.ID)
		}
		if !r.Expires.After(fuzzNow) {
			t.Fatalf("Load(%q) opened a record that expired at %v", tok, r.Expires)
		}
		// What opens seals again and opens to the same record.
		again, err := st.Save(ctx, r)
		if err != nil {
			t.Fatalf("Save of an opened record: %v", err)
		}
		r2, err := st.Load(ctx, again)
		if err != nil || r2.ID != r.ID || string(r2.Data) != string(r.Data) || !r2.Expires.Equal(r.Expires) || !r2.Created.Equal(r.Created) {
			t.Fatalf("resealed record = %+v, %v; want %+v", r2, err, r)
		}
	})
}

// The committed seeds named valid-* were sealed by an earlier build: they
// must keep opening, or the format changed under cookies already issued.
func TestCommittedTokensOpen(t *testing.T) {
	st, err := cookiestore.New(cookiestore.Options{Secret: fuzzSecret, CookieName: cookieName, Now: func() time.Time { return fuzzNow }})
	if err != nil {
		t.Fatal(err)
	}
	files, err := filepath.Glob("testdata/fuzz/FuzzOpen/valid-*")
	if err != nil || len(files) == 0 {
		t.Fatalf("no committed tokens: %v", err)
	}
	for _, name := range files {
		b, err := os.ReadFile(name)
		if err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimSpace(string(b)), "\n")
		if len(lines) != 2 || lines[0] != "go test fuzz v1" || !strings.HasPrefix(lines[1], "string(") {
			t.Fatalf("%s: not a go test fuzz v1 string", name)
		}
		tok, err := strconv.Unquote(strings.TrimSuffix(strings.TrimPrefix(lines[1], "string("), ")"))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if _, err := st.Load(context.Background(), tok); err != nil {
			t.Errorf("%s: %v", name, err)
		}
	}
}
