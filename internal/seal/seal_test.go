package seal

import (
	"bytes"
	"errors"
	"testing"
)

const (
	secretA = "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM"
	secretB = "Zr4Kp9Wq2Lm7Xv3Nt8Bc5Hd1Jf6Gs0Ya4Qe9Tu2Io7Pl3Mk"
)

var names = []string{"SESSION_SECRET", "SESSION_PREVIOUS_SECRETS"}

func box(t testing.TB, purpose, secret string, previous ...string) *Box {
	t.Helper()
	var prev [][]byte
	for _, p := range previous {
		prev = append(prev, []byte(p))
	}
	b, err := New(purpose, []byte(secret), prev, names)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestSealOpens(t *testing.T) {
	b := box(t, "at rest", secretA)
	plain := []byte("\x01\x02\x04name\x03\x03Ada")
	ad := []byte("hash-of-the-id")
	sealed := b.Seal(nil, plain, ad)
	if len(sealed) != len(plain)+Overhead || sealed[0] != Version || bytes.Contains(sealed, []byte("Ada")) {
		t.Fatalf("sealed %x", sealed)
	}
	if again := b.Seal(nil, plain, ad); bytes.Equal(again, sealed) {
		t.Fatal("two seals of the same value are equal: the nonce is not random")
	}
	got, err := b.Open(nil, sealed, ad)
	if err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("Open = %q, %v", got, err)
	}
	for name, bad := range map[string]func() ([]byte, error){
		"another ID":      func() ([]byte, error) { return b.Open(nil, sealed, []byte("another")) },
		"plain data":      func() ([]byte, error) { return b.Open(nil, plain, ad) },
		"another purpose": func() ([]byte, error) { return box(t, "cookies", secretA).Open(nil, sealed, ad) },
		"another secret":  func() ([]byte, error) { return box(t, "at rest", secretB).Open(nil, sealed, ad) },
		"a flipped bit": func() ([]byte, error) {
			c := bytes.Clone(sealed)
			c[len(c)/2] ^= 1
			return b.Open(nil, c, ad)
		},
		"cut short": func() ([]byte, error) { return b.Open(nil, sealed[:len(sealed)-1], ad) },
	} {
		if _, err := bad(); !errors.Is(err, ErrOpen) {
			t.Errorf("%s: Open = %v, want ErrOpen", name, err)
		}
	}
	rotated := box(t, "at rest", secretB, secretA)
	if got, err := rotated.Open(nil, sealed, ad); err != nil || !bytes.Equal(got, plain) {
		t.Fatalf("a previous secret does not open: %v", err)
	}
}

func TestWeakSecretsAreRefused(t *testing.T) {
	if _, err := New("at rest", []byte("MySuperSecretPasswordForSessions"), nil, names); err == nil {
		t.Fatal("a weak secret was taken")
	}
	if _, err := New("at rest", []byte(secretA), [][]byte{[]byte("short")}, names); err == nil {
		t.Fatal("a weak previous secret was taken")
	}
}

// BenchmarkSealOpen seals and opens a five-key session's data (about 120
// bytes): the budget is 1 µs for both.
func BenchmarkSealOpen(b *testing.B) {
	x := box(b, "at rest", secretA)
	plain := bytes.Repeat([]byte("s"), 120)
	ad := []byte("0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef")
	buf := make([]byte, 0, 256)
	out := make([]byte, 0, 256)
	b.ReportAllocs()
	for b.Loop() {
		sealed := x.Seal(buf[:0], plain, ad)
		var err error
		if out, err = x.Open(out[:0], sealed, ad); err != nil {
			b.Fatal(err)
		}
	}
}
