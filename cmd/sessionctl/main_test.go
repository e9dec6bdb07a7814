package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/glebarez/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/store"
)

// sessionEnv lists every variable sessionctl may read; each test starts
// with all of them empty (unset, for the library), whatever the machine has.
var sessionEnv = []string{
	"SESSION_DRIVER", "SESSION_LIFETIME", "SESSION_ABSOLUTE_LIFETIME", "SESSION_SECRET",
	"SESSION_PREVIOUS_SECRETS", "SESSION_COOKIE", "SESSION_SECURE", "SESSION_HTTPONLY",
	"SESSION_SAMESITE", "SESSION_PATH", "SESSION_DOMAIN", "SESSION_FILE_PATH", "SESSION_TABLE",
	"SESSION_PREFIX", "SESSION_REDIS_URL", "SESSION_DB_DRIVER", "SESSION_DB_DSN",
	"REDIS_HOST", "REDIS_PORT", "REDIS_PASSWORD", "REDIS_DB", "REDIS_CLUSTER_ADDRS",
	"REDIS_SENTINEL_ADDRS", "REDIS_MASTER_NAME",
}

// setEnv clears the session environment and sets kv (name, value, ...).
func setEnv(t *testing.T, kv ...string) {
	t.Helper()
	for _, k := range sessionEnv {
		t.Setenv(k, "")
	}
	for i := 0; i+1 < len(kv); i += 2 {
		t.Setenv(kv[i], kv[i+1])
	}
}

type result struct {
	code           int
	stdout, stderr string
}

func (r result) String() string {
	return fmt.Sprintf("exit %d\nstdout: %s\nstderr: %s", r.code, r.stdout, r.stderr)
}

func sessionctl(args ...string) result {
	var out, errb bytes.Buffer
	code := run(args, &out, &errb)
	return result{code, out.String(), errb.String()}
}

// want runs sessionctl and checks the exit status, that stdout is exactly
// stdout (when not "-"), and that stderr holds errPart ("" means empty).
func want(t *testing.T, code int, stdout, errPart string, args ...string) result {
	t.Helper()
	r := sessionctl(args...)
	if r.code != code {
		t.Errorf("sessionctl %s: %v\nwant exit %d", strings.Join(args, " "), r, code)
		return r
	}
	if stdout != "-" && r.stdout != stdout {
		t.Errorf("sessionctl %s: stdout %q, want %q (stderr %q)", strings.Join(args, " "), r.stdout, stdout, r.stderr)
	}
	if errPart == "" && r.stderr != "" || !strings.Contains(r.stderr, errPart) {
		t.Errorf("sessionctl %s: stderr %q, want it to hold %q", strings.Join(args, " "), r.stderr, errPart)
	}
	return r
}

// populate creates sessions through a session.Manager on the store that
// cfg (and db, for the db driver) describes, as the application would,
// with cfg.Now as the clock: one per user in users ("" is a session
// nobody signed in to). It returns their IDs.
func populate(t *testing.T, cfg session.Config, db *gorm.DB, users ...string) []string {
	t.Helper()
	st, err := session.NewStoreFromConfig(cfg, db)
	if err != nil {
		t.Fatal(err)
	}
	defer func() {
		if c, ok := st.(io.Closer); ok {
			c.Close()
		}
	}()
	m, err := session.New(st, cfg)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, u := range users {
		w, r := httptest.NewRecorder(), httptest.NewRequest(http.MethodGet, "/", nil)
		var id string
		if u == "" {
			var data map[string]interface{}
			id, data, err = m.Start(r)
			if err == nil {
				data["cart"] = []string{"apple"}
				err = m.Save(w, id, data)
			}
		} else {
			id, err = m.Login(w, r, u)
		}
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, id)
	}
	return ids
}

// loads reports whether the session with the given ID loads from the
// store that cfg describes (with the real clock).
func loads(t *testing.T, cfg session.Config, db *gorm.DB, id string) bool {
	t.Helper()
	cfg.Now = nil
	st, err := session.NewStoreFromConfig(cfg, db)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := st.(io.Closer); ok {
		defer c.Close()
	}
	_, err = st.Load(context.Background(), id)
	if err != nil && !errors.Is(err, store.ErrNotFound) {
		t.Fatal(err)
	}
	return err == nil
}

