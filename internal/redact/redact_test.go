package redact

import (
	"errors"
	"strings"
	"testing"
)

func TestPasswordsOfEveryForm(t *testing.T) {
	for dsn, want := range map[string]string{
		"redis://:hunter2@cache:6379/0":                        "hunter2",
		"redis://user:hunter2@cache:6379":                      "hunter2",
		"rediss://cache:6380/0?password=hunter2&db=1":          "hunter2",
		"redis://cache:6379?dial_timeout=1s&password=hunter2":  "hunter2",
		"host=db port=5432 user=app password=hunter2 dbname=x": "hunter2",
		"host=db password='hunter 2' user=app":                 "hunter 2",
		"postgres://app:hunter2@db:5432/app?sslmode=disable":   "hunter2",
		"app:hunter2@tcp(127.0.0.1:3306)/app?parseTime=true":   "hunter2",
	} {
		got := Passwords(dsn)
		if len(got) == 0 || got[0] != want {
			t.Errorf("Passwords(%q) = %q, want %q", dsn, got, want)
		}
		s := String("connect "+dsn+" failed: "+want, dsn)
		if strings.Contains(s, want) {
			t.Errorf("String left the password in %q", s)
		}
	}
	for _, dsn := range []string{"redis://cache:6379", "host=db user=app", "storage/sessions.db", "app@tcp(db)/x"} {
		if got := Passwords(dsn); got != nil {
			t.Errorf("Passwords(%q) = %q, want none", dsn, got)
		}
	}
	base := errors.New("dial app:hunter2@tcp(db)/x: refused")
	err := Error(base, "app:hunter2@tcp(db)/x")
	if strings.Contains(err.Error(), "hunter2") || !errors.Is(err, base) {
		t.Fatalf("Error = %v", err)
	}
}
