//go:build darwin || dragonfly || freebsd || linux || netbsd || openbsd

package filestore_test

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/filestore"
	"github.com/seed-699a33a2/session/store"
)

// The tests of this file re-execute the test binary as a second process
// against the same folder: TestHelperProcess is that process's body.
const (
	helperMode = "FILESTORE_HELPER_MODE"
	helperDir  = "FILESTORE_HELPER_DIR"
	helperID   = "FILESTORE_HELPER_ID"
)

const (
	writersPerProcess = 25 // 50 writers over two processes
	rounds            = 8  // changes per writer
)

// TestHelperProcess is the second process of the tests below; it does
// nothing when the test binary runs as usual.
func TestHelperProcess(t *testing.T) {
	mode := os.Getenv(helperMode)
	if mode == "" {
		t.Skip("the second process of the cross-process tests")
	}
	s, err := filestore.New(os.Getenv(helperDir), filestore.Options{CleanupInterval: -1})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	id := os.Getenv(helperID)
	// Start with the parent: it closes stdin when its writers start.
	fmt.Println("ready")
	_, _ = io.Copy(io.Discard, os.Stdin)
	switch mode {
	case "cas":
		err = writers(s, id, "child", addKeyIfUnchanged)
	case "lock":
		err = writers(s, id, "child", incrementLocked)
	case "save-forever":
		saveForever(s)
	case "change-forever":
		changeForever(s, id)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	os.Exit(0)
}

// startHelper starts the second process in mode on dir and id, and returns
// it with the function that lets it start.
func startHelper(t *testing.T, mode, dir, id string) (*exec.Cmd, *bufio.Reader, func()) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperProcess$", "-test.count=1")
	cmd.Env = append(os.Environ(), helperMode+"="+mode, helperDir+"="+dir, helperID+"="+id)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		if stderr.Len() > 0 && t.Failed() {
			t.Logf("second process: %s", stderr.String())
		}
	})
	out := bufio.NewReader(stdout)
	if line, err := out.ReadString('\n'); err != nil || line != "ready\n" {
		t.Fatalf("second process did not start: %q, %v, %s", line, err, stderr.String())
	}
	return cmd, out, func() { _ = stdin.Close() }
}

