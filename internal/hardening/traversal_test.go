package hardening_test

import (
	"bytes"
	"context"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
)

// entry is what a snapshot records of one path outside the store's folder.
type entry struct {
	mode    fs.FileMode
	size    int64
	mtime   time.Time
	content []byte // regular files
	target  string // symlinks
}

// snapshot records every path under root except the contents of skip (the
// store's folder): type, mode, size, modification time, contents and link
// targets. It reads the files, so it is taken before arming the access
// times (see armAtimes).
func snapshot(t *testing.T, root, skip string) map[string]entry {
	t.Helper()
	out := map[string]entry{}
	err := filepath.WalkDir(root, func(p string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if strings.HasPrefix(p, skip+string(filepath.Separator)) {
			return nil // the folder itself is recorded, not what it holds
		}
		fi, err := os.Lstat(p)
		if err != nil {
			return err
		}
		e := entry{mode: fi.Mode(), size: fi.Size(), mtime: fi.ModTime()}
		switch {
		case fi.Mode().IsRegular():
			if e.content, err = os.ReadFile(p); err != nil {
				return err
			}
		case fi.Mode()&fs.ModeSymlink != 0:
			if e.target, err = os.Readlink(p); err != nil {
				return err
			}
		case fi.IsDir():
			e.size, e.mtime = 0, time.Time{} // the folder's own listing is compared separately
			if p != skip {
				e.mtime = fi.ModTime()
			}
		}
		out[p] = e
		return nil
	})
	if err != nil {
		t.Fatalf("snapshot of %s: %v", root, err)
	}
	return out
}

func compareSnapshots(t *testing.T, before, after map[string]entry) {
	t.Helper()
	for p, b := range before {
		a, ok := after[p]
		switch {
		case !ok:
			t.Errorf("%s disappeared", p)
		case a.mode != b.mode || a.size != b.size || !a.mtime.Equal(b.mtime) || a.target != b.target:
			t.Errorf("%s changed: mode %v→%v size %d→%d mtime %v→%v target %q→%q", p, b.mode, a.mode, b.size, a.size, b.mtime, a.mtime, b.target, a.target)
		case !bytes.Equal(a.content, b.content):
			t.Errorf("%s: contents changed", p)
		}
	}
	for p := range after {
		if _, ok := before[p]; !ok {
			t.Errorf("%s appeared outside the store's folder", p)
		}
	}
}

// armAtimes sets the access time of every regular file in paths an hour
// before its modification time. Linux's default relatime then updates the
// access time on the next read, so an access time that moved proves a read.
// It reports whether this filesystem does so, with a probe file in dir.
func armAtimes(t *testing.T, dir string, paths []string) (map[string]time.Time, bool) {
	t.Helper()
	arm := func(p string) time.Time {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		at := fi.ModTime().Add(-time.Hour)
		if err := os.Chtimes(p, at, fi.ModTime()); err != nil {
			t.Fatal(err)
		}
		fi, _ = os.Stat(p)
		got, _ := atime(fi)
		return got
	}
	probe := filepath.Join(dir, "atime-probe")
	if err := os.WriteFile(probe, []byte("probe"), 0o600); err != nil {
		t.Fatal(err)
	}
	defer os.Remove(probe)
	armed := arm(probe)
	if _, err := os.ReadFile(probe); err != nil {
		t.Fatal(err)
	}
	fi, _ := os.Stat(probe)
	now, ok := atime(fi)
	if !ok || now.Equal(armed) {
		return nil, false
	}
	out := map[string]time.Time{}
	for _, p := range paths {
		out[p] = arm(p)
	}
	return out, true
}

