package bench

import (
	"testing"

	"github.com/gorilla/sessions"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
)

// BenchmarkCookie: cookie store (XChaCha20-Poly1305, one key per secret) ↔
// gorilla's CookieStore with a hash key and a 32-byte block key
// (HMAC-SHA256 + AES-256-CTR). Each library's cookie limit is checked by
// the seed request: a session that does not fit fails the benchmark.
func BenchmarkCookie(b *testing.B) {
	secret := randomBytes(48)
	benchDriver(b, []lib{
		ours(func(b *testing.B) session.Store {
			s, err := cookiestore.New(cookiestore.Options{Secret: secret, CookieName: session.DefaultCookieName})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}),
		gorillaLib(func(b *testing.B) sessions.Store {
			return sessions.NewCookieStore(gorillaHashKey, gorillaBlockKey)
		}),
	}, nil)
}

// BenchmarkFile: file store (SHA-256 file names, atomic temp+rename,
// checksum; no fsync, its default) ↔ gorilla's FilesystemStore (encrypted
// values in the file, encrypted ID in the cookie; writes in place).
func BenchmarkFile(b *testing.B) {
	benchDriver(b, []lib{
		ours(func(b *testing.B) session.Store {
			s, err := filestore.New(b.TempDir(), filestore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}),
		gorillaLib(func(b *testing.B) sessions.Store {
			return sessions.NewFilesystemStore(b.TempDir(), gorillaHashKey, gorillaBlockKey)
		}),
		oursEncrypted(func(b *testing.B) session.Store {
			s, err := filestore.New(b.TempDir(), filestore.Options{})
			if err != nil {
				b.Fatal(err)
			}
			return s
		}),
	}, nil)
}
