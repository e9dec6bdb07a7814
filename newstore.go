package session

import (
	"os"

	"gorm.io/gorm"
)

// NewStore builds the store that SESSION_DRIVER names (see ConfigFromEnv):
// cookie, db, file, memory (the default) or redis, or a driver added with
// RegisterDriver. db is needed by the db driver only, and may be nil for
// the others.
//
//   - memory: an in-process memstore with a byte budget of
//     SESSION_MEMORY_LIMIT (64 MiB by default) that anonymous traffic
//     cannot push signed-in sessions out of; it starts its cleanup loop
//     lazily.
//   - file: a filestore in SESSION_FILE_PATH (created 0700 when missing).
//   - cookie: a cookiestore sealed with SESSION_SECRET (at least 32 random
//     bytes), opening SESSION_PREVIOUS_SECRETS too.
//   - db: a gormstore on db's table SESSION_TABLE, migrated here; a nil db
//     is an error, not a panic.
//   - redis: a redisstore on the client that SESSION_REDIS_URL or the
//     REDIS_* variables describe (see redisstore.NewClientFromEnv). It
//     pings Redis once and logs a warning when Redis does not answer, but
//     does not fail: the application may start before its Redis.
//
// Stores that hold resources (a cleanup loop, a Redis client) implement
// io.Closer; close them on shutdown.
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
	s := cfg.storeSettings(db, os.Getenv)
	if cfg.untrimmedSecret != nil {
		s.PreviousSecrets = append(s.PreviousSecrets, cfg.untrimmedSecret)
		s.logger().Warn("session: SESSION_SECRET has white space around it: the trimmed value is the secret; the value as set still opens what it sealed, as a previous secret. Remove the white space from the setting.")
	}
	return OpenStore(cfg.Driver, s)
}

// storeSettings are the driver-neutral settings of c for NewStore.
func (c Config) storeSettings(db *gorm.DB, getenv func(string) string) StoreSettings {
	return StoreSettings{
		Getenv:          getenv,
		DB:              db,
		Now:             c.Now,
		Logger:          c.Logger,
		FilePath:        c.FilePath,
		Table:           c.Table,
		Prefix:          c.Prefix,
		Secret:          c.Secret,
		PreviousSecrets: c.PreviousSecrets,
		CookieName:      c.CookieName,
		MemoryLimit:     max(c.MemoryLimit, 0),
	}
}
