package session

import (
	"context"
	"fmt"
	"os"

	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/redisstore"
)

// NewStore builds the store that SESSION_DRIVER names (see ConfigFromEnv):
// cookie, db, file, memory (the default) or redis. db is needed by the db
// driver only, and may be nil for the others.
//
//   - memory: an in-process memstore; it starts its cleanup loop lazily.
//   - file: a filestore in SESSION_FILE_PATH (created 0700 when missing).
//   - cookie: a cookiestore sealed with SESSION_SECRET (at least 32 random
//     bytes), opening SESSION_PREVIOUS_SECRETS too.
//   - db: a gormstore on db's table SESSION_TABLE, migrated here; a nil db
//     is an error, not a panic.
//   - redis: a redisstore on the client that SESSION_REDIS_URL or the
//     REDIS_* variables describe (see redisstore.NewClientFromEnv).
//
// Stores that run background work implement io.Closer; close them on
// shutdown.
func NewStore(db *gorm.DB) (Store, error) {
	cfg, err := ConfigFromEnv()
	if err != nil {
		return nil, err
	}
	return NewStoreFromConfig(cfg, db)
}

// NewStoreFromConfig is NewStore with the configuration given instead of
// read from the environment (the redis driver still reads its connection
// variables from the environment).
func NewStoreFromConfig(cfg Config, db *gorm.DB) (Store, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	cfg = cfg.withDefaults()
	switch cfg.Driver {
	case "", "memory":
		return memstore.New(memstore.Options{Now: cfg.Now}), nil
	case "file":
		s, err := filestore.New(cfg.FilePath, filestore.Options{Now: cfg.Now})
		if err != nil {
			return nil, fmt.Errorf("session: SESSION_FILE_PATH=%q: %w", cfg.FilePath, err)
		}
		return s, nil
	case "cookie":
		if len(cfg.Secret) == 0 {
			return nil, fmt.Errorf("%w: SESSION_DRIVER=cookie needs SESSION_SECRET: at least 32 random bytes, e.g. from `openssl rand -base64 48`", ErrConfig)
		}
		s, err := cookiestore.New(cookiestore.Options{
			Secret: cfg.Secret, PreviousSecrets: cfg.PreviousSecrets, CookieName: cfg.CookieName, Now: cfg.Now,
		})
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		return s, nil
	case "db":
		if db == nil {
			return nil, fmt.Errorf("%w: SESSION_DRIVER=db needs a *gorm.DB: pass the application's database to NewStore", ErrConfig)
		}
		s, err := gormstore.New(db, gormstore.Options{Table: cfg.Table, Now: cfg.Now})
		if err != nil {
			return nil, fmt.Errorf("%w: SESSION_TABLE=%q: %w", ErrConfig, cfg.Table, err)
		}
		if err := s.Migrate(context.Background()); err != nil {
			return nil, fmt.Errorf("session: migrating table %q: %w", cfg.Table, err)
		}
		return s, nil
	case "redis":
		client, err := redisstore.NewClientFromEnv(os.Getenv)
		if err != nil {
			return nil, fmt.Errorf("%w: %w", ErrConfig, err)
		}
		return redisstore.New(client, redisstore.Options{Prefix: cfg.Prefix}), nil
	}
	return nil, fmt.Errorf("%w: SESSION_DRIVER=%q: accepted values are cookie, db, file, memory, redis", ErrConfig, cfg.Driver)
}
