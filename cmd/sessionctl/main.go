// Command sessionctl operates on the session store of an application, for
// cron jobs and incidents. It reads the same SESSION_* environment as the
// application (see session.ConfigFromEnv and session.NewStore):
//
//	sessionctl prune              # delete expired sessions (file and db drivers)
//	sessionctl count              # print how many sessions are live
//	sessionctl list [--user U] [--json]  # list the live sessions (never an ID)
//	sessionctl end HANDLE         # end one session, by the handle list printed
//	sessionctl revoke USER_ID     # end every session of a user
//
// For SESSION_DRIVER=db it opens the database itself, like the demo:
// SESSION_DB_DRIVER is sqlite (the default; SESSION_DB_DSN is then the
// database file, storage/sessions.db by default), postgres or mysql, with
// SESSION_DB_DSN the data source name.
//
// Output goes to standard output; errors go to standard error with exit
// status 1 (2 for a command line that does not parse). "sessionctl -h" and
// "sessionctl COMMAND -h" print help.
//
// The memory driver keeps its sessions inside the application's process,
// out of reach of another process, and the cookie driver keeps them in the
// browsers: sessionctl refuses both. Redis expires keys itself, so prune
// has nothing to do there and says so.
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"gorm.io/gorm"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/redislog"
	"github.com/seed-699a33a2/session/store"
)

// Exit statuses.
const (
	exitOK    = 0
	exitFail  = 1 // the command failed: bad environment, store error, unsupported driver
	exitUsage = 2 // the command line does not parse
)

func main() {
	redislog.Use(slog.New(slog.NewTextHandler(os.Stderr, nil)))
	os.Exit(run(os.Args[1:], os.Stdout, os.Stderr))
}

// environment is the part of every help text that names the variables read.
var environment = `Environment (the application's own settings):
  SESSION_DRIVER        one of ` + strings.Join(session.DriverNames(), ", ") + `; memory
                        and cookie keep nothing sessionctl can reach; default memory
  SESSION_FILE_PATH     file driver: the sessions folder (default storage/sessions)
  SESSION_TABLE         db driver: the table (default sessions)
  SESSION_DB_DRIVER     db driver: sqlite (default), postgres or mysql
  SESSION_DB_DSN        db driver: the data source name; for sqlite the
                        database file (default storage/sessions.db)
  SESSION_PREFIX        redis driver: the key prefix (default session:)
  SESSION_REDIS_URL     redis driver: redis:// or rediss:// URL, or else
  REDIS_HOST, REDIS_PORT, REDIS_PASSWORD, REDIS_DB,
  REDIS_CLUSTER_ADDRS, REDIS_SENTINEL_ADDRS, REDIS_MASTER_NAME
  SESSION_LIFETIME and the other SESSION_* variables are checked as the
  application checks them.
`

const mainUsage = `sessionctl operates on the session store that the SESSION_* environment
describes, for cron jobs and incidents.

Usage:
  sessionctl COMMAND [flags] [arguments]

Commands:
  prune     delete expired sessions (file and db drivers)
  count     print the number of live sessions
  list      list the live sessions: handle, user, times, IP address, user agent
  end       end one session by its handle: sessionctl end HANDLE
  revoke    end every session of a user: sessionctl revoke USER_ID

Run "sessionctl COMMAND -h" for a command's flags.

`

// command is one subcommand.
type command struct {
	name  string
	args  string // the positional arguments, for the usage line
	about string // what it does, for its help
	nargs int    // how many positional arguments it takes
	// flags defines the command's own flags on fs, into e's fields.
	flags func(fs *flag.FlagSet, e *env)
	run   func(ctx context.Context, e *env, args []string) error
}