// TestHostileCookiesFileDriverStaysInItsFolder: the parent of the file
// driver's folder (and its parent) hold sentinel files named like what a
// traversal would reach, each a valid session file, plus symlinks to a
// folder and a file outside. Every hostile cookie, each followed by a
// Save, leaves every path outside the folder unread (access times),
// unwritten (mode, size, mtime, contents, link targets) and in place (the
// listings), and the folder ends up holding only the sessions the Saves
// created, under the hashes of their IDs.
func TestHostileCookiesFileDriverStaysInItsFolder(t *testing.T) {
	root := t.TempDir()
	outer := filepath.Join(root, "outer")
	dir := filepath.Join(outer, "sessions")
	elsewhere := filepath.Join(root, "elsewhere")

	// A valid session file from a donor store: were the store ever to open
	// one of the sentinels, the session would come back non-empty.
	donorDir := t.TempDir()
	donor, err := filestore.New(donorDir, filestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	donorApp := newApp(t, donor, session.Config{})
	(&browser{a: donorApp}).do(func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
		data["user"] = "stolen"
	})
	donor.Close()
	files := sessionFiles(t, donorDir)
	if len(files) != 1 {
		t.Fatalf("donor folder holds %v", files)
	}
	valid, err := os.ReadFile(filepath.Join(donorDir, files[0]))
	if err != nil {
		t.Fatal(err)
	}

	outsideID := store.NewID() // its session file exists only outside the folder
	hashName := store.HashID(outsideID) + ".session"
	sentinels := []string{
		filepath.Join(outer, "victim.json"),
		filepath.Join(outer, "victim"),
		filepath.Join(outer, "passwd"),
		filepath.Join(outer, "x"),
		filepath.Join(outer, hashName),
		filepath.Join(outer, "etc", "passwd"),
		filepath.Join(outer, "etc", "passwd.session"),
		filepath.Join(root, "x"),
		filepath.Join(root, "etc", "passwd"),
		filepath.Join(elsewhere, hashName),
		filepath.Join(elsewhere, "x"),
	}
	for _, p := range sentinels {
		if err := os.MkdirAll(filepath.Dir(p), 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(p, valid, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	links := map[string]string{
		filepath.Join(outer, "link"):         elsewhere,
		filepath.Join(outer, "link.session"): filepath.Join(elsewhere, hashName),
	}
	for link, target := range links {
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
	}

	st, err := filestore.New(dir, filestore.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	a := newApp(t, st, session.Config{})

	inputs := hostileCookies()
	for _, rel := range []string{
		"../victim.json", "../victim", "../passwd", "../x", "../" + hashName, "../etc/passwd",
		"../../x", "../../etc/passwd", "../../elsewhere/x", "../../elsewhere/" + hashName,
		"../link/" + hashName, "../link/x", "../link.session", "../link", "link",
		"..%2F" + hashName, "..%2Flink%2F" + hashName, store.HashID(outsideID), hashName,
	} {
		inputs["relative "+rel] = rel
	}
	for _, p := range sentinels {
		inputs["absolute "+p] = p
	}
	inputs["the ID whose file is outside"] = outsideID

	before := snapshot(t, root, dir)
	parentBefore, rootBefore := listDir(t, outer), listDir(t, root)
	armed, tracked := armAtimes(t, t.TempDir(), sentinels)
	t.Logf("%d hostile cookies; access times tracked: %v", len(inputs), tracked)
	if !tracked {
		t.Log("this filesystem does not update access times on read (noatime): reads are proven by the contents of the sentinels only")
	}

	var created []string
	for _, name := range sortedKeys(inputs) {
		v := inputs[name]
		t.Run(name, func(t *testing.T) { created = append(created, expectFresh(t, a, header(v), v, nil)) })
	}
	// A session saved normally, then hostile cookies again with Save after
	// each: nothing differs.
	b := &browser{a: a}
	b.do(func(_ http.ResponseWriter, _ *http.Request, id string, data map[string]any) {
		created = append(created, id)
		data["user"] = "ada"
	})
	w := a.serve(context.Background(), header(b.cookie), func(_ http.ResponseWriter, _ *http.Request, _ string, data map[string]any) {
		data["more"] = strings.Repeat("x", 1000)
	})
	if w.Code != http.StatusOK {
		t.Fatalf("status %d", w.Code)
	}

	for _, p := range sentinels {
		fi, err := os.Stat(p)
		if err != nil {
			t.Fatal(err)
		}
		if at, ok := atime(fi); tracked && ok && !at.Equal(armed[p]) {
			t.Errorf("%s was read (access time %v, armed at %v)", p, at, armed[p])
		}
	}
	if tracked {
		// The control: a read of a sentinel does show.
		if _, err := os.ReadFile(sentinels[0]); err != nil {
			t.Fatal(err)
		}
		fi, _ := os.Stat(sentinels[0])
		if at, _ := atime(fi); at.Equal(armed[sentinels[0]]) {
			t.Error("control: reading a sentinel left its access time unchanged")
		}
	}
	compareSnapshots(t, before, snapshot(t, root, dir))
	if got := listDir(t, outer); !equalStrings(got, parentBefore) {
		t.Errorf("parent folder listing changed: %v → %v", parentBefore, got)
	}
	if got := listDir(t, root); !equalStrings(got, rootBefore) {
		t.Errorf("grandparent folder listing changed: %v → %v", rootBefore, got)
	}

	want := map[string]bool{}
	for _, id := range created {
		want[store.HashID(id)+".session"] = true
	}
	named := regexp.MustCompile(`^[0-9a-f]{64}\.session$`)
	got := sessionFiles(t, dir)
	for _, n := range got {
		if !named.MatchString(n) || !want[n] {
			t.Errorf("the folder holds %q, which no Save of this test created", n)
		}
	}
	if len(got) != len(want) {
		t.Errorf("the folder holds %d files, want %d (one per session created)", len(got), len(want))
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
