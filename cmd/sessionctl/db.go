package main

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"strings"

	"github.com/glebarez/sqlite"
	"gorm.io/driver/mysql"
	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"
)

// defaultSQLite is the database file of SESSION_DB_DRIVER=sqlite without
// SESSION_DB_DSN, the same as the demo's.
var defaultSQLite = filepath.Join("storage", "sessions.db")

// openDB opens the database for SESSION_DRIVER=db from SESSION_DB_DRIVER
// (sqlite, the default, postgres or mysql) and SESSION_DB_DSN, as the demo
// does. Unlike the demo it never creates a SQLite file: a missing one is
// most likely a wrong path, and an empty new database would report 0
// sessions.
func openDB() (*gorm.DB, error) {
	kind := strings.ToLower(strings.TrimSpace(os.Getenv("SESSION_DB_DRIVER")))
	dsn := os.Getenv("SESSION_DB_DSN")
	var dial gorm.Dialector
	switch kind {
	case "", "sqlite":
		kind = "sqlite"
		if dsn == "" {
			dsn = defaultSQLite
		}
		if err := sqliteExists(dsn); err != nil {
			return nil, err
		}
		if !strings.Contains(dsn, "?") {
			dsn += "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)"
		}
		dial = sqlite.Open(dsn)
	case "postgres", "mysql":
		if dsn == "" {
			return nil, fmt.Errorf("SESSION_DB_DRIVER=%s needs SESSION_DB_DSN", kind)
		}
		if kind == "postgres" {
			dial = postgres.Open(dsn)
		} else {
			dial = mysql.Open(dsn)
		}
	default:
		return nil, fmt.Errorf("SESSION_DB_DRIVER=%q: accepted values are sqlite, postgres, mysql", kind)
	}
	db, err := gorm.Open(dial, &gorm.Config{Logger: logger.Discard})
	if err != nil {
		return nil, fmt.Errorf("opening the %s database: %w", kind, err)
	}
	return db, nil
}

// sqliteExists checks that the file a SQLite DSN names exists. In-memory
// databases and file: URIs are left to the driver.
func sqliteExists(dsn string) error {
	path, _, _ := strings.Cut(dsn, "?")
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	_, err := os.Stat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("SESSION_DB_DSN=%q: no such SQLite database (is it the application's database?)", path)
	}
	if err != nil {
		return fmt.Errorf("SESSION_DB_DSN=%q: %w", path, err)
	}
	return nil
}
