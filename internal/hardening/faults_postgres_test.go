package hardening_test

import (
	"context"
	"errors"
	"net/http"
	"os"
	"os/exec"
	"os/user"
	"path/filepath"
	"runtime"
	"sort"
	"strconv"
	"testing"
	"time"

	"gorm.io/driver/postgres"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/gormstore"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/internal/testenv"
)

// ownPostgres is a PostgreSQL server this test created and may restart.
type ownPostgres struct {
	t     *testing.T
	bin   string // the folder of initdb and pg_ctl
	dir   string // owned by postgres: data/, the socket, the log
	port  int
	owner *user.User
}

// skipOrFail skips the test, or fails it under CI where every backend the
// test needs must be there.
func skipOrFail(t *testing.T, msg string) {
	t.Helper()
	if testenv.InCI() {
		t.Fatal(msg)
	}
	t.Skip(msg)
}

// findPGBin returns $PG_BIN, or the bin folder of the newest PostgreSQL
// installed under /usr/lib/postgresql (as scripts/backends/postgres.sh
// installs it).
func findPGBin() string {
	if b := os.Getenv("PG_BIN"); b != "" {
		return b
	}
	found, _ := filepath.Glob("/usr/lib/postgresql/*/bin/initdb")
	sort.Slice(found, func(i, j int) bool {
		vi, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[i]))))
		vj, _ := strconv.Atoi(filepath.Base(filepath.Dir(filepath.Dir(found[j]))))
		return vi < vj
	})
	if len(found) == 0 {
		return ""
	}
	return filepath.Dir(found[len(found)-1])
}

