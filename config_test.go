package session_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/seed-699a33a2/session"
)

func TestConfigFromEnvDefaults(t *testing.T) {
	for _, v := range []string{"SESSION_DRIVER", "SESSION_LIFETIME", "SESSION_COOKIE", "SESSION_SECURE", "SESSION_HTTPONLY", "SESSION_SAMESITE", "SESSION_PATH"} {
		t.Setenv(v, "")
	}
	cfg, err := session.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	m := newManager(t, memStore(t), cfg)
	got := m.Config()
	if got.Lifetime != 120*time.Minute || got.CookieName != "rapidgo_session" || got.Path != "/" ||
		got.SameSite != http.SameSiteLaxMode || got.DisableHTTPOnly || got.Secure || got.FilePath != "storage/sessions" {
		t.Fatalf("defaults: %+v", got)
	}
	// The zero Config means the same.
	zero := newManager(t, memStore(t), session.Config{}).Config()
	if zero.Lifetime != got.Lifetime || zero.CookieName != got.CookieName || zero.SameSite != got.SameSite || zero.Path != got.Path || zero.DisableHTTPOnly {
		t.Fatalf("zero Config: %+v", zero)
	}
}

func TestConfigFromEnvParses(t *testing.T) {
	t.Setenv("SESSION_DRIVER", "FILE")
	t.Setenv("SESSION_LIFETIME", "90s")
	t.Setenv("SESSION_COOKIE", "__Host-sid")
	t.Setenv("SESSION_SECURE", "1")
	t.Setenv("SESSION_HTTPONLY", "false")
	t.Setenv("SESSION_SAMESITE", "Strict")
	t.Setenv("SESSION_PREVIOUS_SECRETS", "one, two")
	cfg, err := session.ConfigFromEnv()
	if err != nil {
		t.Fatal(err)
	}
	if cfg.Driver != "file" || cfg.Lifetime != 90*time.Second || !cfg.Secure || !cfg.DisableHTTPOnly ||
		cfg.SameSite != http.SameSiteStrictMode || cfg.CookieName != "__Host-sid" || len(cfg.PreviousSecrets) != 2 {
		t.Fatalf("parsed %+v", cfg)
	}
	t.Setenv("SESSION_LIFETIME", "30")
	if cfg, _ := session.ConfigFromEnv(); cfg.Lifetime != 30*time.Minute {
		t.Fatalf("SESSION_LIFETIME=30 is %v, want 30 minutes", cfg.Lifetime)
	}
}

