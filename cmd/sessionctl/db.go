package main

import (
	"gorm.io/gorm"

	"github.com/seed-699a33a2/session/internal/dbopen"
)

// openDB opens the database for SESSION_DRIVER=db from SESSION_DB_DRIVER
// (sqlite, the default, postgres or mysql) and SESSION_DB_DSN, as the demo
// does. Unlike the demo it never creates a SQLite file: a missing one is
// most likely a wrong path, and an empty new database would report 0
// sessions.
func openDB() (*gorm.DB, error) { return dbopen.Open(false) }
