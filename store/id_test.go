package store_test

import (
	"strings"
	"testing"

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
