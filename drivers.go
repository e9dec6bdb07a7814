package session

import (
	"context"
	"fmt"
	"time"

	"github.com/seed-699a33a2/session/cookiestore"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/memstore"
	"github.com/seed-699a33a2/session/redisstore"
)

// The openers of this module's drivers, one per value of SESSION_DRIVER
// (see registry). Each turns the driver-neutral settings into its
// driver's options.

func openMemory(s StoreSettings) (Store, error) {
	return memstore.New(memstore.Options{Now: s.Now, MaxBytes: s.MemoryLimit}), nil
}

func openFile(s StoreSettings) (Store, error) {
	st, err := filestore.New(s.FilePath, filestore.Options{Now: s.Now})
	if err != nil {
		return nil, fmt.Errorf("session: SESSION_FILE_PATH=%q: %w", s.FilePath, err)
	}
	return st, nil
}

func openCookie(s StoreSettings) (Store, error) {
	if len(s.Secret) == 0 {
		return nil, fmt.Errorf("%w: SESSION_DRIVER=cookie needs SESSION_SECRET: at least 32 random bytes, e.g. from `openssl rand -base64 32`", ErrConfig)
	}
	st, err := cookiestore.New(cookiestore.Options{
		Secret: s.Secret, PreviousSecrets: s.PreviousSecrets, CookieName: s.CookieName, Now: s.Now,
	})
	if err != nil {
		return nil, configErr(err)
	}
	return st, nil
}

func openDB(s StoreSettings) (Store, error) {
	if s.DB == nil {
		return nil, fmt.Errorf("%w: SESSION_DRIVER=db needs a *gorm.DB: pass the application's database to NewStore", ErrConfig)
	}
	st, err := gormstore.New(s.DB, gormstore.Options{Table: s.Table, Now: s.Now})
	if err != nil {
		return nil, configErr(fmt.Errorf("SESSION_TABLE=%q: %w", s.Table, err))
	}
	if err := st.Migrate(context.Background()); err != nil {
		return nil, fmt.Errorf("session: migrating table %q: %w", s.Table, err)
	}
	return st, nil
}

// pingTimeout bounds the redis driver's check at start-up that Redis
// answers.
const pingTimeout = time.Second

func openRedis(s StoreSettings) (Store, error) {
	client, err := redisstore.NewClientFromEnv(s.getenv)
	if err != nil {
		return nil, configErr(err)
	}
	st := redisstore.New(client, redisstore.Options{Prefix: s.Prefix, CloseClient: true})
	// An application may start before its Redis: say so, but do not fail.
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	if err := client.Ping(ctx).Err(); err != nil {
		s.logger().Warn("session: Redis is not answering; sessions fail until it does", "addr", redisstore.Addrs(client), "err", err)
	}
	return st, nil
}
