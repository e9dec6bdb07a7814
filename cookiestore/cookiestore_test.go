package cookiestore_test

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

const cookieName = "rapidgo_session"

// newSecret returns a secret as `openssl rand -base64 32` makes one.
func newSecret(t testing.TB) []byte {
	t.Helper()
	var b [48]byte
	_, _ = rand.Read(b[:])
	return []byte(base64.StdEncoding.EncodeToString(b[:]))
}

func newStore(t testing.TB, opts cookiestore.Options) *cookiestore.Store {
	t.Helper()
	if opts.CookieName == "" {
		opts.CookieName = cookieName
	}
	st, err := cookiestore.New(opts)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	return st
}

func newRecord(now time.Time, data string) store.Record {
	return store.Record{
		ID:      store.NewID(),
		Data:    []byte(data),
		Created: now.Add(-time.Minute),
		Expires: now.Add(time.Hour),
	}
}

func save(t testing.TB, st *cookiestore.Store, r store.Record) string {
	t.Helper()
	tok, err := st.Save(context.Background(), r)
	if err != nil || tok == "" {
		t.Fatalf("Save = %q, %v", tok, err)
	}
	return tok
}

func load(t testing.TB, st *cookiestore.Store, tok string, want store.Record) {
	t.Helper()
	got, err := st.Load(context.Background(), tok)
	if err != nil {
		t.Fatalf("Load: %v", err)
	}
	if got.ID != want.ID || string(got.Data) != string(want.Data) ||
		!got.Created.Equal(want.Created) || !got.Expires.Equal(want.Expires) {
		t.Fatalf("Load = %+v, want %+v", got, want)
	}
}

func notFound(t testing.TB, st *cookiestore.Store, tok, why string) {
	t.Helper()
	r, err := st.Load(context.Background(), tok)
	if !errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrBackend) || r.ID != "" {
		t.Fatalf("%s: Load = (%q, %v), want ErrNotFound only", why, r.ID, err)
	}
}

// cookieAbilities are the optional abilities the driver declares to the conformance
// suite: exactly those it implements.
const cookieAbilities = storetest.None

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return newStore(t, cookiestore.Options{Secret: newSecret(t), Now: now})
	}, storetest.Options{ClientSide: true, Abilities: cookieAbilities})
}

// SPEC flaw 1: RapidGo's session package kept the data in a process-local map and put
// only the ID in the cookie. Here the token is the session.
func TestFlaw1DataLivesInTheCookie(t *testing.T) {
	secret := newSecret(t)
	now := time.Now()
	r := newRecord(now, `{"user_id":42}`)

	tok := save(t, newStore(t, cookiestore.Options{Secret: secret}), r)

	t.Run("AnotherProcessOpensIt", func(t *testing.T) {
		// A copy of the secret, as another process reads it from its env.
		other := newStore(t, cookiestore.Options{Secret: append([]byte(nil), secret...)})
		load(t, other, tok, r)
	})
	t.Run("NothingIsKeptInMemory", func(t *testing.T) {
		// A store that never saw the record opens it, and a store that
		// saved it remembers nothing: Delete cannot take it away.
		fresh := newStore(t, cookiestore.Options{Secret: secret})
		if err := fresh.Delete(context.Background(), r.ID); err != nil {
			t.Fatalf("Delete: %v", err)
		}
		load(t, fresh, tok, r)
	})
	t.Run("TheIDIsNotTheToken", func(t *testing.T) {
		notFound(t, newStore(t, cookiestore.Options{Secret: secret}), r.ID, "bare ID")
	})
}

// SPEC flaw 2: RapidGo's session package never read SESSION_SECRET and used a raw key
// with no derivation and no rotation.
func TestFlaw2SessionSecretIsTheKey(t *testing.T) {
	oldSecret, current := newSecret(t), newSecret(t)
	now := time.Now()
	oldRec, newRec := newRecord(now, "old"), newRecord(now, "new")

	before := newStore(t, cookiestore.Options{Secret: oldSecret})
	oldTok := save(t, before, oldRec)

	t.Run("AnotherSecretCannotOpen", func(t *testing.T) {
		notFound(t, newStore(t, cookiestore.Options{Secret: newSecret(t)}), oldTok, "other secret")
	})

	rotated := newStore(t, cookiestore.Options{Secret: current, PreviousSecrets: [][]byte{newSecret(t), oldSecret}})
	newTok := save(t, rotated, newRec)

	t.Run("PreviousSecretStillOpens", func(t *testing.T) {
		load(t, rotated, oldTok, oldRec)
	})
	t.Run("NewCookiesUseTheNewSecret", func(t *testing.T) {
		load(t, rotated, newTok, newRec)
		load(t, newStore(t, cookiestore.Options{Secret: current}), newTok, newRec)
		notFound(t, before, newTok, "store with only the old secret")
	})
	t.Run("RemovedSecretNoLongerOpens", func(t *testing.T) {
		after := newStore(t, cookiestore.Options{Secret: current})
		notFound(t, after, oldTok, "cookie of a removed secret")
		load(t, after, newTok, newRec)
	})
}

func TestDeleteCannotRevoke(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	r := newRecord(time.Now(), "x")
	tok := save(t, st, r)
	if err := st.Delete(context.Background(), r.ID); err != nil {
		t.Fatalf("Delete: %v", err)
	}
	if err := st.Delete(context.Background(), "not even an ID"); err != nil {
		t.Fatalf("Delete of garbage: %v", err)
	}
	load(t, st, tok, r)
}

func TestCancelledContextWrapsBoth(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	ctx, cancel := context.WithTimeout(context.Background(), -time.Second)
	defer cancel()
	_, err := st.Load(ctx, "x")
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, store.ErrBackend) {
		t.Fatalf("Load: %v", err)
	}
	_, err = st.Save(ctx, newRecord(time.Now(), "x"))
	if !errors.Is(err, context.DeadlineExceeded) || !errors.Is(err, store.ErrBackend) {
		t.Fatalf("Save: %v", err)
	}
	if err := st.Delete(ctx, store.NewID()); !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Delete: %v", err)
	}
}