var commands = []*command{
	{
		name: "prune",
		about: `Delete the expired sessions that the store keeps until they are removed
(file and db drivers) and print how many were deleted. Run it from cron.
With SESSION_DRIVER=redis there is nothing to do (Redis expires keys itself):
it says so and exits 0.`,
		run: prune,
	},
	{
		name: "count",
		about: `Print the number of live sessions (a single number). It may scan the
whole store.`,
		run: count,
	},
	{
		name: "list",
		about: `List the live sessions, one a line: handle, user ("-" for none), created,
last active and expires (RFC 3339, UTC), IP address and user agent (where
the sign-in recorded them), separated by tabs. Never an ID: the handle opens
nothing, and "sessionctl end HANDLE" ends that session. With --user, only
that user's sessions (from the user index); with --json, a JSON array of
objects. The whole store is walked a page at a time.`,
		flags: func(fs *flag.FlagSet, e *env) {
			fs.StringVar(&e.user, "user", "", "list only this user's sessions")
			fs.BoolVar(&e.json, "json", false, "print a JSON array")
		},
		run: list,
	},
	{
		name:  "end",
		args:  "HANDLE",
		about: `End the session with the given handle (as "sessionctl list" prints it).`,
		nargs: 1,
		run:   end,
	},
	{
		name: "revoke",
		args: "USER_ID",
		about: `End every session of the user (sessions tied to the user by
Manager.Login) and print how many were ended.`,
		nargs: 1,
		run:   revoke,
	},
}

// run is the whole command: it returns the exit status.
func run(args []string, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, mainUsage+environment)
		return exitUsage
	}
	name := args[0]
	switch name {
	case "-h", "-help", "--help", "help":
		if name == "help" && len(args) > 1 {
			if c := lookup(args[1]); c != nil {
				fmt.Fprint(stdout, c.usage(nil))
				return exitOK
			}
			fmt.Fprintf(stderr, "sessionctl: unknown command %q; the commands are %s\n", args[1], names())
			return exitUsage
		}
		fmt.Fprint(stdout, mainUsage+environment)
		return exitOK
	}
	c := lookup(name)
	if c == nil {
		if strings.HasPrefix(name, "-") {
			fmt.Fprintf(stderr, "sessionctl: unknown flag %s; the command comes first: sessionctl COMMAND [flags]\n", name)
		} else {
			fmt.Fprintf(stderr, "sessionctl: unknown command %q; the commands are %s\n", name, names())
		}
		fmt.Fprintln(stderr, `Run "sessionctl -h" for help.`)
		return exitUsage
	}
	return c.execute(args[1:], stdout, stderr)
}

func lookup(name string) *command {
	for _, c := range commands {
		if c.name == name {
			return c
		}
	}
	return nil
}

func names() string {
	var s []string
	for _, c := range commands {
		s = append(s, c.name)
	}
	return strings.Join(s, ", ")
}

// flagSet returns the command's flag set, writing its errors to out.
func (c *command) flagSet(out io.Writer, e *env) *flag.FlagSet {
	fs := flag.NewFlagSet("sessionctl "+c.name, flag.ContinueOnError)
	fs.SetOutput(out)
	fs.Usage = func() {} // run prints the usage itself, to stdout for -h
	fs.DurationVar(&e.timeout, "timeout", 0, "give up after this long (e.g. 30s, 5m); 0 means no limit")
	if c.flags != nil {
		c.flags(fs, e)
	}
	return fs
}

// usage is the command's help text.
func (c *command) usage(fs *flag.FlagSet) string {
	if fs == nil {
		fs = c.flagSet(io.Discard, &env{})
	}
	var b strings.Builder
	fmt.Fprintf(&b, "Usage: sessionctl %s [flags]", c.name)
	if c.args != "" {
		b.WriteString(" " + c.args)
	}
	b.WriteString("\n\n" + c.about + "\n\nFlags:\n")
	fs.SetOutput(&b)
	fs.PrintDefaults()
	b.WriteString("  -h, --help\n    \tshow this help\n\n" + environment)
	return b.String()
}

