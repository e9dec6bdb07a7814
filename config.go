package session

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Defaults applied to the zero values of Config.
const (
	DefaultLifetime    = 120 * time.Minute
	DefaultCookieName  = "rapidgo_session"
	DefaultPath        = "/"
	DefaultFilePath    = "storage/sessions"
	DefaultMaxDataSize = 1 << 20
	DefaultTable       = "sessions"
	DefaultPrefix      = "session:"
	// DefaultOldInputMaxBytes is the longest form value FlashOldInput keeps
	// by default.
	DefaultOldInputMaxBytes = 4 << 10
	// DefaultMemoryLimit is the memory driver's byte budget that NewStore
	// sets when SESSION_MEMORY_LIMIT is unset.
	DefaultMemoryLimit = 64 << 20
)

// Config configures a Manager, and NewStore through the driver settings
// grouped at its end.
// The zero value means the documented defaults: a 120-minute idle
// lifetime, cookie "rapidgo_session" with Path "/", HttpOnly and
// SameSite=Lax, not Secure.
type Config struct {
	// Lifetime is the idle timeout (SESSION_LIFETIME): each write or touch
	// moves the expiry to now + Lifetime. Zero means 120 minutes; values
	// under one second are an error.
	Lifetime time.Duration

	// AbsoluteLifetime caps a session's age however active it is
	// (SESSION_ABSOLUTE_LIFETIME): its expiry is never later than its
	// creation plus AbsoluteLifetime, on the server, inside the sealed
	// cookie and in the cookie's Max-Age. Zero means the larger of 24 hours
	// and Lifetime; a negative value turns the cap off (SESSION_ABSOLUTE_LIFETIME=0).
	AbsoluteLifetime time.Duration

	// TouchInterval is how long after a write or touch an unchanged session
	// is touched again to slide its expiry. Zero means a quarter of the
	// session's idle timeout.
	TouchInterval time.Duration

	// CookieName is the session cookie's name (SESSION_COOKIE). Empty
	// means "rapidgo_session". A "__Host-" name requires Secure, Path "/"
	// and no Domain; a "__Secure-" name requires Secure.
	CookieName string
	// Secure marks the cookie HTTPS-only (SESSION_SECURE).
	Secure bool
	// DisableHTTPOnly lets scripts read the cookie (SESSION_HTTPONLY=false).
	DisableHTTPOnly bool
	// SameSite is the cookie's SameSite mode (SESSION_SAMESITE). Zero (and
	// http.SameSiteDefaultMode) mean Lax; None requires Secure.
	SameSite http.SameSite
	// Path is the cookie's Path (SESSION_PATH). Empty means "/".
	Path string
	// Domain is the cookie's Domain (SESSION_DOMAIN). Empty means host-only.
	Domain string
	// ExpireOnClose makes session cookies browser-session cookies, without
	// Max-Age or Expires, which the browser drops when it closes
	// (SESSION_EXPIRE_ON_CLOSE); the server still enforces the idle and
	// absolute timeouts. RememberMe makes one session's cookie persistent.
	ExpireOnClose bool
	// Partitioned adds the Partitioned attribute (CHIPS) to the session
	// cookie and its deletion cookie (SESSION_PARTITIONED_COOKIE), for an
	// application embedded in other sites. It requires Secure.
	Partitioned bool

	// MaxDataSize caps the encoded session data in bytes; a larger session
	// makes Save return ErrTooLarge. Zero means 1 MiB.
	MaxDataSize int

	// OldInputExclude names form fields FlashOldInput never stores, beside
	// those whose names say they hold a secret, which it never stores
	// anyway (password, pin, token, card_number, api_key ...: see the
	// README). Names compare case-insensitively.
	OldInputExclude []string

	// OldInputMaxBytes is the longest form value FlashOldInput keeps;
	// longer values are dropped (not cut) and logged at Debug. Zero means
	// 4 KiB; a negative value means no limit.
	OldInputMaxBytes int

	// Blocking, when set, picks the requests that must run one at a time per
	// session (like Laravel's block): for them the middleware takes the
	// session's lock before loading it and releases it after saving, so a
	// second request on the same session waits. Waiting longer than
	// BlockWait fails the request with an error wrapping ErrLockTimeout
	// (answered by ErrorHandler; by default 503). A lock is held at most
	// BlockLease, so a crashed holder does not block the session forever.
	// Needs a store with store.Locker: every server-side driver; not the
	// cookie driver.
	Blocking func(r *http.Request) bool
	// BlockWait is how long a blocked request waits. Zero means 10 seconds.
	BlockWait time.Duration
	// BlockLease is how long a lock lasts at most. Zero means 1 minute.
	BlockLease time.Duration

	// OnStoreEvent, if set, is called after every store call the manager
	// makes, with what it was, how long it took, how many bytes it moved and
	// how it ended: the hook for metrics (package otelsession records them
	// with OpenTelemetry). It runs on the request's goroutine and must be
	// fast and safe for concurrent use.
	OnStoreEvent func(ctx context.Context, e StoreEvent)

	// Logger receives the manager's warnings and errors. Nil means
	// slog.Default() at the time of logging.
	Logger *slog.Logger

	// ErrorHandler answers a request whose session failed to load or save
	// in the middleware. Nil means: log the error and reply 500 with no
	// details in the body.
	ErrorHandler func(w http.ResponseWriter, r *http.Request, err error)

	// Now is the clock. Nil means time.Now.
	Now func() time.Time

	// Encrypt seals each session's data before the store sees it, and
	// opens it after every load (SESSION_ENCRYPT: true, or migrate for the
	// switch-over of a store of plain sessions), with XChaCha20-Poly1305
	// under a key derived from Secret for this purpose only, bound to the
	// session's hashed ID; PreviousSecrets open older records. For the
	// file, redis and db drivers (the memory driver keeps nothing at rest,
	// and the cookie driver seals its cookies already). What stays in clear
	// is metadata: the times, the user ID, the IP address and user agent.
	Encrypt Encryption

	// Driver settings. NewStore (and the driver it builds) reads the fields
	// below; the Manager does not, except Secret and PreviousSecrets.

	// Driver is the store driver NewStore builds (SESSION_DRIVER): cookie,
	// db, file, memory, redis, or one added with RegisterDriver. Empty
	// means memory.
	Driver string
	// Secret seals cookies for the cookie driver (SESSION_SECRET, raw
	// bytes, at least 32). PreviousSecrets still open cookies sealed before
	// a rotation (SESSION_PREVIOUS_SECRETS, comma-separated).
	Secret          []byte
	PreviousSecrets [][]byte
	// FilePath is the file driver's folder (SESSION_FILE_PATH). Empty means
	// "storage/sessions".
	FilePath string
	// Table is the db driver's table (SESSION_TABLE). Empty means "sessions".
	Table string
	// Prefix is the redis driver's key prefix (SESSION_PREFIX). Empty means
	// "session:".
	Prefix string
	// untrimmedSecret is SESSION_SECRET as set, when trimming changed it:
	// NewStore adds it to the previous secrets (and warns).
	untrimmedSecret []byte

	// MemoryLimit is the memory driver's byte budget
	// (SESSION_MEMORY_LIMIT: bytes, or a size such as 64MiB or 1GB), which
	// anonymous traffic cannot push signed-in sessions out of (see
	// memstore.Options.MaxBytes). Zero means 64 MiB; a negative value means
	// none (SESSION_MEMORY_LIMIT=0).
	MemoryLimit int64
}

