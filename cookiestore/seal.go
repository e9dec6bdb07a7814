package cookiestore

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hkdf"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"slices"
	"sync"
	"unsafe"

	"golang.org/x/crypto/chacha20poly1305"

	"github.com/seed-699a33a2/session/internal/nanotime"
	"github.com/seed-699a33a2/session/store"
)

// The token format, version 2 (what Save writes):
//
//	token     = store.Encoding(version | nonce | sealed)
//	sealed    = XChaCha20-Poly1305(key, nonce, plaintext, ad = version | cookie name)
//	plaintext = id (32 raw bytes) | created (int64 BE) | expires (int64 BE) | data
//	key       = HKDF-SHA-256(secret, salt = nil, info = keyLabel), 32 bytes, once per secret
//
// The 24-byte nonce is random: XChaCha20's nonces are long enough that one
// key seals any number of tokens without a collision to fear, so no key is
// derived per token.
//
// Version 1 (written until this version; still opened, so that no session
// ends with the upgrade):
//
//	token     = store.Encoding(1 | salt | sealed)
//	sealed    = AES-256-GCM(key, nonce, plaintext, ad = 1 | cookie name)
//	key|nonce = HKDF-Expand(PRK, expandLabel | salt, 32+12)
//	PRK       = HKDF-Extract(SHA-256, secret, extractSalt)
//
// Both have the same overhead: a 24-byte salt or nonce, and a 16-byte tag.
// Times are Unix nanoseconds; math.MinInt64 stands for the zero time.
const (
	version   = 2
	version1  = 1
	keyLabel  = "github.com/seed-699a33a2/session/cookiestore v2 key"
	nonceLen  = chacha20poly1305.NonceSizeX
	idLen     = 32
	tagLen    = 16
	headerLen = 1 + nonceLen
	fixedLen  = idLen + 8 + 8

	extractSalt = "github.com/seed-699a33a2/session/cookiestore v1 extract"
	expandLabel = "github.com/seed-699a33a2/session/cookiestore v1 key+nonce "
	v1KeyLen    = 32
	v1NonceLen  = 12

	// Overhead is the number of raw bytes a token carries besides the
	// data: version, nonce, ID, two times and the tag.
	Overhead = headerLen + fixedLen + tagLen

	// maxTokenLen bounds what Load decodes and Save produces. Browsers keep
	// no cookie over 4096 bytes; the bound is far above that so that the
	// store itself never limits what a manager allows, and low enough that
	// a hostile token costs at most this much memory.
	maxTokenLen = 256 << 10
)

// TokenLen returns the length of the token Save returns for a record with
// dataLen bytes of data: the unpadded base64url length of
// [Overhead]+dataLen raw bytes.
func TokenLen(dataLen int) int {
	return base64.RawURLEncoding.EncodedLen(Overhead + dataLen)
}

// key is what one secret seals and opens with: the version 2 AEAD, and the
// version 1 pseudorandom key.
type key struct {
	aead cipher.AEAD
	prk  []byte
}

func newKey(secret []byte) (key, error) {
	k, err := hkdf.Key(sha256.New, secret, nil, keyLabel, chacha20poly1305.KeySize)
	if err != nil {
		return key{}, err
	}
	aead, err := chacha20poly1305.NewX(k)
	if err != nil {
		return key{}, err
	}
	prk, err := hkdf.Extract(sha256.New, secret, []byte(extractSalt))
	if err != nil {
		return key{}, err
	}
	return key{aead: aead, prk: prk}, nil
}

// v1 derives the per-token AES-256-GCM AEAD and nonce of a version 1
// token from its salt.
func (k key) v1(salt []byte) (cipher.AEAD, []byte, error) {
	okm, err := hkdf.Expand(sha256.New, k.prk, expandLabel+string(salt), v1KeyLen+v1NonceLen)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(okm[:v1KeyLen])
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	return gcm, okm[v1KeyLen:], nil
}

// sealBufs holds the buffers seal builds a token's bytes in before their
// base64 is the token: the string is then the only allocation of a seal.
// They hold nothing secret once seal is done: the plaintext is sealed in
// place.
var sealBufs = sync.Pool{New: func() any { return new([]byte) }}

