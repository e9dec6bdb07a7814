package gormstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/store"
)

func Example() {
	dir, err := os.MkdirTemp("", "gormstore-example")
	if err != nil {
		panic(err)
	}
	defer os.RemoveAll(dir)

	// The application picks the dialect; gormstore only sees *gorm.DB.
	dsn := "file:" + filepath.Join(dir, "sessions.db") + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
	db, err := gorm.Open(sqlite.Open(dsn), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		panic(err)
	}
	sqlDB, _ := db.DB()
	defer sqlDB.Close()

	st, err := gormstore.New(db, gormstore.Options{})
	if err != nil {
		panic(err)
	}
	defer st.Close()
	ctx := context.Background()
	if err := st.Migrate(ctx); err != nil {
		panic(err)
	}

	now := time.Now()
	token, err := st.Save(ctx, store.Record{
		ID:      store.NewID(),
		Data:    []byte("encoded session data"),
		Created: now,
		Expires: now.Add(2 * time.Hour),
	})
	if err != nil {
		panic(err)
	}
	r, err := st.Load(ctx, token)
	fmt.Printf("%s, %v\n", r.Data, err)

	if err := st.Delete(ctx, token); err != nil {
		panic(err)
	}
	_, err = st.Load(ctx, token)
	fmt.Println(errors.Is(err, store.ErrNotFound))
	// Output:
	// encoded session data, <nil>
	// true
}
