package bench

import (
	"io"
	"net/http"
	"testing"

	"github.com/alexedwards/scs/v2"
	"github.com/gorilla/sessions"

	"github.com/seed-699a33a2/session"
)

// ours: the library's net/http middleware (Manager.Middleware) over store,
// every guarantee on (copy-out, ID hashing, change tracking).
func ours(mk func(b *testing.B) session.Store) lib {
	return oursWith("ours", session.Config{}, mk)
}

// oursEncrypted is ours with SESSION_ENCRYPT=true: every record's data
// sealed at rest (XChaCha20-Poly1305).
func oursEncrypted(mk func(b *testing.B) session.Store) lib {
	return oursWith("encrypted", session.Config{Encrypt: session.EncryptOn, Secret: atRestSecret}, mk)
}

// atRestSecret is the secret of the encrypted lines.
var atRestSecret = []byte("Zr4Kp9Wq2Lm7Xv3Nt8Bc5Hd1Jf6Gs0Ya4Qe9Tu2Io7Pl3Mk")

func oursWith(name string, cfg session.Config, mk func(b *testing.B) session.Store) lib {
	return lib{name: name, cookie: session.DefaultCookieName, build: func(b *testing.B, ds dataset) handlers {
		st := mk(b)
		if c, ok := st.(io.Closer); ok {
			b.Cleanup(func() { _ = c.Close() })
		}
		cfg.Lifetime = lifetime
		cfg.ErrorHandler = func(w http.ResponseWriter, r *http.Request, err error) { http.Error(w, err.Error(), 500) }
		m, err := session.New(st, cfg)
		if err != nil {
			b.Fatal(err)
		}
		return oursHandlers(m, ds)
	}}
}

func oursHandlers(m *session.Manager, ds dataset) handlers {
	wrap := func(f func(w http.ResponseWriter, data map[string]any)) http.Handler {
		return m.Middleware(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			_, data, err := m.Start(r)
			if err != nil {
				http.Error(w, err.Error(), 500)
				return
			}
			f(w, data)
		}))
	}
	return handlers{
		seed: wrap(func(w http.ResponseWriter, data map[string]any) {
			for k, v := range ds.vals {
				data[k] = v
			}
			_, _ = w.Write(okBody)
		}),
		read: wrap(func(w http.ResponseWriter, data map[string]any) {
			name, _ := data["name"].(string)
			_, _ = w.Write([]byte(name))
		}),
		change: wrap(func(w http.ResponseWriter, data map[string]any) {
			data["user_id"] = nextUserID()
			_, _ = w.Write(okBody)
		}),
		create: wrap(func(w http.ResponseWriter, data map[string]any) {
			for k, v := range ds.vals {
				if k != "flash" {
					data[k] = v
				}
			}
			m.Flash(data, "notice", flashMsg)
			_, _ = w.Write(okBody)
		}),
	}
}

// scsLib: scs v2's LoadAndSave middleware over store.
func scsLib(mk func(b *testing.B) scs.Store) lib {
	return lib{name: "scs", cookie: "session", build: func(b *testing.B, ds dataset) handlers {
		sm := scs.New()
		sm.Store = mk(b)
		sm.Lifetime = lifetime
		sm.ErrorFunc = func(w http.ResponseWriter, r *http.Request, err error) { http.Error(w, err.Error(), 500) }
		wrap := func(f func(w http.ResponseWriter, r *http.Request)) http.Handler {
			return sm.LoadAndSave(http.HandlerFunc(f))
		}
		return handlers{
			seed: wrap(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range ds.vals {
					sm.Put(r.Context(), k, v)
				}
				_, _ = w.Write(okBody)
			}),
			read: wrap(func(w http.ResponseWriter, r *http.Request) {
				_, _ = w.Write([]byte(sm.GetString(r.Context(), "name")))
			}),
			change: wrap(func(w http.ResponseWriter, r *http.Request) {
				sm.Put(r.Context(), "user_id", nextUserID())
				_, _ = w.Write(okBody)
			}),
			create: wrap(func(w http.ResponseWriter, r *http.Request) {
				for k, v := range ds.vals {
					if k != "flash" {
						sm.Put(r.Context(), k, v)
					}
				}
				sm.Put(r.Context(), "flash", flashMsg) // scs's flash is a key read with PopString
				_, _ = w.Write(okBody)
			}),
		}
	}}
}

// Gorilla keys: a 64-byte HMAC key and a 32-byte AES-256 block key
// (encrypted cookies).
var (
	gorillaHashKey  = randomBytes(64)
	gorillaBlockKey = randomBytes(32)
)

// gorillaLib: gorilla/sessions, store.Get and session.Save in the handler
// (gorilla has no middleware that saves).
func gorillaLib(mk func(b *testing.B) sessions.Store) lib {
	const name = "session"
	return lib{name: "gorilla", cookie: name, build: func(b *testing.B, ds dataset) handlers {
		st := mk(b)
		wrap := func(f func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error) http.Handler {
			return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				s, err := st.Get(r, name)
				if err != nil {
					http.Error(w, err.Error(), 500)
					return
				}
				if err := f(w, r, s); err != nil {
					http.Error(w, err.Error(), 500)
				}
			})
		}
		return handlers{
			seed: wrap(func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
				for k, v := range ds.vals {
					s.Values[k] = v
				}
				if err := s.Save(r, w); err != nil {
					return err
				}
				_, _ = w.Write(okBody)
				return nil
			}),
			read: wrap(func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
				name, _ := s.Values["name"].(string)
				_, _ = w.Write([]byte(name))
				return nil
			}),
			change: wrap(func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
				s.Values["user_id"] = nextUserID()
				if err := s.Save(r, w); err != nil {
					return err
				}
				_, _ = w.Write(okBody)
				return nil
			}),
			create: wrap(func(w http.ResponseWriter, r *http.Request, s *sessions.Session) error {
				for k, v := range ds.vals {
					if k != "flash" {
						s.Values[k] = v
					}
				}
				s.AddFlash(flashMsg)
				if err := s.Save(r, w); err != nil {
					return err
				}
				_, _ = w.Write(okBody)
				return nil
			}),
		}
	}}
}