// ConfigFromEnv reads the SESSION_* environment variables into a Config.
// A value that does not parse is an error (wrapping ErrConfig) that names the
// variable and the value; nothing falls back to a default silently.
// SESSION_SECRET is never echoed.
func ConfigFromEnv() (Config, error) {
	return configFrom(os.Getenv)
}

func configFrom(get func(string) string) (Config, error) {
	var c Config
	bad := func(name, value, why string) error {
		return fmt.Errorf("%w: %s=%q: %s", ErrConfig, name, value, why)
	}
	if v := strings.TrimSpace(get("SESSION_DRIVER")); v != "" {
		d := strings.ToLower(v)
		if !slices.Contains(DriverNames(), d) {
			return c, bad("SESSION_DRIVER", v, "accepted values are "+strings.Join(DriverNames(), ", "))
		}
		c.Driver = d
	}
	if v := get("SESSION_LIFETIME"); v != "" {
		d, err := parseLifetime(v)
		if err != nil {
			return c, bad("SESSION_LIFETIME", v, err.Error())
		}
		c.Lifetime = d
	}
	if v := get("SESSION_ABSOLUTE_LIFETIME"); v != "" {
		if strings.TrimSpace(v) == "0" {
			c.AbsoluteLifetime = -1
		} else {
			d, err := parseLifetime(v)
			if err != nil {
				return c, bad("SESSION_ABSOLUTE_LIFETIME", v, err.Error()+" (0 turns it off)")
			}
			c.AbsoluteLifetime = d
		}
	}
	if raw := get("SESSION_SECRET"); raw != "" {
		// Trimmed, as every previous secret is: a trailing newline from a
		// secrets file must not sign everyone out at the next rotation.
		// The untrimmed value, which older releases used as the key, still
		// opens what it sealed.
		c.Secret = []byte(strings.TrimSpace(raw))
		if string(c.Secret) != raw {
			c.untrimmedSecret = []byte(raw)
		}
	}
	if v := get("SESSION_PREVIOUS_SECRETS"); v != "" {
		for _, s := range strings.Split(v, ",") {
			if s = strings.TrimSpace(s); s != "" {
				c.PreviousSecrets = append(c.PreviousSecrets, []byte(s))
			}
		}
	}
	c.CookieName = get("SESSION_COOKIE")
	for _, b := range []struct {
		name string
		dst  *bool
		inv  bool
	}{
		{"SESSION_SECURE", &c.Secure, false}, {"SESSION_HTTPONLY", &c.DisableHTTPOnly, true},
		{"SESSION_EXPIRE_ON_CLOSE", &c.ExpireOnClose, false}, {"SESSION_PARTITIONED_COOKIE", &c.Partitioned, false},
	} {
		v := get(b.name)
		if v == "" {
			continue
		}
		on, err := strconv.ParseBool(strings.TrimSpace(v))
		if err != nil {
			return c, bad(b.name, v, "want a boolean (true, false, 1, 0)")
		}
		*b.dst = on != b.inv
	}
	if v := get("SESSION_SAMESITE"); v != "" {
		switch strings.ToLower(strings.TrimSpace(v)) {
		case "lax":
			c.SameSite = http.SameSiteLaxMode
		case "strict":
			c.SameSite = http.SameSiteStrictMode
		case "none":
			c.SameSite = http.SameSiteNoneMode
		default:
			return c, bad("SESSION_SAMESITE", v, "accepted values are lax, strict, none")
		}
	}
	if v := get("SESSION_ENCRYPT"); v != "" {
		e, err := parseEncryption(v)
		if err != nil {
			return c, bad("SESSION_ENCRYPT", v, err.Error())
		}
		c.Encrypt = e
	}
	c.Path = get("SESSION_PATH")
	c.Domain = get("SESSION_DOMAIN")
	c.FilePath = get("SESSION_FILE_PATH")
	c.Table = get("SESSION_TABLE")
	c.Prefix = get("SESSION_PREFIX")
	if v := get("SESSION_MEMORY_LIMIT"); v != "" {
		n, err := parseSize(v)
		if err != nil {
			return c, bad("SESSION_MEMORY_LIMIT", v, err.Error())
		}
		c.MemoryLimit = n
		if n == 0 {
			c.MemoryLimit = -1 // 0 turns the budget off
		}
	}
	if err := c.validate(); err != nil {
		return c, err
	}
	return c, nil
}