func (c *command) execute(args []string, stdout, stderr io.Writer) int {
	e := &env{name: c.name, stdout: stdout}
	fs := c.flagSet(stderr, e)
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			fmt.Fprint(stdout, c.usage(fs))
			return exitOK
		}
		fmt.Fprintf(stderr, "Run \"sessionctl %s -h\" for help.\n", c.name)
		return exitUsage
	}
	if fs.NArg() != c.nargs {
		switch {
		case c.nargs == 0:
			fmt.Fprintf(stderr, "sessionctl %s: takes no arguments, got %q\n", c.name, fs.Args())
		case fs.NArg() == 0:
			fmt.Fprintf(stderr, "sessionctl %s: missing %s\n", c.name, c.args)
		default:
			fmt.Fprintf(stderr, "sessionctl %s: want one %s, got %q (flags go before it)\n", c.name, c.args, fs.Args())
		}
		fmt.Fprintf(stderr, "Usage: sessionctl %s [flags] %s\nRun \"sessionctl %s -h\" for help.\n", c.name, c.args, c.name)
		return exitUsage
	}

	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if e.timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, e.timeout)
		defer cancel()
	}
	err := c.run(ctx, e, fs.Args())
	if cerr := e.close(); err == nil {
		err = cerr
	}
	if err != nil {
		fmt.Fprintf(stderr, "sessionctl %s: %v\n", c.name, err)
		return exitFail
	}
	return exitOK
}

// env is what a command works with: the configuration, and the store and
// database it opened, closed when the command ends.
type env struct {
	name    string
	stdout  io.Writer
	timeout time.Duration
	user    string // list --user
	json    bool   // list --json
	cfg     session.Config
	db      *gorm.DB
	store   session.Store
}

// errNothing reports a driver that keeps nothing sessionctl can reach. It
// is an error: a cron job or an operator pointed at the wrong settings
// should hear about it.
type errNothing struct{ driver, why string }

func (e errNothing) Error() string {
	return fmt.Sprintf("SESSION_DRIVER=%s: %s; sessionctl works with the file, db and redis drivers", e.driver, e.why)
}

// config reads the environment and refuses the drivers whose sessions no
// other process can reach.
func (e *env) config() error {
	cfg, err := session.ConfigFromEnv()
	if err != nil {
		return err
	}
	if cfg.Driver == "" {
		cfg.Driver = "memory"
	}
	e.cfg = cfg
	switch cfg.Driver {
	case "memory":
		why := "the memory driver keeps sessions inside the application's own process, where another process cannot reach them"
		if strings.TrimSpace(os.Getenv("SESSION_DRIVER")) == "" {
			why += " (SESSION_DRIVER is not set, and memory is the default)"
		}
		return errNothing{"memory", why}
	case "cookie":
		return errNothing{"cookie", "the cookie driver keeps sessions in the browsers' cookies, not on the server"}
	}
	return nil
}

// open builds the store from the configuration, and for the db driver the
// database.
func (e *env) open() error {
	switch e.cfg.Driver {
	case "file":
		// filestore.New would create a missing folder: here that would hide
		// a wrong path behind "0 sessions".
		dir := e.cfg.FilePath
		if dir == "" {
			dir = session.DefaultFilePath
		}
		fi, err := os.Stat(dir)
		if err != nil {
			return fmt.Errorf("SESSION_FILE_PATH=%q: %w (is it the application's setting?)", dir, err)
		}
		if !fi.IsDir() {
			return fmt.Errorf("SESSION_FILE_PATH=%q: not a folder", dir)
		}
	case "db":
		db, err := openDB()
		if err != nil {
			return err
		}
		e.db = db
	}
	st, err := session.NewStoreFromConfig(e.cfg, e.db)
	if err != nil {
		return err
	}
	e.store = st
	return nil
}

// close closes the store (if it is an io.Closer) and the database.
func (e *env) close() error {
	var errs []error
	if c, ok := e.store.(io.Closer); ok {
		errs = append(errs, c.Close())
	}
	if e.db != nil {
		if sqlDB, err := e.db.DB(); err == nil {
			errs = append(errs, sqlDB.Close())
		}
	}
	return errors.Join(errs...)
}

