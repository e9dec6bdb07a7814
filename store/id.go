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
	for i := 0; i < len(id); i++ {
		if !isBase64URL(id[i]) {
			return false
		}
	}
	// 43 characters carry 258 bits; the last character's two low bits are
	// padding and must be zero in the canonical spelling.
	return base64URLValue(id[IDLen-1])&0x3 == 0
}

// ValidToken reports whether t could be a token: non-empty, at most max
// bytes, and only characters of the unpadded base64url alphabet.
func ValidToken(t string, max int) bool {
	if len(t) == 0 || len(t) > max {
		return false
	}
	for i := 0; i < len(t); i++ {
		if !isBase64URL(t[i]) {
			return false
		}
	}
	return true
}

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

func isBase64URL(c byte) bool {
	return c >= 'A' && c <= 'Z' || c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' || c == '_'
}

func base64URLValue(c byte) byte {
	switch {
	case c >= 'A' && c <= 'Z':
		return c - 'A'
	case c >= 'a' && c <= 'z':
		return c - 'a' + 26
	case c >= '0' && c <= '9':
		return c - '0' + 52
	case c == '-':
		return 62
	default:
		return 63
	}
}

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