// writers runs writersPerProcess goroutines, each making rounds changes
// to the session id with change, and returns the first error.
func writers(s *filestore.Store, id, who string, change func(*filestore.Store, string, string) error) error {
	var wg sync.WaitGroup
	errs := make(chan error, writersPerProcess)
	for w := range writersPerProcess {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for r := range rounds {
				if err := change(s, id, fmt.Sprintf("%s-%d-%d", who, w, r)); err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	return <-errs
}

// addKeyIfUnchanged adds key as a line of the session's data with
// compare-and-set, trying again after each conflict.
func addKeyIfUnchanged(s *filestore.Store, id, key string) error {
	ctx := context.Background()
	for {
		r, err := s.Load(ctx, id)
		if errors.Is(err, store.ErrNotFound) {
			r = store.Record{ID: id, Created: time.Now()}
		} else if err != nil {
			return err
		}
		r.Data = append(append(r.Data, key...), '\n')
		r.Expires = time.Now().Add(time.Hour)
		_, _, err = s.SaveIf(ctx, r)
		if !errors.Is(err, store.ErrConflict) {
			return err
		}
	}
}

// incrementLocked adds one to the session's counter holding the blocking
// mode's lock, with a plain Save: only the lock keeps the counts apart.
func incrementLocked(s *filestore.Store, id, _ string) error {
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	unlock, err := s.Lock(ctx, id, 30*time.Second)
	if err != nil {
		return err
	}
	defer unlock(ctx)
	n := 0
	r, err := s.Load(ctx, id)
	switch {
	case err == nil:
		if n, err = strconv.Atoi(string(r.Data)); err != nil {
			return err
		}
	case errors.Is(err, store.ErrNotFound):
		r = store.Record{ID: id, Created: time.Now()}
	default:
		return err
	}
	r.Data = []byte(strconv.Itoa(n + 1))
	r.Expires = time.Now().Add(time.Hour)
	_, err = s.Save(ctx, r)
	return err
}

// inTwoProcesses runs writers making changes with change to one session
// in this process and in a second one (mode), on one folder, and returns
// the session's record once both are done, and the folder.
func inTwoProcesses(t *testing.T, mode string, change func(*filestore.Store, string, string) error) (store.Record, string) {
	t.Helper()
	dir := t.TempDir()
	s := newStore(t, dir, filestore.Options{CleanupInterval: -1})
	id := store.NewID()
	cmd, _, start := startHelper(t, mode, dir, id)
	start()
	if err := writers(s, id, "parent", change); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("second process: %v", err)
	}
	r, err := s.Load(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r, dir
}

// TestCompareAndSetHoldsAcrossProcesses: 50 writers over two processes
// sharing the folder add keys to one session with compare-and-set; none is
// lost.
func TestCompareAndSetHoldsAcrossProcesses(t *testing.T) {
	r, _ := inTwoProcesses(t, "cas", addKeyIfUnchanged)
	keys := strings.Fields(string(r.Data))
	seen := map[string]bool{}
	for _, k := range keys {
		seen[k] = true
	}
	if want := 2 * writersPerProcess * rounds; len(seen) != want || len(keys) != want {
		t.Fatalf("the session holds %d keys (%d distinct), want %d: changes were lost across processes", len(keys), len(seen), want)
	}
	for _, who := range []string{"parent", "child"} {
		if !seen[who+"-0-0"] {
			t.Errorf("no change of the %s process", who)
		}
	}
}

// TestBlockingHoldsAcrossProcesses: 50 writers over two processes
// increment one session's counter under the blocking mode's lock with
// plain saves; every increment counts.
func TestBlockingHoldsAcrossProcesses(t *testing.T) {
	r, dir := inTwoProcesses(t, "lock", incrementLocked)
	if got, want := string(r.Data), strconv.Itoa(2*writersPerProcess*rounds); got != want {
		t.Fatalf("counter = %s, want %s: the lock did not hold across processes", got, want)
	}
	if entries := entriesBesideLocks(t, dir); len(entries) != 1 {
		t.Errorf("folder holds %v, want the session only", entries)
	}
	locks, _ := os.ReadDir(dir + "/locks")
	for _, l := range locks {
		if strings.HasSuffix(l.Name(), ".lock") {
			t.Errorf("lock file %s left after every holder unlocked", l.Name())
		}
	}
}

// saveForever saves new sessions one after the other, printing each ID
// once its Save has returned, until the process is killed.
func saveForever(s *filestore.Store) {
	ctx := context.Background()
	data := bytes.Repeat([]byte("0123456789abcdef"), 256) // 4 KiB: a write takes a while
	for i := 0; ; i++ {
		r := store.Record{ID: store.NewID(), Data: append([]byte(strconv.Itoa(i)+":"), data...), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
		if _, err := s.Save(ctx, r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(r.ID, i)
	}
}

// TestKilledWriterLeavesNoTornOrLostSession kills a process that saves
// sessions (SIGKILL, mid-save more often than not) again and again: every
// session it reported saved loads whole, and no file in the folder is
// torn.
func TestKilledWriterLeavesNoTornOrLostSession(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	saved := 0
	for round := range 10 {
		cmd, out, start := startHelper(t, "save-forever", dir, "")
		start()
		var reported []string
		deadline := time.Now().Add(time.Duration(20+round*7) * time.Millisecond)
		for time.Now().Before(deadline) {
			line, err := out.ReadString('\n')
			if err != nil {
				t.Fatalf("writer stopped: %v", err)
			}
			reported = append(reported, line)
		}
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
		for _, line := range reported {
			f := strings.Fields(line)
			r, err := s.Load(ctx, f[0])
			if err != nil || !bytes.HasPrefix(r.Data, []byte(f[1]+":")) || len(r.Data) != len(f[1])+1+4096 {
				t.Fatalf("round %d: session %s reported saved loads %d bytes, %v", round, f[1], len(r.Data), err)
			}
		}
		saved += len(reported)
	}
	// Every file under a session's name loads: none is torn.
	n := 0
	err := s.List(ctx, func(store.UserSession) bool { n++; return true })
	if err != nil {
		t.Fatal(err)
	}
	entries := entriesBesideLocks(t, dir)
	sessions := 0
	for _, e := range entries {
		if strings.HasSuffix(e.Name(), ".session") {
			sessions++
		}
	}
	if sessions != n {
		t.Fatalf("%d session files, %d load: a killed Save left a torn file", sessions, n)
	}
	if n < saved {
		t.Fatalf("%d sessions load, %d were reported saved", n, saved)
	}
	// Where new files are unnamed until linked into place, a kill leaves
	// no temporary file either.
	if filestore.UnnamedFilesWork(dir) {
		for _, e := range entries {
			if strings.HasPrefix(e.Name(), ".tmp-") {
				t.Fatalf("a killed Save left the temporary file %s", e.Name())
			}
		}
	}
	t.Logf("%d saves reported over 10 kills; %d files, all whole", saved, n)
}

// changeForever changes the session id over and over, its data "i:" and
// a few KiB of another length each time, printing i once its Save has
// returned, until the process is killed.
func changeForever(s *filestore.Store, id string) {
	ctx := context.Background()
	for i := 0; ; i++ {
		r := store.Record{ID: id, Data: changedData(i), Created: time.Now(), Expires: time.Now().Add(time.Hour)}
		if _, err := s.Save(ctx, r); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(1)
		}
		fmt.Println(i)
	}
}

// changedData is the data of changeForever's i-th change.
func changedData(i int) []byte {
	return append([]byte(strconv.Itoa(i)+":"), bytes.Repeat([]byte("0123456789abcdef"), 128+i%128)...)
}

// TestKilledChangerLeavesTheSessionWhole kills a process that changes one
// session (SIGKILL, mid-write more often than not) again and again: the
// session always loads whole, as the last change reported saved or the
// one after it, never older and never torn.
func TestKilledChangerLeavesTheSessionWhole(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	id := store.NewID()
	changes := 0
	for round := range 10 {
		cmd, out, start := startHelper(t, "change-forever", dir, id)
		start()
		last, killed := -1, false
		deadline := time.Now().Add(time.Duration(20+round*7) * time.Millisecond)
		for {
			if !killed && !time.Now().Before(deadline) && last >= 0 {
				_ = cmd.Process.Kill()
				killed = true
			}
			// After the kill, what the writer reported before it died.
			line, err := out.ReadString('\n')
			if err != nil {
				if !killed {
					t.Fatalf("writer stopped: %v", err)
				}
				break
			}
			if last, err = strconv.Atoi(strings.TrimSpace(line)); err != nil {
				t.Fatal(err)
			}
		}
		_ = cmd.Wait()
		r, err := s.Load(ctx, id)
		if err != nil {
			t.Fatalf("round %d: the session after the kill: %v", round, err)
		}
		i, _, _ := bytes.Cut(r.Data, []byte(":"))
		got, err := strconv.Atoi(string(i))
		if err != nil || got < last || got > last+1 || !bytes.Equal(r.Data, changedData(got)) {
			t.Fatalf("round %d: the session loads as change %q (%d bytes) after change %d was reported saved", round, i, len(r.Data), last)
		}
		changes += last + 1
	}
	t.Logf("%d changes reported over 10 kills; the session loaded whole after each", changes)
}

// TestSweepRemovesStaleLockFilesOnly: the sweep removes a lock file whose
// lease has passed (its holder crashed), keeps a held one, the stripe
// files and anything else in the locks folder.
func TestSweepRemovesStaleLockFilesOnly(t *testing.T) {
	dir := t.TempDir()
	s := newStore(t, dir, filestore.Options{CleanupInterval: -1})
	ctx := context.Background()
	held, crashed := store.NewID(), store.NewID()
	unlock, err := s.Lock(ctx, held, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	defer unlock(ctx)
	if _, err := s.Lock(ctx, crashed, 50*time.Millisecond); err != nil { // never unlocked
		t.Fatal(err)
	}
	locksDir := dir + "/locks"
	other := locksDir + "/notes.txt"
	if err := os.WriteFile(other, []byte("not the store's"), 0o600); err != nil {
		t.Fatal(err)
	}
	before, _ := os.ReadDir(locksDir)
	time.Sleep(100 * time.Millisecond)
	if _, err := s.DeleteExpired(ctx); err != nil {
		t.Fatal(err)
	}
	exists := func(name string) bool { _, err := os.Lstat(locksDir + "/" + name); return err == nil }
	if exists(store.HashID(crashed) + ".lock") {
		t.Error("the sweep kept a lock file whose lease has passed")
	}
	if !exists(store.HashID(held) + ".lock") {
		t.Error("the sweep removed a held lock file")
	}
	if !exists("notes.txt") {
		t.Error("the sweep removed a file that is not the store's")
	}
	for _, e := range before {
		if strings.HasPrefix(e.Name(), "stripe") && !exists(e.Name()) {
			t.Errorf("the sweep removed the stripe file %s", e.Name())
		}
	}
	// The stale lock is free, the held one is not.
	short, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	if _, err := s.Lock(short, held, time.Second); !errors.Is(err, store.ErrLockTimeout) {
		t.Errorf("Lock of a held session = %v, want ErrLockTimeout", err)
	}
	if u, err := s.Lock(ctx, crashed, time.Second); err != nil {
		t.Errorf("Lock after the sweep: %v", err)
	} else {
		_ = u(ctx)
	}
}
