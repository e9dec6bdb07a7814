package secret

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	mrand "math/rand/v2"
	"strings"
	"testing"
)

// TestWeakSecretsAreRefused: the examples of weak secrets, and the
// shapes each clause of the rule catches.
func TestWeakSecretsAreRefused(t *testing.T) {
	for name, sec := range map[string]string{
		"hex of 16 bytes":    "0123456789abcdef0123456789abcdef",
		"a passphrase":       "MySuperSecretPasswordForSessions",
		"one byte a quarter": "aaaaaaaaaaaaaaaaaaaaabcdefghijkl",
		"a sentence":         "this is my session secret phrase",
		"short":              "x9Tq2LmZ",
		"empty":              "",
		"run of eight":       "Qz8vKm2P12345678wXyR4tNb6cLs0dFh",
		"repeated block":     "Zk3mQ9vTZk3mQ9vTp2Lx7Rw4Ny8Bs1Cd",
		"descending run":     "hgfedcbaQz8vKm2PwXyR4tNb6cLs0dFh",
		"a word":             "Qz8vKm2PwXyR4tNbadminLs0dFhJ7uYe",
		"spec placeholder":   "your-secret-key-your-secret-key-x",
		"periodic":           "abababababababababababababababab",
		"31 bytes of base64": "Qz8vKm2PwXyR4tNb6cLs0dFhJ7uYe1G",
		"hex of 19 bytes":    "9f86d081884c7d659a2feaa0c55ad015a3bf4f",
	} {
		err := Check([]byte(sec), "SESSION_SECRET")
		if !errors.Is(err, ErrWeak) {
			t.Errorf("%s: %q accepted", name, sec)
			continue
		}
		msg := err.Error()
		if !strings.Contains(msg, "SESSION_SECRET") || !strings.Contains(msg, "openssl rand") {
			t.Errorf("%s: the refusal does not name the setting or say how to make a good secret: %s", name, msg)
		}
		if len(sec) >= 8 && strings.Contains(msg, sec) {
			t.Errorf("%s: the refusal quotes the secret: %s", name, msg)
		}
	}
}

// TestGoodSecretsAreAccepted: what `openssl rand -base64 32` and `-hex 32`
// print, 32 random alphanumerics, 48 random printable characters, 32 raw
// random bytes. The random ones come from a seeded generator, so the test
// cannot flake; 200 of each.
func TestGoodSecretsAreAccepted(t *testing.T) {
	for _, sec := range []string{
		"3fXo5oJt+qB8m2Zx0y8o1qH5Jc3QkUu3S0bYh7dXwLc=",                     // openssl rand -base64 32
		"b3a1f0e9c2d84a6f9e1c7b5d3a2f0e8c9d7b6a5f4e3d2c1b0a9f8e7d6c5b4a39", // openssl rand -hex 32
	} {
		if err := Check([]byte(sec), "SESSION_SECRET"); err != nil {
			t.Errorf("%q refused: %v", sec, err)
		}
	}
	r := mrand.New(mrand.NewChaCha8([32]byte{'s', 'e', 'e', 'd'}))
	const alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
	pick := func(alphabet string, n int) []byte {
		b := make([]byte, n)
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		return b
	}
	printable := ""
	for c := byte(0x21); c < 0x7f; c++ {
		printable += string(c)
	}
	for i := range 200 {
		raw := make([]byte, 32)
		for j := range raw {
			raw[j] = byte(r.Uint32())
		}
		for kind, sec := range map[string][]byte{
			"base64 32":       []byte(base64.StdEncoding.EncodeToString(raw)),
			"hex 32":          []byte(hex.EncodeToString(raw)),
			"32 alphanumeric": pick(alnum, 32),
			"48 printable":    pick(printable, 48),
			"32 raw bytes":    raw,
		} {
			if err := Check(sec, "SESSION_SECRET"); err != nil {
				t.Errorf("%s #%d %q refused: %v", kind, i, sec, err)
			}
		}
	}
	real := make([]byte, 32)
	rand.Read(real)
	if err := Check([]byte(base64.StdEncoding.EncodeToString(real)), "x"); err != nil && !strings.Contains(err.Error(), "the word") {
		t.Errorf("a crypto/rand secret refused: %v", err)
	}
}