func TestConfigErrorsNameVariableAndValue(t *testing.T) {
	cases := []struct {
		name string
		env  map[string]string
		want []string
	}{
		{"UnknownDriver", map[string]string{"SESSION_DRIVER": "mongo"}, []string{"SESSION_DRIVER", "mongo", "cookie, db, file, memory, redis"}},
		{"LifetimeNotANumber", map[string]string{"SESSION_LIFETIME": "soon"}, []string{"SESSION_LIFETIME", "soon"}},
		{"LifetimeZero", map[string]string{"SESSION_LIFETIME": "0"}, []string{"SESSION_LIFETIME", "at least one second"}},
		{"LifetimeSubSecond", map[string]string{"SESSION_LIFETIME": "500ms"}, []string{"SESSION_LIFETIME", "500ms"}},
		{"LifetimeNegative", map[string]string{"SESSION_LIFETIME": "-5"}, []string{"SESSION_LIFETIME", "-5"}},
		{"SecureNotBool", map[string]string{"SESSION_SECURE": "yes please"}, []string{"SESSION_SECURE", "yes please"}},
		{"HTTPOnlyNotBool", map[string]string{"SESSION_HTTPONLY": "maybe"}, []string{"SESSION_HTTPONLY", "maybe"}},
		{"SameSiteUnknown", map[string]string{"SESSION_SAMESITE": "loose"}, []string{"SESSION_SAMESITE", "loose"}},
		{"SameSiteNoneInsecure", map[string]string{"SESSION_SAMESITE": "none"}, []string{"SESSION_SAMESITE=none", "SESSION_SECURE"}},
		{"BadCookieName", map[string]string{"SESSION_COOKIE": "my session"}, []string{"SESSION_COOKIE", "my session"}},
		{"HostPrefixInsecure", map[string]string{"SESSION_COOKIE": "__Host-s"}, []string{"SESSION_COOKIE", "__Host-"}},
		{"HostPrefixWithDomain", map[string]string{"SESSION_COOKIE": "__Host-s", "SESSION_SECURE": "true", "SESSION_DOMAIN": "example.com"}, []string{"__Host-", "SESSION_DOMAIN"}},
		{"HostPrefixWithPath", map[string]string{"SESSION_COOKIE": "__Host-s", "SESSION_SECURE": "true", "SESSION_PATH": "/app"}, []string{"__Host-", "SESSION_PATH"}},
		{"SecurePrefixInsecure", map[string]string{"SESSION_COOKIE": "__Secure-s"}, []string{"SESSION_COOKIE", "__Secure-"}},
		{"BadPath", map[string]string{"SESSION_PATH": "app"}, []string{"SESSION_PATH", "app"}},
		{"BadDomain", map[string]string{"SESSION_DOMAIN": "exa mple.com"}, []string{"SESSION_DOMAIN", "exa mple.com"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			for k, v := range tc.env {
				t.Setenv(k, v)
			}
			_, err := session.ConfigFromEnv()
			if !errors.Is(err, session.ErrConfig) {
				t.Fatalf("err = %v, want ErrConfig", err)
			}
			for _, w := range tc.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %q does not mention %q", err, w)
				}
			}
			func() {
				defer func() {
					if r := recover(); r == nil || !strings.Contains(r.(error).Error(), tc.want[0]) {
						t.Errorf("NewManager: panic %v", r)
					}
				}()
				session.NewManager(memStore(t))
			}()
		})
	}
}

func TestNewStoreDrivers(t *testing.T) {
	t.Run("DefaultIsMemory", func(t *testing.T) {
		t.Setenv("SESSION_DRIVER", "")
		st, err := session.NewStore(nil)
		if err != nil || st == nil {
			t.Fatal(err)
		}
	})
	t.Run("File", func(t *testing.T) {
		t.Setenv("SESSION_DRIVER", "file")
		t.Setenv("SESSION_FILE_PATH", t.TempDir()+"/s")
		if _, err := session.NewStore(nil); err != nil {
			t.Fatal(err)
		}
	})
	// Flaw 10: NewStore with driver db and a nil *gorm.DB panicked.
	t.Run("Flaw10_DBWithNilIsAnError", func(t *testing.T) {
		t.Setenv("SESSION_DRIVER", "db")
		_, err := session.NewStore(nil)
		if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), "*gorm.DB") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("CookieWithoutSecret", func(t *testing.T) {
		t.Setenv("SESSION_DRIVER", "cookie")
		t.Setenv("SESSION_SECRET", "")
		_, err := session.NewStore(nil)
		if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), "openssl rand") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("CookieShortSecret", func(t *testing.T) {
		t.Setenv("SESSION_DRIVER", "cookie")
		t.Setenv("SESSION_SECRET", "Xy7#kP2q")
		_, err := session.NewStore(nil)
		if err == nil || !strings.Contains(err.Error(), "SESSION_SECRET") || strings.Contains(err.Error(), "Xy7#kP2q") {
			t.Fatalf("err = %v", err)
		}
	})
	t.Run("RedisBadURL", func(t *testing.T) {
		t.Setenv("SESSION_DRIVER", "redis")
		t.Setenv("SESSION_REDIS_URL", "http://nope")
		_, err := session.NewStore(nil)
		if err == nil || !strings.Contains(err.Error(), "SESSION_REDIS_URL") {
			t.Fatalf("err = %v", err)
		}
	})
}

func TestNewRejectsNilStore(t *testing.T) {
	if _, err := session.New(nil, session.Config{}); !errors.Is(err, session.ErrConfig) {
		t.Fatalf("err = %v", err)
	}
}
