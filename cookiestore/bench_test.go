package cookiestore_test

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/testenv"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/store"
)

func benchRecord() store.Record {
	now := time.Now()
	return store.Record{ID: store.NewID(), Data: bytes.Repeat([]byte("d"), 200), Created: now, Expires: now.Add(time.Hour)}
}

func BenchmarkSave200(b *testing.B) {
	st := newStore(b, cookiestore.Options{Secret: newSecret(b)})
	r := benchRecord()
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Save(ctx, r); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoad200(b *testing.B) {
	st := newStore(b, cookiestore.Options{Secret: newSecret(b)})
	tok := save(b, st, benchRecord())
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Load(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// A cookie sealed with the previous secret costs one more key derivation
// and GCM open.
func BenchmarkLoad200PreviousSecret(b *testing.B) {
	old := newSecret(b)
	tok := save(b, newStore(b, cookiestore.Options{Secret: old}), benchRecord())
	st := newStore(b, cookiestore.Options{Secret: newSecret(b), PreviousSecrets: [][]byte{old}})
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Load(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkLoadGarbage(b *testing.B) {
	st := newStore(b, cookiestore.Options{Secret: newSecret(b)})
	tok := save(b, st, benchRecord())
	bad := []byte(tok)
	bad[len(bad)/2] ^= 1
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := st.Load(ctx, string(bad)); err == nil {
			b.Fatal("tampered token opened")
		}
	}
}

// TestSaveAllocatesOnce: sealing a record costs one allocation, the
// token's string (the sealed bytes are built in a pooled buffer), and two
// tokens of the same record still differ (a fresh nonce each).
func TestSaveAllocatesOnce(t *testing.T) {
	st := newStore(t, cookiestore.Options{Secret: newSecret(t)})
	r := benchRecord()
	ctx := context.Background()
	a, b := save(t, st, r), save(t, st, r)
	if a == b {
		t.Fatal("two seals of one record gave the same token")
	}
	for _, tok := range []string{a, b} {
		got, err := st.Load(ctx, tok)
		if err != nil || !bytes.Equal(got.Data, r.Data) || got.ID != r.ID {
			t.Fatalf("Load of a pooled-buffer token = %+v, %v", got, err)
		}
	}
	if testenv.Race {
		t.Skip("allocation counts differ under the race detector")
	}
	if n := testing.AllocsPerRun(100, func() { _, _ = st.Save(ctx, r) }); n != 1 {
		t.Fatalf("Save allocates %v times, want 1", n)
	}
}
