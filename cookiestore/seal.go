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

	"github.com/seed-699a33a2/session/internal/nanotime"
	"github.com/seed-699a33a2/session/store"
)

// The token format, version 1:
//
//	token     = store.Encoding(version | salt | sealed)
//	sealed    = AES-256-GCM(key, nonce, plaintext, ad = version | cookie name)
//	plaintext = id (32 raw bytes) | created (int64 BE) | expires (int64 BE) | data
//	key|nonce = HKDF-Expand(PRK, expandLabel | salt, 32+12)
//	PRK       = HKDF-Extract(SHA-256, secret, extractSalt)
//
// Times are Unix nanoseconds; math.MinInt64 stands for the zero time.
//
// Each token gets its own key from a fresh random salt, so the GCM nonce
// limit of one long-lived key (about 2^32 random nonces) never comes near.
const (
	version     = 1
	extractSalt = "github.com/seed-699a33a2/session/cookiestore v1 extract"
	expandLabel = "github.com/seed-699a33a2/session/cookiestore v1 key+nonce "

	saltLen   = 24
	keyLen    = 32
	nonceLen  = 12
	idLen     = 32
	tagLen    = 16
	headerLen = 1 + saltLen
	fixedLen  = idLen + 8 + 8

	// Overhead is the number of raw bytes a token carries besides the
	// data: version, salt, ID, two times and the GCM tag.
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

// prk is the HKDF pseudorandom key of one secret.
type prk []byte

// aead derives the per-token AEAD and nonce from the key and salt. With
// the constant lengths used here it does not fail, but it says so if it does.
func (k prk) aead(salt []byte) (cipher.AEAD, []byte, error) {
	okm, err := hkdf.Expand(sha256.New, k, expandLabel+string(salt), keyLen+nonceLen)
	if err != nil {
		return nil, nil, err
	}
	block, err := aes.NewCipher(okm[:keyLen])
	if err != nil {
		return nil, nil, err
	}
	gcm, err := cipher.NewGCM(block)
	if err != nil {
		return nil, nil, err
	}
	return gcm, okm[keyLen:], nil
}

func (s *Store) seal(r store.Record) (string, error) {
	raw := make([]byte, headerLen, headerLen+fixedLen+len(r.Data)+tagLen)
	raw[0] = version
	salt := raw[1:headerLen]
	// crypto/rand.Read never fails: it aborts the program instead.
	_, _ = rand.Read(salt)

	gcm, nonce, err := s.keys[0].aead(salt)
	if err != nil {
		return "", store.BackendError(driver, fmt.Errorf("deriving the cookie key: %w", err))
	}
	pt := raw[headerLen : headerLen+fixedLen]
	// ValidID guarantees the canonical spelling of exactly 32 bytes.
	if n, err := store.Encoding.Decode(pt[:idLen], []byte(r.ID)); err != nil || n != idLen {
		return "", store.ErrInvalidID
	}
	binary.BigEndian.PutUint64(pt[idLen:], uint64(nanotime.From(r.Created)))
	binary.BigEndian.PutUint64(pt[idLen+8:], uint64(nanotime.From(r.Expires)))
	pt = append(pt, r.Data...)
	// Seal in place: the ciphertext overwrites the plaintext.
	raw = gcm.Seal(raw[:headerLen], nonce, pt, s.ad)
	return store.Encoding.EncodeToString(raw), nil
}

// open authenticates and decodes token. It never panics on any input.
func (s *Store) open(token string) (store.Record, bool) {
	if len(token) > maxTokenLen || len(token) < TokenLen(0) {
		return store.Record{}, false
	}
	raw := make([]byte, store.Encoding.DecodedLen(len(token)))
	n, err := store.Encoding.Decode(raw, []byte(token))
	if err != nil || n < Overhead || raw[0] != version {
		return store.Record{}, false
	}
	raw = raw[:n]
	salt, ct := raw[1:headerLen], raw[headerLen:]
	// Not in place: a failed Open may overwrite its output, and the
	// ciphertext is needed for the next secret.
	pt := make([]byte, 0, len(ct)-tagLen)
	for _, k := range s.keys {
		gcm, nonce, err := k.aead(salt)
		if err != nil {
			return store.Record{}, false
		}
		out, err := gcm.Open(pt, nonce, ct, s.ad)
		if err != nil {
			continue
		}
		r := store.Record{
			ID:      store.Encoding.EncodeToString(out[:idLen]),
			Created: nanotime.To(int64(binary.BigEndian.Uint64(out[idLen:]))),
			Expires: nanotime.To(int64(binary.BigEndian.Uint64(out[idLen+8:]))),
		}
		// out is a fresh buffer nobody else holds, so Data may alias it.
		if len(out) > fixedLen {
			r.Data = out[fixedLen:]
		}
		return r, true
	}
	return store.Record{}, false
}