// fiveHoursAgo is a clock for sessions that expired (the default idle
// lifetime is two hours) three hours ago.
func fiveHoursAgo() time.Time { return time.Now().Add(-5 * time.Hour) }

func TestFileDriver(t *testing.T) {
	dir := t.TempDir()
	cfg := session.Config{Driver: "file", FilePath: dir}
	old := cfg
	old.Now = fiveHoursAgo
	expired := populate(t, old, nil, "alice", "alice", "bob")
	live := populate(t, cfg, nil, "alice", "alice", "bob", "")
	setEnv(t, "SESSION_DRIVER", "file", "SESSION_FILE_PATH", dir)

	want(t, 0, "4\n", "", "count")
	files := func() int {
		n := 0
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if e.Type().IsRegular() && !strings.HasPrefix(e.Name(), ".") {
				n++
			}
		}
		return n
	}
	if n := files(); n != 7 {
		t.Fatalf("%d session files before prune, want 7", n)
	}
	want(t, 0, "deleted 3 expired sessions\n", "", "prune")
	if n := files(); n != 4 {
		t.Errorf("%d session files after prune, want 4", n)
	}
	want(t, 0, "deleted 0 expired sessions\n", "", "prune")
	want(t, 0, "4\n", "", "count")

	want(t, 0, "ended 2 sessions of user \"alice\"\n", "", "revoke", "alice")
	want(t, 0, "2\n", "", "count")
	for i, id := range live {
		if got, wantLive := loads(t, cfg, nil, id), i >= 2; got != wantLive {
			t.Errorf("session %d (user %q) loads: %v, want %v", i, []string{"alice", "alice", "bob", ""}[i], got, wantLive)
		}
	}
	for _, id := range expired {
		if loads(t, cfg, nil, id) {
			t.Error("an expired session loads")
		}
	}
	want(t, 0, "ended 0 sessions of user \"alice\"\n", "", "revoke", "alice")
	want(t, 0, "ended 0 sessions of user \"nobody\"\n", "", "revoke", "nobody")
	want(t, 0, "ended 1 session of user \"bob\"\n", "", "revoke", "-timeout", "1m", "bob")
	want(t, 0, "1\n", "", "count")
}

func TestSQLite(t *testing.T) {
	path := filepath.Join(t.TempDir(), "app.db")
	db, err := gorm.Open(sqlite.Open(path+"?_pragma=busy_timeout(5000)"), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if sqlDB, err := db.DB(); err == nil {
			sqlDB.Close()
		}
	})
	cfg := session.Config{Driver: "db", Table: "app_sessions"}
	old := cfg
	old.Now = fiveHoursAgo
	populate(t, old, db, "alice", "bob", "")
	live := populate(t, cfg, db, "alice", "alice", "bob")
	setEnv(t, "SESSION_DRIVER", "db", "SESSION_DB_DRIVER", "sqlite", "SESSION_DB_DSN", path, "SESSION_TABLE", "app_sessions")

	rows := func() int64 {
		var n int64
		if err := db.Table("app_sessions").Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := rows(); n != 6 {
		t.Fatalf("%d rows before prune, want 6", n)
	}
	want(t, 0, "deleted 3 expired sessions\n", "", "prune")
	if n := rows(); n != 3 {
		t.Errorf("%d rows after prune, want 3", n)
	}
	want(t, 0, "deleted 0 expired sessions\n", "", "prune")

	st, err := session.NewStoreFromConfig(cfg, db)
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := st.(io.Closer); ok {
		c.Close()
	}
	if _, ok := st.(store.Counter); ok {
		want(t, 0, "3\n", "", "count")
	} else {
		t.Logf("gormstore has no Count yet: checking the error")
		want(t, 1, "", "the db driver cannot count its sessions", "count")
	}
	if _, ok := st.(store.UserIndex); ok {
		want(t, 0, "ended 2 sessions of user \"alice\"\n", "", "revoke", "alice")
		if loads(t, cfg, db, live[0]) || loads(t, cfg, db, live[1]) || !loads(t, cfg, db, live[2]) {
			t.Error("revoke alice: alice's sessions still load, or bob's does not")
		}
		if n := rows(); n != 1 {
			t.Errorf("%d rows after revoke, want 1", n)
		}
	} else {
		t.Logf("gormstore has no user index yet: checking the error")
		want(t, 1, "", "the db driver cannot list a user's sessions", "revoke", "alice")
	}
}

