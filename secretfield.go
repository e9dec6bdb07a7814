package session

import (
	"strings"
	"unicode"
)

// secretField reports whether a form field's name says it holds a secret,
// which FlashOldInput never stores. The name is trimmed and split into
// words at '_', '-', '.', '[', ']', spaces, a lower-case letter or digit
// followed by an upper-case one (newPassword: new, password) and the last
// letter of an acronym before a word (APIKey: api, key); each word is
// lower-cased. The field is a secret when a word starts with "pass" or
// "pwd"; or is one of pw, pin, otp, totp, cvv, cvc, secret, token, card,
// ssn, iban, apikey; or is cvv or cvc followed by digits; or two
// neighbouring words are "api key", "access key" or "private key".
func secretField(name string) bool {
	words := fieldWords(name)
	for i, w := range words {
		switch {
		case strings.HasPrefix(w, "pass"), strings.HasPrefix(w, "pwd"), secretWords[w], cardCode(w):
			return true
		case i > 0 && w == "key" && (words[i-1] == "api" || words[i-1] == "access" || words[i-1] == "private"):
			return true
		}
	}
	return false
}

var secretWords = map[string]bool{
	"pw": true, "pin": true, "otp": true, "totp": true, "cvv": true, "cvc": true, "secret": true,
	"token": true, "card": true, "ssn": true, "iban": true, "apikey": true,
}

// cardCode reports whether w is cvv or cvc followed by digits (cvv2).
func cardCode(w string) bool {
	if len(w) < 4 || w[:3] != "cvv" && w[:3] != "cvc" {
		return false
	}
	return strings.Trim(w[3:], "0123456789") == ""
}

// fieldWords splits a field name into lower-case words (see secretField).
func fieldWords(name string) []string {
	r := []rune(strings.TrimSpace(name))
	var words []string
	start := 0
	cut := func(end int) {
		if end > start {
			words = append(words, strings.ToLower(string(r[start:end])))
		}
		start = end
	}
	for i, c := range r {
		switch {
		case strings.ContainsRune("_-.[]", c) || unicode.IsSpace(c):
			cut(i)
			start = i + 1
		case i > start && unicode.IsUpper(c) && (unicode.IsLower(r[i-1]) || unicode.IsDigit(r[i-1])):
			cut(i) // newPassword
		case i > start && unicode.IsUpper(c) && unicode.IsUpper(r[i-1]) && i+1 < len(r) && unicode.IsLower(r[i+1]):
			cut(i) // APIKey
		}
	}
	cut(len(r))
	return words
}
