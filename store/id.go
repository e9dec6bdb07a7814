package store

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// IDLen is the length of a session ID: 32 random bytes in unpadded
// base64url.
const IDLen = 43

// ValidID reports whether id has the shape of a session ID: exactly IDLen
// characters of the unpadded base64url alphabet in their canonical spelling
// (the unused low bits of the last character are zero). It is cheap and
// allocation-free, and every driver calls it before id reaches a file name,
// a key or a query.
func ValidID(id string) bool {
	if len(id) != IDLen {
		return false
	}
	// 43 characters carry 258 bits; the last character's two low bits are
	// padding and must be zero in the canonical spelling.
	return allBase64URL(id) && base64URLValues[id[IDLen-1]]&0x3 == 0
}

// ValidToken reports whether t could be a token: non-empty, at most max
// bytes, and only characters of the unpadded base64url alphabet.
func ValidToken(t string, max int) bool {
	if len(t) == 0 || len(t) > max {
		return false
	}
	return allBase64URL(t)
}

// allBase64URL reports whether every byte of s is of the base64url
// alphabet. It looks each byte up and tests once at the end, without a
// branch per byte: IDs are random, so a test per character (is it a
// capital, a small letter, a digit...) mispredicts on most of them, which
// costs several times the loop itself, on every request.
func allBase64URL(s string) bool {
	var bad byte
	for i := 0; i < len(s); i++ {
		bad |= base64URLValues[s[i]]
	}
	return bad&invalidBase64URL == 0
}

// base64URLValues holds the value of each byte of the base64url alphabet
// (0 to 63), and invalidBase64URL for every other byte.
var base64URLValues = func() (t [256]byte) {
	for i := range t {
		t[i] = invalidBase64URL
	}
	for i, c := range []byte("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_") {
		t[c] = byte(i)
	}
	return t
}()

const invalidBase64URL = 0x80

// ValidHandle reports whether h has the shape of a handle (see
// UserSession): what HashID returns, 64 lowercase hex digits. A string of
// any other shape names no session in any store of this module.
func ValidHandle(h string) bool {
	if len(h) != 2*sha256.Size {
		return false
	}
	for i := 0; i < len(h); i++ {
		if c := h[i]; (c < '0' || c > '9') && (c < 'a' || c > 'f') {
			return false
		}
	}
	return true
}

// HashID returns the name under which server-side stores keep the session
// with the given ID: the hex SHA-256 of the ID. Keys, file names and rows are
// named by it so that whoever reads the store cannot use what they read as
// a cookie. It is the one place where that hash is computed.
func HashID(id string) string {
	sum := sha256.Sum256([]byte(id))
	return hex.EncodeToString(sum[:])
}

// HashIDBytes is HashID as raw bytes, for stores that key a map or a binary
// column and want no allocation.
func HashIDBytes(id string) [sha256.Size]byte {
	var b [IDLen]byte
	if len(id) <= IDLen {
		// A fixed-size array keeps the copy on the stack ([]byte(id) of 43
		// bytes would not fit the compiler's 32-byte scratch buffer).
		n := copy(b[:], id)
		return sha256.Sum256(b[:n])
	}
	return sha256.Sum256([]byte(id))
}

// Encoding is the encoding of IDs and tokens: base64url without padding,
// strict (non-canonical spellings are rejected when decoding).
var Encoding = base64.RawURLEncoding.Strict()

// NewID returns a fresh session ID: 32 bytes from crypto/rand in unpadded
// base64url (IDLen characters).
func NewID() string {
	var b [32]byte
	// crypto/rand.Read never returns an error (it aborts the program if the
	// system's random source fails), so there is nothing to handle here.
	_, _ = rand.Read(b[:])
	var s [IDLen]byte // encoded here, so that the string is the one allocation
	Encoding.Encode(s[:], b[:])
	return string(s[:])
}