func TestHelp(t *testing.T) {
	setEnv(t, "SESSION_DRIVER", "bogus") // help reads no environment
	for _, args := range [][]string{
		{"-h"}, {"--help"}, {"-help"}, {"help"},
		{"prune", "-h"}, {"prune", "--help"}, {"count", "-h"}, {"count", "--help"},
		{"revoke", "-h"}, {"revoke", "--help"}, {"help", "revoke"},
	} {
		r := want(t, 0, "-", "", args...)
		for _, s := range []string{"Usage", "SESSION_DRIVER", "SESSION_FILE_PATH", "SESSION_DB_DRIVER", "SESSION_DB_DSN", "SESSION_TABLE", "REDIS_HOST"} {
			if !strings.Contains(r.stdout, s) {
				t.Errorf("sessionctl %s: help does not mention %s:\n%s", strings.Join(args, " "), s, r.stdout)
			}
		}
	}
	if r := sessionctl("revoke", "-h"); !strings.Contains(r.stdout, "sessionctl revoke [flags] USER_ID") || !strings.Contains(r.stdout, "-timeout") {
		t.Errorf("revoke help:\n%s", r.stdout)
	}
	if r := sessionctl("-h"); !strings.Contains(r.stdout, "prune") || !strings.Contains(r.stdout, "count") || !strings.Contains(r.stdout, "revoke") {
		t.Errorf("help does not list the commands:\n%s", r.stdout)
	}
}

func TestUsageErrors(t *testing.T) {
	setEnv(t, "SESSION_DRIVER", "file", "SESSION_FILE_PATH", t.TempDir())
	want(t, 2, "", "Commands:" /* no arguments */)
	want(t, 2, "", `unknown command "purge"; the commands are prune, count, list, end, revoke`, "purge")
	want(t, 2, "", `unknown command "nope"`, "help", "nope")
	want(t, 2, "", "unknown flag -v", "-v")
	want(t, 2, "", "flag provided but not defined: -x", "count", "-x")
	want(t, 2, "", `invalid value "soon" for flag -timeout`, "prune", "-timeout", "soon")
	want(t, 2, "", "prune: takes no arguments", "prune", "now")
	want(t, 2, "", "revoke: missing USER_ID", "revoke")
	want(t, 2, "", "want one USER_ID", "revoke", "alice", "bob")
	want(t, 1, "", "USER_ID is empty", "revoke", " ")
}

func TestBadEnvironment(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "missing")
	for _, c := range []struct {
		name    string
		env     []string
		args    []string
		code    int
		stdout  string
		errPart string
	}{
		{"unknown driver", []string{"SESSION_DRIVER", "mongo"}, []string{"count"}, 1, "", `SESSION_DRIVER="mongo": accepted values are`},
		{"bad lifetime", []string{"SESSION_DRIVER", "file", "SESSION_LIFETIME", "forever"}, []string{"prune"}, 1, "", "SESSION_LIFETIME"},
		{"memory by default", nil, []string{"prune"}, 1, "", "SESSION_DRIVER is not set"},
		{"memory prune", []string{"SESSION_DRIVER", "memory"}, []string{"prune"}, 1, "", "the memory driver keeps sessions inside the application's own process"},
		{"memory count", []string{"SESSION_DRIVER", "memory"}, []string{"count"}, 1, "", "another process cannot reach them"},
		{"memory revoke", []string{"SESSION_DRIVER", "MEMORY"}, []string{"revoke", "alice"}, 1, "", "another process cannot reach them"},
		{"cookie prune", []string{"SESSION_DRIVER", "cookie"}, []string{"prune"}, 1, "", "the cookie driver keeps sessions in the browsers' cookies"},
		{"cookie count", []string{"SESSION_DRIVER", "cookie"}, []string{"count"}, 1, "", "not on the server"},
		{"cookie revoke", []string{"SESSION_DRIVER", "cookie"}, []string{"revoke", "alice"}, 1, "", "not on the server"},
		{"redis prune", []string{"SESSION_DRIVER", "redis"}, []string{"prune"}, 0, "nothing to prune: Redis expires session keys itself (SESSION_DRIVER=redis)\n", ""},
		{"missing folder", []string{"SESSION_DRIVER", "file", "SESSION_FILE_PATH", missing}, []string{"count"}, 1, "", "SESSION_FILE_PATH=" + `"` + missing + `"`},
		{"unknown database", []string{"SESSION_DRIVER", "db", "SESSION_DB_DRIVER", "oracle"}, []string{"prune"}, 1, "", `SESSION_DB_DRIVER="oracle": accepted values are sqlite, postgres, mysql`},
		{"postgres without DSN", []string{"SESSION_DRIVER", "db", "SESSION_DB_DRIVER", "postgres"}, []string{"count"}, 1, "", "SESSION_DB_DRIVER=postgres needs SESSION_DB_DSN"},
		{"missing sqlite file", []string{"SESSION_DRIVER", "db", "SESSION_DB_DSN", missing}, []string{"prune"}, 1, "", "no such SQLite database"},
	} {
		t.Run(c.name, func(t *testing.T) {
			setEnv(t, c.env...)
			want(t, c.code, c.stdout, c.errPart, c.args...)
		})
	}
	if _, err := os.Stat(missing); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sessionctl created %s: %v", missing, err)
	}
}

