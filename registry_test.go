package session_test

import (
	"errors"
	"slices"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/memstore"
)

// TestEveryRegisteredDriverIsTested: each value of SESSION_DRIVER has a
// backend in the tests that run every scenario on every driver, so a
// sixth driver cannot arrive untested.
func TestEveryRegisteredDriverIsTested(t *testing.T) {
	tested := map[string]bool{}
	for _, d := range backends.All(testSecret, session.DefaultCookieName) {
		tested[d.Registered] = true
	}
	for _, name := range session.DriverNames() {
		if !tested[name] && !strings.HasPrefix(name, "test") {
			t.Errorf("driver %q is registered but internal/backends builds no store of it", name)
		}
	}
	if want := []string{"cookie", "db", "file", "memory", "redis"}; !slices.Equal(session.DriverNames()[:5], want) {
		t.Errorf("DriverNames() = %v, want %v first", session.DriverNames(), want)
	}
}

// TestRegisterDriverAddsASESSION_DRIVERValue: a driver registered from
// outside is built by NewStore when SESSION_DRIVER names it, and listed.
func TestRegisterDriverAddsASESSION_DRIVERValue(t *testing.T) {
	var got session.StoreSettings
	session.RegisterDriver("testmine", func(s session.StoreSettings) (session.Store, error) {
		got = s
		return memstore.New(memstore.Options{Now: s.Now}), nil
	})
	if !slices.Contains(session.DriverNames(), "testmine") {
		t.Fatalf("DriverNames() = %v", session.DriverNames())
	}
	t.Setenv("SESSION_DRIVER", "TestMine")
	t.Setenv("SESSION_TABLE", "mine")
	st, err := session.NewStore(nil)
	if err != nil {
		t.Fatalf("NewStore: %v", err)
	}
	if _, ok := st.(*memstore.Store); !ok || got.Table != "mine" || got.Now == nil || got.Getenv == nil {
		t.Fatalf("NewStore built %T with settings %+v", st, got)
	}
	for _, bad := range []string{"", "Upper", "testmine"} {
		func() {
			defer func() {
				if recover() == nil {
					t.Errorf("RegisterDriver(%q) did not panic", bad)
				}
			}()
			session.RegisterDriver(bad, func(session.StoreSettings) (session.Store, error) { return nil, nil })
		}()
	}
}

// TestUnknownDriverListsTheAcceptedValues: the error of an unknown
// SESSION_DRIVER names the variable, the value and the registry's names.
func TestUnknownDriverListsTheAcceptedValues(t *testing.T) {
	t.Setenv("SESSION_DRIVER", "mongo")
	_, err := session.ConfigFromEnv()
	if !errors.Is(err, session.ErrConfig) || !strings.Contains(err.Error(), `SESSION_DRIVER="mongo"`) ||
		!strings.Contains(err.Error(), "cookie, db, file, memory, redis") {
		t.Fatalf("err = %v", err)
	}
	if _, err := session.OpenStore("mongo", session.StoreSettings{}); !errors.Is(err, session.ErrConfig) {
		t.Fatalf("OpenStore(mongo) = %v", err)
	}
}
