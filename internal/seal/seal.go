// Package seal encrypts and authenticates session data with keys derived
// from the application's secrets, one key per purpose: the manager's
// encryption at rest (SESSION_ENCRYPT) seals each record's data before the
// store sees it. The cipher is XChaCha20-Poly1305, whose 192-bit random
// nonces need no counter and no per-message key derivation, however many
// records one key seals.
package seal

import (
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/seed-699a33a2/session/internal/secret"
)

// Version is the first byte of every sealed value: a codec encoding starts
// with 1, so the two are told apart.
const Version byte = 0xA1

// Overhead is what sealing adds to a value: the version byte, the nonce and
// the tag.
const Overhead = 1 + chacha20poly1305.NonceSizeX + chacha20poly1305.Overhead

// ErrOpen is wrapped by every failure to open a sealed value: it is not
// sealed, sealed under another secret, for another ID, or tampered with.
var ErrOpen = errors.New("session: sealed data does not open")

// Box seals with its first secret's key and opens with any of them. A Box
// is safe for concurrent use.
type Box struct {
	keys []aead
}

type aead interface {
	Seal(dst, nonce, plaintext, additionalData []byte) []byte
	Open(dst, nonce, ciphertext, additionalData []byte) ([]byte, error)
}

// New returns a Box for purpose (a label no other use of the secrets
// shares), sealing with secret and opening with it and each of previous.
// Every secret must pass the secret rule; names name the settings they come
// from (names[0] for secret, names[i+1] for previous[i]) in the error.
func New(purpose string, secretKey []byte, previous [][]byte, names []string) (*Box, error) {
	b := &Box{}
	for i, sec := range append([][]byte{secretKey}, previous...) {
		if err := secret.Check(sec, names[min(i, len(names)-1)]); err != nil {
			return nil, err
		}
		key, err := hkdf.Key(sha256.New, sec, nil, "github.com/seed-699a33a2/session "+purpose, chacha20poly1305.KeySize)
		if err != nil {
			return nil, err
		}
		a, err := chacha20poly1305.NewX(key)
		if err != nil {
			return nil, err
		}
		b.keys = append(b.keys, a)
	}
	return b, nil
}

// Seal appends to dst the sealed form of plain, bound to ad (a record's
// hashed ID: a value copied under another ID does not open).
func (b *Box) Seal(dst, plain, ad []byte) []byte {
	n := len(dst)
	dst = append(dst, Version)
	dst = append(dst, make([]byte, chacha20poly1305.NonceSizeX)...)
	nonce := dst[n+1:]
	_, _ = rand.Read(nonce) // crypto/rand never fails
	return b.keys[0].Seal(dst, nonce, plain, ad)
}

// Open appends to dst the plain form of sealed, which must be bound to ad.
// A value that does not open with any of the Box's keys is an error
// wrapping ErrOpen.
func (b *Box) Open(dst, sealed, ad []byte) ([]byte, error) {
	if len(sealed) < Overhead || sealed[0] != Version {
		return nil, fmt.Errorf("%w: not sealed", ErrOpen)
	}
	nonce, ct := sealed[1:1+chacha20poly1305.NonceSizeX], sealed[1+chacha20poly1305.NonceSizeX:]
	for _, k := range b.keys {
		if out, err := k.Open(dst, nonce, ct, ad); err == nil {
			return out, nil
		}
	}
	return nil, fmt.Errorf("%w: wrong secret, another record's, or tampered with", ErrOpen)
}
