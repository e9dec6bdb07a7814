package cookiestore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/seed-699a33a2/session/internal/secret"
	"github.com/seed-699a33a2/session/store"
)

// Options configure a [Store]. Secret and CookieName are required; the zero
// value of every other field means its default.
type Options struct {
	// Secret is the key material every new cookie is sealed with (the
	// application's SESSION_SECRET), taken as raw bytes. It must pass the
	// secret rule that every secret of the library passes (at least 32
	// bytes and 160 estimated bits, no byte over a quarter of it, no run or
	// repeated block of 8, no word such as "secret"): make one with
	// `openssl rand -base64 32`. New derives keys from it and keeps no copy.
	Secret []byte

	// PreviousSecrets are older secrets that still open cookies sealed
	// before a rotation (SESSION_PREVIOUS_SECRETS). They are never used to
	// seal. Remove a secret once the cookies it sealed have expired.
	PreviousSecrets [][]byte

	// CookieName is the name of the session cookie. It is bound into every
	// seal, so a token sealed for one cookie name does not open under
	// another.
	CookieName string

	// Now returns the current time; it decides which tokens have expired.
	// The default is time.Now.
	Now func() time.Time
}

// Store keeps each session in its own token: the record (ID, creation
// time, expiry and data) sealed with XChaCha20-Poly1305 under a key
// derived from the secret. Nothing is kept on the server. It implements [store.Store]
// and no optional ability: the manager answers a user's sessions with
// ErrNoUserIndex, and merges nothing (the last writer wins).
//
// A Store is safe for concurrent use by multiple goroutines: after New it
// holds only immutable keys.
type Store struct {
	// keys[0] seals and is tried first when opening; the rest only open.
	keys []key
	ad   []byte // associated data: version byte + cookie name
	now  func() time.Time
}

var _ store.Store = (*Store)(nil)

// driver names the store in its errors.
const driver = "cookie"

// ErrWeakSecret is wrapped by the error New returns for a secret that is
// too short or evidently not random.
var ErrWeakSecret = secret.ErrWeak

// New returns a Store that seals with opts.Secret and also opens tokens
// sealed with any of opts.PreviousSecrets. It fails when a secret is too
// short or evidently not random (the error wraps [ErrWeakSecret] and never
// contains the secret) or when opts.CookieName is empty.
func New(opts Options) (*Store, error) {
	if err := secret.Check(opts.Secret, "SESSION_SECRET"); err != nil {
		return nil, err
	}
	for i, sec := range opts.PreviousSecrets {
		if err := secret.Check(sec, fmt.Sprintf("SESSION_PREVIOUS_SECRETS[%d]", i)); err != nil {
			return nil, err
		}
	}
	if opts.CookieName == "" {
		return nil, errors.New("cookie: Options.CookieName (SESSION_COOKIE) is required: it is bound into every sealed cookie")
	}
	s := &Store{
		keys: make([]key, 0, 1+len(opts.PreviousSecrets)),
		ad:   append([]byte{version}, opts.CookieName...),
		now:  opts.Now,
	}
	if s.now == nil {
		s.now = time.Now
	}
	for _, sec := range append([][]byte{opts.Secret}, opts.PreviousSecrets...) {
		k, err := newKey(sec)
		if err != nil {
			return nil, errDerive(err)
		}
		s.keys = append(s.keys, k)
	}
	return s, nil
}

// Load opens token and returns the record sealed in it. A token that is
// malformed, too long, sealed with an unknown secret, for another cookie
// name or another format version, tampered with, or expired is
// [store.ErrNotFound]. A cancelled ctx fails with an error that wraps both
// ctx.Err() and [store.ErrBackend].
func (s *Store) Load(ctx context.Context, token string) (store.Record, error) {
	if err := ctx.Err(); err != nil {
		return store.Record{}, store.BackendError(driver, err)
	}
	r, ok := s.open(token)
	if !ok || !r.Expires.After(s.now()) {
		return store.Record{}, store.ErrNotFound
	}
	return r, nil
}

// Save seals r with the current secret and returns the token. r.ID must
// satisfy [store.ValidID], else the error wraps [store.ErrInvalidID]. A
// record whose Expires is not after the current time is not sealed: Save
// returns ("", nil), and the manager expires the client's cookie. A token
// longer than the largest Load accepts (see [TokenLen]) is
// [store.ErrTooLarge].
func (s *Store) Save(ctx context.Context, r store.Record) (string, error) {
	if ok, err := store.Guard(ctx, driver, r.ID, store.ErrInvalidID); !ok {
		return "", err
	}
	if !r.Expires.After(s.now()) {
		return "", nil
	}
	if TokenLen(len(r.Data)) > maxTokenLen {
		return "", fmt.Errorf("%w: cookie: a %d-byte record seals into a token over %d bytes",
			store.ErrTooLarge, len(r.Data), maxTokenLen)
	}
	return s.seal(r)
}

// Delete does nothing: a cookie session cannot be revoked on the server.
// The token the client holds stays valid until it expires; the manager
// removes it from the browser by expiring the cookie. Delete fails only for
// a cancelled ctx.
func (s *Store) Delete(ctx context.Context, id string) error {
	if err := ctx.Err(); err != nil {
		return store.BackendError(driver, err)
	}
	return nil
}