// parseLifetime reads an integer as minutes and anything else as a Go
// duration.
func parseLifetime(v string) (time.Duration, error) {
	v = strings.TrimSpace(v)
	var d time.Duration
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n > int64(1<<62)/int64(time.Minute) {
			return 0, fmt.Errorf("too large")
		}
		d = time.Duration(n) * time.Minute
	} else {
		d, err = time.ParseDuration(v)
		if err != nil {
			return 0, fmt.Errorf("want minutes (120) or a Go duration (90s, 2h)")
		}
	}
	if d < time.Second {
		return 0, fmt.Errorf("must be at least one second")
	}
	return d, nil
}

// sizeUnits are the units parseSize accepts, lower-cased: SI and binary.
var sizeUnits = map[string]float64{
	"": 1, "b": 1,
	"k": 1e3, "kb": 1e3, "m": 1e6, "mb": 1e6, "g": 1e9, "gb": 1e9, "t": 1e12, "tb": 1e12,
	"kib": 1 << 10, "mib": 1 << 20, "gib": 1 << 30, "tib": 1 << 40,
}

// parseSize reads a number of bytes, with an optional unit (64MiB, 1GB,
// 1.5 GiB, 1048576).
func parseSize(v string) (int64, error) {
	v = strings.TrimSpace(v)
	i := strings.IndexFunc(v, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(v)
	}
	num, unit := v[:i], strings.ToLower(strings.TrimSpace(v[i:]))
	f, err := strconv.ParseFloat(num, 64)
	mult, ok := sizeUnits[unit]
	if err != nil || !ok || f < 0 || f*mult > float64(1<<62) {
		return 0, fmt.Errorf("want bytes, or a size with a unit: 64MiB, 512KiB, 1GB (0 turns the budget off)")
	}
	return int64(f * mult), nil
}

