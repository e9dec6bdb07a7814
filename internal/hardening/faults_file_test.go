package hardening_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"syscall"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
)

// TestFileFolderUnderARegularFile: SESSION_FILE_PATH below a regular file
// makes NewStore fail with an error naming the path, not a panic and not a
// store that fails later.
func TestFileFolderUnderARegularFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-folder")
	if err := os.WriteFile(file, []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, dir := range []string{file, filepath.Join(file, "sessions")} {
		t.Setenv("SESSION_DRIVER", "file")
		t.Setenv("SESSION_FILE_PATH", dir)
		st, err := session.NewStore(nil)
		if err == nil {
			if c, ok := st.(interface{ Close() error }); ok {
				c.Close()
			}
			t.Errorf("NewStore with SESSION_FILE_PATH=%s succeeded", dir)
			continue
		}
		if !strings.Contains(err.Error(), file) || !strings.Contains(err.Error(), "SESSION_FILE_PATH") {
			t.Errorf("NewStore with SESSION_FILE_PATH=%s: %v; want the variable and the path named", dir, err)
		}
	}
}

// TestFileFolderReplacedByAFile: the folder becomes a regular file while
// the app runs. Save fails with an error wrapping ErrBackend (never "no
// session"), sends no cookie, and the middleware answers with the error
// handler's 500, for a new session and for a stored one.
func TestFileFolderReplacedByAFile(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "sessions")
	st, err := filestore.New(dir, filestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := newApp(t, st, session.Config{})
	b := &browser{a: a}
	b.do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) { data["user"] = "ada" })

	if err := os.RemoveAll(dir); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, []byte("a file now"), 0o600); err != nil {
		t.Fatal(err)
	}

	id, data, err := a.start("")
	if err != nil {
		t.Fatal(err)
	}
	data["user"] = "bob"
	w := httptest.NewRecorder()
	if err := a.m.Save(w, id, data); !errors.Is(err, session.ErrBackend) || errors.Is(err, session.ErrNotFound) {
		t.Errorf("Save into a folder replaced by a file = %v, want ErrBackend", err)
	}
	if c := w.Header().Values("Set-Cookie"); len(c) != 0 {
		t.Errorf("a failed Save set %v", c)
	}
	// Through the middleware: a new visitor who writes, and the stored
	// session (whose load fails already).
	for name, cookie := range map[string]string{"new session": "", "stored session": header(b.cookie)} {
		w := a.serve(context.Background(), cookie, func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
			data["x"] = 1
		})
		if w.Code != http.StatusInternalServerError || !errors.Is(a.err(), session.ErrBackend) {
			t.Errorf("%s: status %d, error %v; want the error handler's 500 with ErrBackend", name, w.Code, a.err())
		}
		if c := sessionCookies(w.Header()); len(c) != 0 {
			t.Errorf("%s: Set-Cookie %v", name, w.Header().Values("Set-Cookie"))
		}
	}
}

// mountTmpfs mounts a tmpfs of the given size on dir, or skips the test
// with the reason. It is unmounted when the test ends.
func mountTmpfs(t *testing.T, dir, size string) {
	t.Helper()
	if os.Geteuid() != 0 {
		t.Skip("mounting a tmpfs needs root")
	}
	out, err := exec.Command("mount", "-t", "tmpfs", "-o", "size="+size+",mode=0700", "tmpfs", dir).CombinedOutput()
	if err != nil {
		t.Skipf("cannot mount a tmpfs here (%v: %s): the full-disk test needs one", err, strings.TrimSpace(string(out)))
	}
	t.Cleanup(func() {
		if out, err := exec.Command("umount", dir).CombinedOutput(); err != nil {
			t.Errorf("umount %s: %v %s", dir, err, out)
		}
	})
}

// TestFileFolderFull: the folder is a 64 KiB tmpfs. Sessions are saved
// through the manager until the disk is full: the Save that does not fit
// fails with an error wrapping ErrBackend (the middleware answers 500 and
// sets no cookie), the folder holds only complete session files (each
// loads) and no temporary file, and once space is freed Saves work again.
func TestFileFolderFull(t *testing.T) {
	mnt := t.TempDir()
	mountTmpfs(t, mnt, "64k")
	dir := filepath.Join(mnt, "sessions")
	st, err := filestore.New(dir, filestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := newApp(t, st, session.Config{})

	// Most of the space goes to another file, so that a few sessions fill
	// the rest.
	filler := filepath.Join(mnt, "filler")
	f, err := os.Create(filler)
	if err != nil {
		t.Fatal(err)
	}
	chunk := make([]byte, 4096)
	for i := 0; i < 12; i++ {
		if _, err := f.Write(chunk); err != nil {
			break
		}
	}
	f.Close()

	payload := strings.Repeat("p", 3000)
	saved := map[string]string{} // file name → cookie
	var full error
	for i := 0; i < 100 && full == nil; i++ {
		var id string
		w := a.serve(context.Background(), "", func(_ http.ResponseWriter, _ *http.Request, sid string, data map[string]any) {
			id = sid
			data["payload"] = payload
		})
		switch w.Code {
		case http.StatusOK:
			cs := sessionCookies(w.Header())
			if len(cs) != 1 {
				t.Fatalf("saved session without one cookie: %v", w.Header())
			}
			saved[store.HashID(id)+".session"] = cs[0].Value
		case http.StatusInternalServerError:
			full = a.err()
			if len(sessionCookies(w.Header())) != 0 {
				t.Errorf("the Save that did not fit set a cookie")
			}
		default:
			t.Fatalf("status %d", w.Code)
		}
	}
	if full == nil {
		t.Fatal("the 64 KiB tmpfs never filled up")
	}
	if !errors.Is(full, session.ErrBackend) || !errors.Is(full, syscall.ENOSPC) {
		t.Errorf("the Save that did not fit: %v, want ErrBackend wrapping ENOSPC", full)
	}
	t.Logf("%d sessions fitted; then: %v", len(saved), full)

	// Outside the middleware too, and for an existing session growing.
	id, data, err := a.start("")
	if err != nil {
		t.Fatal(err)
	}
	data["payload"] = payload
	if err := a.m.Save(httptest.NewRecorder(), id, data); !errors.Is(err, session.ErrBackend) {
		t.Errorf("Save on a full disk = %v, want ErrBackend", err)
	}
	var grown string
	for _, c := range saved {
		grown = c
		break
	}
	w := a.serve(context.Background(), header(grown), func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
		data["more"] = strings.Repeat("m", 3000)
	})
	if w.Code != http.StatusInternalServerError {
		t.Errorf("growing a session on a full disk: status %d, want 500", w.Code)
	}

	// No torn file: every session file is one the test saved, and loads
	// complete; no temporary file was left behind.
	named := regexp.MustCompile(`^[0-9a-f]{64}\.session$`)
	for _, n := range sessionFiles(t, dir) {
		cookie, ok := saved[n]
		switch {
		case strings.HasPrefix(n, ".tmp-"):
			t.Errorf("temporary file %s left behind", n)
		case !named.MatchString(n) || !ok:
			t.Errorf("unexpected file %s", n)
		default:
			_, data, err := a.start(header(cookie))
			if err != nil || data["payload"] != payload || data["more"] != nil {
				t.Errorf("%s does not load complete: %v, %v", n, err, len(data))
			}
		}
	}

	// Space again: Saves work again, with the same app.
	if err := os.Remove(filler); err != nil {
		t.Fatal(err)
	}
	(&browser{a: a}).do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) { data["payload"] = payload })
}
