// Package dbopen opens the database of SESSION_DRIVER=db for the commands
// (the demo and sessionctl) from SESSION_DB_DRIVER — sqlite (the default),
// postgres or mysql — and SESSION_DB_DSN. These are variables of the
// commands, not of the library, which takes the application's *gorm.DB.
package dbopen

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

	"github.com/seed-699a33a2/session/internal/redact"
)

// DefaultSQLite is the SQLite file used without SESSION_DB_DSN.
var DefaultSQLite = filepath.Join("storage", "sessions.db")

// Open opens the database. With create, a missing SQLite file (and its
// folder) is created; without it, a missing file is an error, since a new
// empty database would hide a wrong path.
func Open(create bool) (*gorm.DB, error) {
	kind := strings.ToLower(strings.TrimSpace(os.Getenv("SESSION_DB_DRIVER")))
	dsn := os.Getenv("SESSION_DB_DSN")
	var dial gorm.Dialector
	switch kind {
	case "", "sqlite":
		kind = "sqlite"
		if dsn == "" {
			dsn = DefaultSQLite
		}
		if create {
			if err := createSQLite(dsn); err != nil {
				return nil, err
			}
		} else if err := sqliteExists(dsn); err != nil {
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
		// The driver's error may quote the DSN: never its password.
		return nil, redact.Error(fmt.Errorf("opening the %s database: %w", kind, err), dsn)
	}
	return db, nil
}

func sqlitePath(dsn string) string {
	path, _, _ := strings.Cut(dsn, "?")
	return path
}

// createSQLite creates the folder (0700) and the file (0600) of a SQLite
// DSN when missing, so that the sessions in it are the process user's
// only (SQLite gives its journal files the database file's mode). An
// existing file keeps its mode. In-memory databases and file: URIs are
// left to the driver.
func createSQLite(dsn string) error {
	path := sqlitePath(dsn)
	if path == "" || path == ":memory:" || strings.HasPrefix(path, "file:") {
		return nil
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return err
	}
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, fs.ErrExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("SESSION_DB_DSN=%q: %w", path, err)
	}
	return f.Close()
}

// sqliteExists checks that the file a SQLite DSN names exists. In-memory
// databases and file: URIs are left to the driver.
func sqliteExists(dsn string) error {
	path := sqlitePath(dsn)
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
