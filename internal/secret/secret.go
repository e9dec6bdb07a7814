// Package secret decides whether a secret (SESSION_SECRET, an entry of
// SESSION_PREVIOUS_SECRETS) is fit to derive keys from. Every place that
// takes a secret asks it, so the rule is the same everywhere.
package secret

import (
	"bytes"
	"errors"
	"fmt"
)

// ErrWeak is wrapped by every refusal.
var ErrWeak = errors.New("session: weak secret")

// How is the advice every refusal ends with.
const How = "make one with `openssl rand -base64 32` (or `openssl rand -hex 32`)"

const (
	minLen  = 32
	minBits = 160
	// maxShare is the largest share of the secret one byte value may make.
	maxShare = 0.25
	// pattern is the length of a run (aaaaaaaa, abcdefgh, 87654321) or of a
	// repeated block that no secret may hold.
	pattern = 8
)

// words are the words of five letters or more that sample configuration
// and human-made secrets are full of; none may appear in a secret, in any
// case.
var words = []string{
	"secret", "password", "passwd", "session", "super", "admin", "changeme", "change", "default",
	"example", "sample", "letmein", "qwerty", "welcome", "master", "cookie", "token", "placeholder",
	"production", "staging", "local", "your-", "insecure",
}

// Check reports why sec is not fit to derive keys from, naming the setting
// it came from (name) and never quoting it. The rule: at least 32 bytes;
// at least 160 estimated bits (4 a character if every character is a hex
// digit, 6 if every one is of the base64 alphabets, 6.5 otherwise); no byte
// making up more than a quarter of it; no run or repeated block of 8; and
// none of a list of words (secret, password, session, super, ...).
func Check(sec []byte, name string) error {
	weak := func(why string, args ...any) error {
		return fmt.Errorf("%w: %s %s; %s", ErrWeak, name, fmt.Sprintf(why, args...), How)
	}
	switch {
	case len(sec) == 0:
		return weak("is empty")
	case len(sec) < minLen:
		return weak("is %d bytes, need at least %d random ones", len(sec), minLen)
	}
	if bits := bitsOf(sec); bits < minBits {
		return weak("holds about %.0f bits of randomness, need at least %d", bits, minBits)
	}
	var count [256]int
	for _, c := range sec {
		count[c]++
	}
	for _, n := range count {
		if float64(n) > maxShare*float64(len(sec)) {
			return weak("is not random: one byte value makes up %d of its %d bytes", n, len(sec))
		}
	}
	if i := patterned(sec); i >= 0 {
		return weak("is not random: it holds a run or a repeated block of %d characters (at byte %d)", pattern, i)
	}
	lower := bytes.ToLower(sec)
	for _, w := range words {
		if bytes.Contains(lower, []byte(w)) {
			return weak("is not random: it holds the word %q", w)
		}
	}
	return nil
}

// bitsOf estimates the randomness of sec from its alphabet.
func bitsOf(sec []byte) float64 {
	hex, base64 := true, true
	for _, c := range sec {
		isHex := c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F'
		isB64 := c >= '0' && c <= '9' || c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c == '+' || c == '/' || c == '-' || c == '_' || c == '='
		hex, base64 = hex && isHex, base64 && isB64
	}
	switch {
	case hex:
		return 4 * float64(len(sec))
	case base64:
		return 6 * float64(len(sec))
	}
	return 6.5 * float64(len(sec))
}

// patterned returns where sec holds a run of pattern bytes each one step
// (-1, 0 or +1) from the one before, or a block of pattern bytes that
// appears twice; -1 when it holds neither.
func patterned(sec []byte) int {
	for i := 0; i+pattern <= len(sec); i++ {
		step := int(sec[i+1]) - int(sec[i])
		run := step >= -1 && step <= 1
		for j := i + 1; run && j < i+pattern; j++ {
			run = int(sec[j])-int(sec[j-1]) == step
		}
		if run || bytes.Contains(sec[i+1:], sec[i:i+pattern]) {
			return i
		}
	}
	return -1
}
