package session

import (
	"fmt"
	"log/slog"
	"sync/atomic"

	"github.com/seed-699a33a2/session/internal/seal"
	"github.com/seed-699a33a2/session/store"
)

// Store is the contract every storage driver implements; see package store.
type Store = store.Store

// MaxTokenLen is the longest cookie value Start passes to a store.
const MaxTokenLen = 4096

// Manager starts, saves and destroys sessions in one Store. It is safe for
// concurrent use; the data map of one session belongs to one request.
type Manager struct {
	store  Store
	cfg    Config
	driver string      // for StoreEvent
	parts  cookieParts // the constant parts of the Set-Cookie line
	box    *seal.Box   // encryption at rest (nil: off)

	expires atomic.Pointer[expiresText] // the last cookie's Expires (see appendExpires)
}

// NewManager returns a Manager for store, configured from the SESSION_*
// environment (see ConfigFromEnv). It panics when the environment is
// invalid, with a message naming the variable and its value; use
// ConfigFromEnv and New to get the error instead.
func NewManager(store Store) *Manager {
	cfg, err := ConfigFromEnv()
	if err != nil {
		panic(err)
	}
	m, err := New(store, cfg)
	if err != nil {
		panic(err)
	}
	return m
}

// New returns a Manager for store with cfg, whose zero fields take their
// defaults. It fails, with an error wrapping ErrConfig, when store is nil,
// cfg would make a broken or unsafe cookie, or cfg encrypts at rest without
// a good secret or with a store that keeps nothing at rest.
func New(st Store, cfg Config) (*Manager, error) {
	if st == nil {
		return nil, fmt.Errorf("%w: nil Store", ErrConfig)
	}
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if _, ok := st.(store.Locker); cfg.Blocking != nil && !ok {
		return nil, fmt.Errorf("%w: Config.Blocking needs a store that can lock (every server-side driver); %T cannot", ErrConfig, st)
	}
	box, err := newBox(st, cfg)
	if err != nil {
		return nil, err
	}
	m := &Manager{store: st, cfg: cfg.withDefaults(), driver: driverName(st), box: box}
	m.parts = m.cookieParts()
	return m, nil
}

// Store returns the manager's store.
func (m *Manager) Store() Store { return m.store }

// Config returns the manager's configuration, defaults filled in.
func (m *Manager) Config() Config { return m.cfg }

func (m *Manager) logger() *slog.Logger {
	if m.cfg.Logger != nil {
		return m.cfg.Logger
	}
	return slog.Default()
}
