package store_test

import (
	"bytes"
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session/internal/testenv"

	"github.com/seed-699a33a2/session/store"
)

func TestValidID(t *testing.T) {
	id := store.NewID()
	if !store.ValidID(id) {
		t.Fatalf("NewID %q is not ValidID", id)
	}
	for _, bad := range []string{"", id[:42], id + "A", strings.Repeat("A", 42) + "B", strings.Repeat("+", 43), id[:42] + "="} {
		if store.ValidID(bad) {
			t.Errorf("ValidID(%q) = true", bad)
		}
	}
	// The canonical spelling of 32 bytes ends in a character whose two low
	// bits are zero; 'B' (value 1) is a non-canonical spelling.
	if !store.ValidID(strings.Repeat("A", 42) + "E") {
		t.Error("canonical all-but-one-zero ID rejected")
	}
}

func TestNewIDIsUnique(t *testing.T) {
	seen := map[string]bool{}
	for i := 0; i < 1000; i++ {
		id := store.NewID()
		if seen[id] || len(id) != store.IDLen {
			t.Fatalf("duplicate or malformed ID %q", id)
		}
		seen[id] = true
	}
}

// TestNewIDAllocatesOnce: a new ID costs one allocation, its string (every
// new session and every Login makes one).
func TestNewIDAllocatesOnce(t *testing.T) {
	if testenv.Race {
		t.Skip("allocation counts differ under the race detector")
	}
	if n := testing.AllocsPerRun(100, func() { _ = store.NewID() }); n != 1 {
		t.Fatalf("NewID allocates %v times, want 1", n)
	}
}

func TestHashIDBytesMatchesHashID(t *testing.T) {
	for _, id := range []string{store.NewID(), "short", strings.Repeat("x", 100)} {
		b := store.HashIDBytes(id)
		if got := store.HashID(id); got != strings.ToLower(hexOf(b[:])) {
			t.Errorf("HashID(%q) = %s, bytes %x", id, got, b)
		}
	}
	id := store.NewID()
	if n := testing.AllocsPerRun(100, func() { store.HashIDBytes(id) }); n != 0 {
		t.Errorf("HashIDBytes allocates %v times", n)
	}
}

func hexOf(b []byte) string {
	const digits = "0123456789abcdef"
	out := make([]byte, 0, 2*len(b))
	for _, c := range b {
		out = append(out, digits[c>>4], digits[c&15])
	}
	return string(out)
}

// TestValidHandle: a handle is what HashID returns, and nothing else.
func TestValidHandle(t *testing.T) {
	h := store.HashID(store.NewID())
	if !store.ValidHandle(h) {
		t.Fatalf("HashID %q is not ValidHandle", h)
	}
	for _, bad := range []string{"", h[:63], h + "0", strings.ToUpper(h), h[:63] + "g", "../" + h[3:]} {
		if store.ValidHandle(bad) {
			t.Errorf("ValidHandle(%q) = true", bad)
		}
	}
}

// TestGuardHandle: a done context is a backend error, a malformed handle
// nothing to do.
func TestGuardHandle(t *testing.T) {
	h := store.HashID(store.NewID())
	if ok, err := store.GuardHandle(context.Background(), "x", h); !ok || err != nil {
		t.Fatalf("GuardHandle of a handle = %v, %v", ok, err)
	}
	if ok, err := store.GuardHandle(context.Background(), "x", "nope"); ok || err != nil {
		t.Fatalf("GuardHandle of a malformed handle = %v, %v; want false, nil", ok, err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if ok, err := store.GuardHandle(ctx, "x", h); ok || !errors.Is(err, store.ErrBackend) || !errors.Is(err, context.Canceled) {
		t.Fatalf("GuardHandle with a done context = %v, %v", ok, err)
	}
}

// randomIDs are IDs as requests bring them: random, so that a check whose
// branches depend on each character cannot be predicted.
func randomIDs(n int) []string {
	ids := make([]string, n)
	for i := range ids {
		ids[i] = store.NewID()
	}
	return ids
}

func BenchmarkValidID(b *testing.B) {
	ids := randomIDs(1024)
	i := 0
	for b.Loop() {
		if !store.ValidID(ids[i&1023]) {
			b.Fatal("a new ID is not valid")
		}
		i++
	}
}

func BenchmarkValidToken(b *testing.B) {
	ids := randomIDs(1024)
	i := 0
	for b.Loop() {
		if !store.ValidToken(ids[i&1023], 4096) {
			b.Fatal("a new ID is not a valid token")
		}
		i++
	}
}

// TestValidIDAndTokenAcceptExactlyTheAlphabet: every byte value, at the
// first, a middle and the last position of an ID, and anywhere in a token,
// is accepted exactly when it is of the base64url alphabet (at the last
// position of an ID, one whose two low bits are zero: the canonical
// spelling).
func TestValidIDAndTokenAcceptExactlyTheAlphabet(t *testing.T) {
	const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
	base := []byte(strings.Repeat("A", store.IDLen))
	for c := range 256 {
		i := strings.IndexByte(alphabet, byte(c))
		for _, pos := range []int{0, store.IDLen / 2, store.IDLen - 1} {
			id := bytes.Clone(base)
			id[pos] = byte(c)
			want := i >= 0 && (pos != store.IDLen-1 || i&3 == 0)
			if got := store.ValidID(string(id)); got != want {
				t.Errorf("ValidID with byte %#x at %d = %v, want %v", c, pos, got, want)
			}
			if got := store.ValidToken(string(id), 64); got != (i >= 0) {
				t.Errorf("ValidToken with byte %#x at %d = %v, want %v", c, pos, got, i >= 0)
			}
		}
	}
}
