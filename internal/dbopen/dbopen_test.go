package dbopen

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestErrorsNeverShowThePassword: a DSN that does not open (a closed
// port, a DSN that does not parse) is an error without its password.
func TestErrorsNeverShowThePassword(t *testing.T) {
	for driver, dsn := range map[string]string{
		"postgres": "host=127.0.0.1 port=1 user=app password=hunter2 dbname=app sslmode=disable connect_timeout=1",
		"mysql":    "app:hunter2@tcp(127.0.0.1:1)/app?timeout=1s",
	} {
		t.Setenv("SESSION_DB_DRIVER", driver)
		t.Setenv("SESSION_DB_DSN", dsn)
		db, err := Open(false)
		if err == nil {
			sqlDB, _ := db.DB()
			sqlDB.Close()
			t.Fatalf("%s: opening %q succeeded", driver, dsn)
		}
		t.Logf("%s: %v", driver, err)
		if strings.Contains(err.Error(), "hunter2") {
			t.Errorf("%s: the error shows the password: %v", driver, err)
		}
	}
	t.Setenv("SESSION_DB_DRIVER", "postgres")
	t.Setenv("SESSION_DB_DSN", "postgres://app:hunter2@127.0.0.1:1/app?sslmode=disable&connect_timeout=bad")
	if _, err := Open(false); err == nil || strings.Contains(err.Error(), "hunter2") {
		t.Errorf("a DSN that does not parse: %v", err)
	}
}

// TestCreatedSQLiteIsTheUsersOnly: the SQLite file the commands create,
// and the journal files SQLite adds beside it, are mode 0600 in a folder
// of mode 0700, whatever the umask lets through.
func TestCreatedSQLiteIsTheUsersOnly(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "storage")
	path := filepath.Join(dir, "sessions.db")
	t.Setenv("SESSION_DB_DRIVER", "sqlite")
	t.Setenv("SESSION_DB_DSN", path)
	db, err := Open(true)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("CREATE TABLE t (x INTEGER)").Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec("INSERT INTO t VALUES (1)").Error; err != nil {
		t.Fatal(err)
	}
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if fi, err := os.Stat(dir); err != nil || fi.Mode().Perm() != 0o700 {
		t.Errorf("folder: %v, %v; want mode 0700", fi, err)
	}
	for _, e := range entries {
		fi, err := e.Info()
		if err != nil || fi.Mode().Perm() != 0o600 {
			t.Errorf("%s: %v, %v; want mode 0600", e.Name(), fi, err)
		}
	}
	if sqlDB, err := db.DB(); err == nil {
		sqlDB.Close()
	}
}
