package dbopen

import (
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