func prune(ctx context.Context, e *env, _ []string) error {
	if err := e.config(); err != nil {
		return err
	}
	if e.cfg.Driver == "redis" {
		fmt.Fprintln(e.stdout, "nothing to prune: Redis expires session keys itself (SESSION_DRIVER=redis)")
		return nil
	}
	if err := e.open(); err != nil {
		return err
	}
	p, ok := e.store.(store.Pruner)
	if !ok {
		return fmt.Errorf("the %s driver cannot delete expired sessions (%T has no DeleteExpired)", e.cfg.Driver, e.store)
	}
	n, err := p.DeleteExpired(ctx)
	if err != nil {
		if n > 0 {
			return fmt.Errorf("deleted %d expired %s, then: %w", n, plural(n, "session"), err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "deleted %d expired %s\n", n, plural(n, "session"))
	return nil
}

func count(ctx context.Context, e *env, _ []string) error {
	if err := e.config(); err != nil {
		return err
	}
	if err := e.open(); err != nil {
		return err
	}
	c, ok := e.store.(store.Counter)
	if !ok {
		return fmt.Errorf("the %s driver cannot count its sessions (%T has no Count)", e.cfg.Driver, e.store)
	}
	n, err := c.Count(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintln(e.stdout, n)
	return nil
}

func revoke(ctx context.Context, e *env, args []string) error {
	user := args[0]
	if strings.TrimSpace(user) == "" {
		return errors.New("USER_ID is empty")
	}
	m, err := e.manager()
	if err != nil {
		return err
	}
	n, err := m.EndUserSessions(ctx, user, "")
	if errors.Is(err, session.ErrNoUserIndex) {
		return fmt.Errorf("the %s driver cannot list a user's sessions (%T has no user index)", e.cfg.Driver, e.store)
	}
	if err != nil {
		if n > 0 {
			return fmt.Errorf("ended %d %s of user %q, then: %w", n, plural(n, "session"), user, err)
		}
		return err
	}
	fmt.Fprintf(e.stdout, "ended %d %s of user %q\n", n, plural(n, "session"), user)
	return nil
}

// manager opens the store and returns a manager on it.
func (e *env) manager() (*session.Manager, error) {
	if err := e.config(); err != nil {
		return nil, err
	}
	if err := e.open(); err != nil {
		return nil, err
	}
	return session.New(e.store, e.cfg)
}

func list(ctx context.Context, e *env, _ []string) error {
	m, err := e.manager()
	if err != nil {
		return err
	}
	w := bufio.NewWriter(e.stdout)
	defer w.Flush()
	n := 0
	show := func(s session.SessionInfo) bool {
		if e.json {
			sep := ",\n  "
			if n == 0 {
				sep = "[\n  "
			}
			b, _ := json.Marshal(listed(s))
			fmt.Fprintf(w, "%s%s", sep, b)
		} else {
			user := s.User
			if user == "" {
				user = "-"
			}
			fmt.Fprintf(w, "%s\t%s\t%s\t%s\t%s\t%s\t%s\n", s.Handle, user, stamp(s.Created), stamp(s.LastActivity), stamp(s.Expires), orDash(s.IPAddress), orDash(s.UserAgent))
		}
		n++
		return true
	}
	if e.user != "" {
		var sessions []session.SessionInfo
		sessions, err = m.UserSessions(ctx, e.user)
		for _, s := range sessions {
			show(s)
		}
	} else {
		err = m.Sessions(ctx, show)
	}
	if errors.Is(err, session.ErrNoListing) || errors.Is(err, session.ErrNoUserIndex) {
		return fmt.Errorf("the %s driver cannot list its sessions (%T)", e.cfg.Driver, e.store)
	}
	if e.json {
		if n == 0 {
			fmt.Fprint(w, "[")
		}
		fmt.Fprint(w, "\n]\n")
	}
	return err
}

// listedSession is one session of "sessionctl list --json".
type listedSession struct {
	Handle       string    `json:"handle"`
	User         string    `json:"user,omitempty"`
	Created      time.Time `json:"created"`
	LastActivity time.Time `json:"last_active"`
	Expires      time.Time `json:"expires"`
	IPAddress    string    `json:"ip_address,omitempty"`
	UserAgent    string    `json:"user_agent,omitempty"`
}

func listed(s session.SessionInfo) listedSession {
	return listedSession{s.Handle, s.User, s.Created.UTC(), s.LastActivity.UTC(), s.Expires.UTC(), s.IPAddress, s.UserAgent}
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339) }

func orDash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func end(ctx context.Context, e *env, args []string) error {
	m, err := e.manager()
	if err != nil {
		return err
	}
	err = m.EndSession(ctx, args[0])
	if errors.Is(err, session.ErrNoListing) {
		return fmt.Errorf("the %s driver cannot end a session by handle (%T)", e.cfg.Driver, e.store)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stdout, "ended session %s (if it was live)\n", args[0])
	return nil
}

func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