// withDefaults returns c with its zero values replaced by the defaults.
func (c Config) withDefaults() Config {
	if c.Driver == "" {
		c.Driver = "memory"
	}
	if c.Lifetime == 0 {
		c.Lifetime = DefaultLifetime
	}
	if c.AbsoluteLifetime == 0 {
		c.AbsoluteLifetime = max(24*time.Hour, c.Lifetime)
	}
	if c.CookieName == "" {
		c.CookieName = DefaultCookieName
	}
	if c.SameSite == 0 || c.SameSite == http.SameSiteDefaultMode {
		c.SameSite = http.SameSiteLaxMode
	}
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.FilePath == "" {
		c.FilePath = DefaultFilePath
	}
	if c.Table == "" {
		c.Table = DefaultTable
	}
	if c.Prefix == "" {
		c.Prefix = DefaultPrefix
	}
	if c.BlockWait == 0 {
		c.BlockWait = 10 * time.Second
	}
	if c.BlockLease == 0 {
		c.BlockLease = time.Minute
	}
	if c.MaxDataSize == 0 {
		c.MaxDataSize = DefaultMaxDataSize
	}
	if c.MemoryLimit == 0 {
		c.MemoryLimit = DefaultMemoryLimit
	}
	if c.OldInputMaxBytes == 0 {
		c.OldInputMaxBytes = DefaultOldInputMaxBytes
	}
	if c.Now == nil {
		c.Now = time.Now
	}
	return c
}

// validate reports the first setting that would make a broken or unsafe
// cookie. Messages name the environment variable that sets the field.
func (c Config) validate() error {
	c = c.withDefaults()
	bad := func(format string, args ...any) error {
		return fmt.Errorf("%w: "+format, append([]any{ErrConfig}, args...)...)
	}
	if c.Lifetime < time.Second {
		return bad("SESSION_LIFETIME=%s: must be at least one second", c.Lifetime)
	}
	if c.AbsoluteLifetime > 0 && c.AbsoluteLifetime < time.Second {
		return bad("SESSION_ABSOLUTE_LIFETIME=%s: must be at least one second", c.AbsoluteLifetime)
	}
	if c.AbsoluteLifetime > 0 && c.AbsoluteLifetime < c.Lifetime {
		return bad("SESSION_ABSOLUTE_LIFETIME=%s is shorter than SESSION_LIFETIME=%s: every session would end at its absolute lifetime before it could go idle; set it to at least the idle timeout, or 0 to turn it off", c.AbsoluteLifetime, c.Lifetime)
	}
	if c.BlockWait < 0 || c.BlockLease < 0 {
		return bad("BlockWait=%s, BlockLease=%s: must not be negative", c.BlockWait, c.BlockLease)
	}
	if c.TouchInterval < 0 {
		return bad("TouchInterval=%s: must not be negative", c.TouchInterval)
	}
	if c.MaxDataSize < 0 {
		return bad("MaxDataSize=%d: must not be negative", c.MaxDataSize)
	}
	if !validCookieName(c.CookieName) {
		return bad("SESSION_COOKIE=%q: not a valid cookie name (letters, digits and !#$%%&'*+-.^_`|~ only)", c.CookieName)
	}
	switch c.SameSite {
	case http.SameSiteLaxMode, http.SameSiteStrictMode:
	case http.SameSiteNoneMode:
		if !c.Secure {
			return bad("SESSION_SAMESITE=none requires SESSION_SECURE=true (browsers reject SameSite=None cookies that are not Secure)")
		}
	default:
		return bad("SameSite=%d: accepted values are lax, strict, none", c.SameSite)
	}
	if !strings.HasPrefix(c.Path, "/") || strings.ContainsAny(c.Path, ";\r\n\x00") || !printable(c.Path) {
		return bad("SESSION_PATH=%q: must start with / and hold no ';' or control characters", c.Path)
	}
	if c.Domain != "" && !validDomain(c.Domain) {
		return bad("SESSION_DOMAIN=%q: not a valid cookie domain", c.Domain)
	}
	if strings.HasPrefix(c.CookieName, "__Host-") && (!c.Secure || c.Path != "/" || c.Domain != "") {
		return bad("SESSION_COOKIE=%q: a __Host- cookie requires SESSION_SECURE=true, SESSION_PATH=/ and no SESSION_DOMAIN", c.CookieName)
	}
	if c.Partitioned && !c.Secure {
		return bad("SESSION_PARTITIONED_COOKIE=true requires SESSION_SECURE=true (browsers accept Partitioned cookies only with Secure)")
	}
	if strings.HasPrefix(c.CookieName, "__Secure-") && !c.Secure {
		return bad("SESSION_COOKIE=%q: a __Secure- cookie requires SESSION_SECURE=true", c.CookieName)
	}
	return nil
}

func validCookieName(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("!#$%&'*+-.^_`|~", c) >= 0 {
			continue
		}
		return false
	}
	return true
}

func validDomain(s string) bool {
	s = strings.TrimPrefix(s, ".")
	if s == "" || len(s) > 253 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || c == '-' || c == '.' || c == ':' || c == '[' || c == ']') {
			return false
		}
	}
	return true
}

func printable(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 0x20 || s[i] == 0x7f {
			return false
		}
	}
	return true
}