// maxPooledSeal bounds the buffers kept in sealBufs.
const maxPooledSeal = 64 << 10

func (s *Store) seal(r store.Record) (string, error) {
	bp := sealBufs.Get().(*[]byte)
	defer func() {
		if cap(*bp) <= maxPooledSeal {
			sealBufs.Put(bp)
		}
	}()
	raw := slices.Grow((*bp)[:0], headerLen+fixedLen+len(r.Data)+tagLen)[:headerLen+fixedLen]
	*bp = raw[:0]
	raw[0] = version
	nonce := raw[1:headerLen]
	// crypto/rand.Read never fails: it aborts the program instead.
	_, _ = rand.Read(nonce)
	pt := raw[headerLen:]
	// ValidID guarantees the canonical spelling of exactly 32 bytes.
	if n, err := store.Encoding.Decode(pt[:idLen], []byte(r.ID)); err != nil || n != idLen {
		return "", store.ErrInvalidID
	}
	binary.BigEndian.PutUint64(pt[idLen:], uint64(nanotime.From(r.Created)))
	binary.BigEndian.PutUint64(pt[idLen+8:], uint64(nanotime.From(r.Expires)))
	pt = append(pt, r.Data...)
	// Seal in place: the ciphertext overwrites the plaintext.
	raw = s.keys[0].aead.Seal(raw[:headerLen], nonce, pt, s.ad)
	return encode(raw), nil
}

// encode is store.Encoding.EncodeToString in one allocation: the string
// shares the buffer it was encoded into, which nothing else holds.
func encode(raw []byte) string {
	b := make([]byte, store.Encoding.EncodedLen(len(raw)))
	store.Encoding.Encode(b, raw)
	return unsafe.String(unsafe.SliceData(b), len(b))
}

// open authenticates and decodes token. It never panics on any input.
func (s *Store) open(token string) (store.Record, bool) {
	if len(token) > maxTokenLen || len(token) < TokenLen(0) {
		return store.Record{}, false
	}
	raw := make([]byte, store.Encoding.DecodedLen(len(token)))
	n, err := store.Encoding.Decode(raw, []byte(token))
	if err != nil || n < Overhead {
		return store.Record{}, false
	}
	raw = raw[:n]
	var out []byte
	switch raw[0] {
	case version:
		out = s.openV2(raw)
	case version1:
		out = s.openV1(raw)
	}
	if out == nil {
		return store.Record{}, false
	}
	r := store.Record{
		ID:      encode(out[:idLen]),
		Created: nanotime.To(int64(binary.BigEndian.Uint64(out[idLen:]))),
		Expires: nanotime.To(int64(binary.BigEndian.Uint64(out[idLen+8:]))),
	}
	// out is a fresh buffer nobody else holds, so Data may alias it.
	if len(out) > fixedLen {
		r.Data = out[fixedLen:]
	}
	return r, true
}

// openV2 opens a version 2 token (raw, decoded) under each key in turn and
// returns the plaintext, or nil.
func (s *Store) openV2(raw []byte) []byte {
	ad := s.ad
	nonce, ct := raw[1:headerLen], raw[headerLen:]
	last := len(s.keys) - 1
	for i, k := range s.keys {
		// The last try opens in place; earlier ones into a copy, since a
		// failed Open may overwrite its output and the ciphertext is
		// needed for the next key.
		dst := ct[:0]
		if i < last {
			dst = make([]byte, 0, len(ct)-tagLen)
		}
		if out, err := k.aead.Open(dst, nonce, ct, ad); err == nil {
			return out
		}
	}
	return nil
}

// openV1 opens a version 1 token.
func (s *Store) openV1(raw []byte) []byte {
	ad := append([]byte{version1}, s.ad[1:]...)
	salt, ct := raw[1:headerLen], raw[headerLen:]
	pt := make([]byte, 0, len(ct)-tagLen)
	for _, k := range s.keys {
		gcm, nonce, err := k.v1(salt)
		if err != nil {
			return nil
		}
		if out, err := gcm.Open(pt, nonce, ct, ad); err == nil {
			return out
		}
	}
	return nil
}

// errDerive is the failure to derive keys, which happens only with a
// broken crypto library.
func errDerive(err error) error { return fmt.Errorf("cookie: deriving keys: %w", err) }