// startOwnPostgres creates a cluster in a t.TempDir() with initdb (as the
// postgres user, like scripts/backends/postgres.sh), starts it on a free
// port and stops it when the test ends.
func startOwnPostgres(t *testing.T) *ownPostgres {
	t.Helper()
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		skipOrFail(t, "starting a PostgreSQL server needs root on Linux (runuser -u postgres)")
	}
	bin := findPGBin()
	if bin == "" {
		skipOrFail(t, "PostgreSQL is not installed (no /usr/lib/postgresql/*/bin/initdb; scripts/test.sh installs it)")
	}
	owner, err := user.Lookup("postgres")
	if err != nil {
		skipOrFail(t, "no user postgres: "+err.Error())
	}
	requireBinary(t, "runuser")
	root := t.TempDir()
	// The server runs as postgres: it must reach its folder through the
	// test's temporary folders, which are private to root.
	for _, d := range []string{filepath.Dir(root), root} {
		if err := os.Chmod(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	p := &ownPostgres{t: t, bin: bin, dir: filepath.Join(root, "pg"), owner: owner}
	if err := os.Mkdir(p.dir, 0o700); err != nil {
		t.Fatal(err)
	}
	uid, _ := strconv.Atoi(owner.Uid)
	gid, _ := strconv.Atoi(owner.Gid)
	if err := os.Chown(p.dir, uid, gid); err != nil {
		t.Fatal(err)
	}
	if out, err := p.asPostgres("initdb", "-D", p.data(), "-U", "postgres", "-A", "trust", "-E", "UTF8",
		"--locale=C.UTF-8", "--no-sync").CombinedOutput(); err != nil {
		t.Fatalf("initdb: %v\n%s", err, out)
	}
	// Registered before the start, so that a server that starts half-way
	// is stopped too.
	t.Cleanup(func() {
		_ = p.asPostgres("pg_ctl", "-D", p.data(), "-m", "immediate", "-w", "-t", "30", "stop").Run()
	})
	var startErr error
	for range 3 {
		p.port = freePort(t)
		if startErr = p.ctl("start"); startErr == nil {
			return p
		}
	}
	t.Fatalf("PostgreSQL did not start: %v", startErr)
	return nil
}

func (p *ownPostgres) data() string { return filepath.Join(p.dir, "data") }

func (p *ownPostgres) asPostgres(prog string, args ...string) *exec.Cmd {
	return exec.Command("runuser", append([]string{"-u", "postgres", "--", filepath.Join(p.bin, prog)}, args...)...)
}

// ctl runs pg_ctl start, stop or restart, waiting for it to finish.
func (p *ownPostgres) ctl(action string) error {
	args := []string{"-D", p.data(), "-l", filepath.Join(p.dir, "pg.log"), "-w", "-t", "60", action}
	if action != "start" {
		args = append(args, "-m", "fast")
	}
	if action != "stop" {
		args = append(args, "-o", "-c listen_addresses=127.0.0.1 -p "+strconv.Itoa(p.port)+" -k "+p.dir+
			" -c fsync=off -c synchronous_commit=off -c full_page_writes=off")
	}
	out, err := p.asPostgres("pg_ctl", args...).CombinedOutput()
	if err != nil {
		log, _ := os.ReadFile(filepath.Join(p.dir, "pg.log"))
		return errors.New("pg_ctl " + action + ": " + err.Error() + "\n" + string(out) + "\n" + string(log))
	}
	return nil
}

func (p *ownPostgres) dsn() string {
	return "host=127.0.0.1 port=" + strconv.Itoa(p.port) + " user=postgres dbname=postgres sslmode=disable connect_timeout=2"
}

// TestPostgresRestartedUnderLoad: the app runs gormstore on its own
// PostgreSQL while requests flow through the middleware. The server is
// stopped: requests get the error handler's 500 (an error wrapping
// ErrBackend), quickly. It starts again: the next requests succeed, and the
// session stored before the outage is still there, with the same app and
// *gorm.DB. Then the server restarts (pg_ctl restart) under load: every
// response is a 200 or a 500, and afterwards every request succeeds.
func TestPostgresRestartedUnderLoad(t *testing.T) {
	const (
		deadline = 2 * time.Second
		slack    = time.Second
	)
	srv := startOwnPostgres(t)
	db, err := gorm.Open(postgres.Open(srv.dsn()), &gorm.Config{Logger: logger.Discard})
	if err != nil {
		t.Fatalf("gorm.Open: %v", err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { sqlDB.Close() })
	st, err := gormstore.New(db, gormstore.Options{Table: backends.RandomName("sessions_")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if err := st.Migrate(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := newApp(t, st, session.Config{})

	var cookie string
	var last int
	timed := func() (int, time.Duration) {
		ctx, cancel := context.WithTimeout(context.Background(), deadline)
		defer cancel()
		start := time.Now()
		w := a.serve(ctx, header(cookie), func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			n, _ := data["n"].(int)
			data["n"] = n + 1
			last = n + 1
		})
		for _, c := range sessionCookies(w.Header()) {
			cookie = c.Value
		}
		return w.Code, time.Since(start)
	}
	for i := range 5 {
		if code, _ := timed(); code != http.StatusOK {
			t.Fatalf("request %d before the outage: status %d, %v", i, code, a.err())
		}
	}
	before := last

	if err := srv.ctl("stop"); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		code, took := timed()
		if code != http.StatusInternalServerError || took > deadline+slack {
			t.Errorf("request %d while PostgreSQL is down: status %d after %v, want 500 within %v", i, code, took, deadline+slack)
		}
	}
	if err := a.err(); !errors.Is(err, session.ErrBackend) || errors.Is(err, session.ErrNotFound) {
		t.Errorf("the error handler saw %v, want an error wrapping ErrBackend", err)
	}
	if err := srv.ctl("start"); err != nil {
		t.Fatal(err)
	}
	started := time.Now()
	if !waitFor(10*time.Second, func() bool { code, _ := timed(); return code == http.StatusOK }) {
		t.Fatalf("no request succeeded within 10s of the start: %v", a.err())
	}
	t.Logf("first success %v after the start", time.Since(started).Round(time.Millisecond))
	if last != before+1 {
		t.Errorf("after the outage the session counts %d, want %d: the stored session was lost", last, before+1)
	}
	for i := range 5 {
		if code, _ := timed(); code != http.StatusOK {
			t.Errorf("request %d after the start: status %d, %v", i, code, a.err())
		}
	}

	// A restart under load.
	load := startLoad(2, func(ctx context.Context) int {
		return a.serve(ctx, "", func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["visitor"] = true
		}).Code
	}, deadline)
	time.Sleep(100 * time.Millisecond)
	if err := srv.ctl("restart"); err != nil {
		t.Fatal(err)
	}
	restarted := time.Now()
	if !waitFor(10*time.Second, func() bool { code, _ := timed(); return code == http.StatusOK }) {
		t.Fatalf("no request succeeded within 10s of the restart: %v", a.err())
	}
	t.Logf("first success %v after the restart", time.Since(restarted).Round(time.Millisecond))
	time.Sleep(100 * time.Millisecond)
	load.finish(t, deadline+slack)
	for i := range 5 {
		if code, _ := timed(); code != http.StatusOK {
			t.Errorf("request %d after the restart: status %d, %v", i, code, a.err())
		}
	}
}
