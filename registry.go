package session

import (
	"fmt"
	"log/slog"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"gorm.io/gorm"
)

// StoreSettings are what a driver's opener gets from NewStore: the
// driver-neutral settings of the SESSION_* environment, defaults filled
// in, and a way to read the variables only one driver knows. Each driver
// reads the fields it needs.
type StoreSettings struct {
	// Getenv reads the variables that only one driver knows (the redis
	// driver's SESSION_REDIS_URL and REDIS_*). Nil means os.Getenv.
	Getenv func(string) string
	// DB is the application's database, for the db driver; nil otherwise.
	DB *gorm.DB
	// Now is the clock stores compare expiries with. Nil means time.Now.
	Now func() time.Time
	// Logger receives the store's warnings (the redis driver's "Redis is
	// not answering" at start-up). Nil means slog.Default().
	Logger *slog.Logger

	FilePath        string   // file: the folder (SESSION_FILE_PATH)
	Table           string   // db: the table (SESSION_TABLE)
	Prefix          string   // redis: the key prefix (SESSION_PREFIX)
	Secret          []byte   // cookie: the sealing secret (SESSION_SECRET)
	PreviousSecrets [][]byte // cookie: older secrets that still open (SESSION_PREVIOUS_SECRETS)
	CookieName      string   // cookie: the cookie's name, bound into every seal (SESSION_COOKIE)
	MemoryLimit     int64    // memory: the byte budget (SESSION_MEMORY_LIMIT); 0 means none
}

func (s StoreSettings) getenv(name string) string {
	if s.Getenv == nil {
		return os.Getenv(name)
	}
	return s.Getenv(name)
}

func (s StoreSettings) logger() *slog.Logger {
	if s.Logger == nil {
		return slog.Default()
	}
	return s.Logger
}

// An Opener builds the store of one driver from settings. Its errors name
// the variable and the value at fault.
type Opener func(StoreSettings) (Store, error)

// registry maps the values of SESSION_DRIVER to their openers: the five
// drivers of this module (drivers.go), and those added by RegisterDriver.
var registry = struct {
	sync.RWMutex
	m map[string]Opener
}{m: map[string]Opener{
	"cookie": openCookie,
	"db":     openDB,
	"file":   openFile,
	"memory": openMemory,
	"redis":  openRedis,
}}

// RegisterDriver makes a store of your own a value of SESSION_DRIVER, for
// NewStore and middleware.Session: name (lower case) maps to open. It
// panics on an empty or upper-case name, a name taken already, or a nil
// opener; call it from an init function or early in main. It is safe for
// concurrent use.
func RegisterDriver(name string, open Opener) {
	if name == "" || name != strings.ToLower(name) || open == nil {
		panic(fmt.Sprintf("session: RegisterDriver(%q): want a lower-case name and an opener", name))
	}
	registry.Lock()
	defer registry.Unlock()
	if _, ok := registry.m[name]; ok {
		panic(fmt.Sprintf("session: RegisterDriver(%q): the name is taken", name))
	}
	registry.m[name] = open
}

// DriverNames returns the accepted values of SESSION_DRIVER, sorted: cookie,
// db, file, memory, redis, and those added with RegisterDriver.
func DriverNames() []string {
	registry.RLock()
	defer registry.RUnlock()
	names := make([]string, 0, len(registry.m))
	for name := range registry.m {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// OpenStore builds the store of the named driver (a value of
// SESSION_DRIVER) from s. An unknown name is an error wrapping ErrConfig
// that lists the accepted values.
func OpenStore(driver string, s StoreSettings) (Store, error) {
	registry.RLock()
	open, ok := registry.m[driver]
	registry.RUnlock()
	if !ok {
		return nil, unknownDriver(driver)
	}
	return open(s)
}

func unknownDriver(value string) error {
	return fmt.Errorf("%w: SESSION_DRIVER=%q: accepted values are %s", ErrConfig, value, strings.Join(DriverNames(), ", "))
}
