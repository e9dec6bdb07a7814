package main

import (
	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/internal/dbopen"
)

// openDB opens the database for SESSION_DRIVER=db from SESSION_DB_DRIVER and
// SESSION_DB_DSN (SQLite in storage/sessions.db by default, created when
// missing). Other drivers need no database.
func openDB(driver string) (*gorm.DB, error) {
	if driver != "db" {
		return nil, nil
	}
	return dbopen.Open(true)
}
