package cookiestore

import (
	"bytes"
	"fmt"
)

const (
	minSecretLen = 32
	// A 32-byte random secret has about 32 distinct byte values, and even
	// a hex one has 16; a passphrase or a repeated word has far fewer.
	minDistinctBytes = 12
)

// placeholders are phrases of sample configuration that end up in
// production: a secret containing one is not a secret.
var placeholders = [][]byte{
	[]byte("your-secret"),
	[]byte("secret-key"),
	[]byte("secret_key"),
	[]byte("changeme"),
	[]byte("change-me"),
	[]byte("change_me"),
	[]byte("placeholder"),
}

const makeOne = "make one with `openssl rand -base64 48`"

// checkSecret reports why sec is not fit to derive keys from. The error
// names the setting (name) and never contains the secret.
func checkSecret(sec []byte, name string) error {
	if len(sec) == 0 {
		return fmt.Errorf("%w: %s is empty; %s", ErrWeakSecret, name, makeOne)
	}
	if len(sec) < minSecretLen {
		return fmt.Errorf("%w: %s is %d bytes, need at least %d random bytes; %s",
			ErrWeakSecret, name, len(sec), minSecretLen, makeOne)
	}
	var seen [256]bool
	distinct := 0
	for _, c := range sec {
		if !seen[c] {
			seen[c] = true
			distinct++
		}
	}
	if distinct < minDistinctBytes {
		return fmt.Errorf("%w: %s is not random (only %d distinct byte values); %s",
			ErrWeakSecret, name, distinct, makeOne)
	}
	lower := bytes.ToLower(sec)
	for _, p := range placeholders {
		if bytes.Contains(lower, p) {
			return fmt.Errorf("%w: %s is a placeholder from sample configuration, not a secret; %s",
				ErrWeakSecret, name, makeOne)
		}
	}
	return nil
}