func TestDefaultSQLiteFileIsNotCreated(t *testing.T) {
	dir := t.TempDir()
	t.Chdir(dir)
	setEnv(t, "SESSION_DRIVER", "db")
	want(t, 1, "", `SESSION_DB_DSN="storage/sessions.db": no such SQLite database`, "count")
	if _, err := os.Stat(filepath.Join(dir, "storage")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("sessionctl created storage/: %v", err)
	}
}

// TestListAndEnd: "list" prints every live session, a line each, without
// an ID (the handle opens nothing), "--user" only a user's, "--json" a JSON
// array; "end HANDLE" ends one of them.
func TestListAndEnd(t *testing.T) {
	dir := t.TempDir()
	cfg := session.Config{Driver: "file", FilePath: dir}
	ids := populate(t, cfg, nil, "alice", "bob", "")
	setEnv(t, "SESSION_DRIVER", "file", "SESSION_FILE_PATH", dir)

	r := want(t, 0, "-", "", "list")
	lines := strings.Split(strings.TrimSpace(r.stdout), "\n")
	if len(lines) != 3 {
		t.Fatalf("list printed %d lines, want 3:\n%s", len(lines), r.stdout)
	}
	users := map[string]string{}
	for _, l := range lines {
		f := strings.Split(l, "\t")
		if len(f) != 7 {
			t.Fatalf("a line of %d fields: %q", len(f), l)
		}
		users[f[1]] = f[0]
		if _, err := time.Parse(time.RFC3339, f[2]); err != nil {
			t.Errorf("created %q: %v", f[2], err)
		}
	}
	for _, id := range ids {
		if strings.Contains(r.stdout, id) {
			t.Fatal("list printed a session ID")
		}
	}
	if users["alice"] != session.Handle(ids[0]) || users["bob"] != session.Handle(ids[1]) || users["-"] != session.Handle(ids[2]) {
		t.Fatalf("list: %v", users)
	}
	r = want(t, 0, "-", "", "list", "--user", "alice", "--json")
	var got []struct {
		Handle, User string
		IPAddress    string `json:"ip_address"`
	}
	if err := json.Unmarshal([]byte(r.stdout), &got); err != nil || len(got) != 1 || got[0].User != "alice" || got[0].Handle != session.Handle(ids[0]) || got[0].IPAddress != "192.0.2.1" {
		t.Fatalf("list --user alice --json: %v, %+v\n%s", err, got, r.stdout)
	}
	want(t, 0, "ended session "+session.Handle(ids[1])+" (if it was live)\n", "", "end", session.Handle(ids[1]))
	if loads(t, cfg, nil, ids[1]) || !loads(t, cfg, nil, ids[0]) {
		t.Fatal("end ended the wrong session")
	}
	want(t, 0, "[\n]\n", "", "list", "--json", "--user", "nobody")
	setEnv(t, "SESSION_DRIVER", "cookie", "SESSION_SECRET", "q8Jz3V0mX9pL2rT7wY5uN1cB6hG4kD8sA0fE3jR7tZ2yQ9vM")
	want(t, 1, "", "the cookie driver keeps sessions in the browsers", "list")
}
