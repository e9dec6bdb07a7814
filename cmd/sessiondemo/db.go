package main

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// openDB opens the database for SESSION_DRIVER=db from SESSION_DB_DRIVER and
// SESSION_DB_DSN (variables of the demo, not of the library). Other drivers
// need no database.
func openDB(driver string) (*gorm.DB, error) {
	if driver != "db" {
		return nil, nil
	}
	kind := strings.ToLower(os.Getenv("SESSION_DB_DRIVER"))
	dsn := os.Getenv("SESSION_DB_DSN")
	var dial gorm.Dialector
	switch kind {
	case "", "sqlite":
		if dsn == "" {
			if err := os.MkdirAll("storage", 0o700); err != nil {
				return nil, err
			}
			dsn = filepath.Join("storage", "sessions.db")
		}
		if !strings.Contains(dsn, "?") {
			dsn += "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
		}
		dial = sqlite.Open(dsn)
	case "postgres":
		dial = postgres.Open(dsn)
	case "mysql":
		dial = mysql.Open(dsn)
	default:
		return nil, fmt.Errorf("SESSION_DB_DRIVER=%q: accepted values are sqlite, postgres, mysql", kind)
	}
	if kind != "" && kind != "sqlite" && dsn == "" {
		return nil, fmt.Errorf("SESSION_DB_DRIVER=%s needs SESSION_DB_DSN", kind)
	}
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("opening the %s database: %w", kind, err)
	}
	return db, nil
}
