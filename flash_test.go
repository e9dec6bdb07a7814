package session_test

import (
	"log/slog"
	"net/http"
	"reflect"
	"strings"
	"testing"

	"github.com/seed-699a33a2/session"
	"github.com/seed-699a33a2/session/internal/backends"
	"github.com/seed-699a33a2/session/store/storetest"
)

func TestFlash(t *testing.T) {
	forEachDriver(t, func(t *testing.T, d backends.Driver) {
		clock := storetest.NewClock(timeNow(d))
		m := newManager(t, d.New(t, clock.Now), session.Config{Now: clock.Now})
		type data = map[string]interface{}
		get := func(b *browser, key string) (v interface{}, ok bool) {
			b.request(func(_ string, d data, _ http.ResponseWriter) { v, ok = m.GetFlash(d, key) })
			return
		}

		t.Run("ReadableInNextRequestOnly", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) { m.Flash(d, "success", "Saved.") })
			if v, ok := get(b, "success"); !ok || v != "Saved." {
				t.Fatalf("next request: GetFlash = %v, %v", v, ok)
			}
			if v, ok := get(b, "success"); ok {
				t.Fatalf("flash read twice: %v", v)
			}
		})
		t.Run("GoneAfterTwoRequestsUnread", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				m.Flash(d, "info", "hello")
				d["keep"] = "session alive"
			})
			b.request(nil) // does not read it
			if v, ok := get(b, "info"); ok {
				t.Fatalf("unread flash lived past the next request: %v", v)
			}
		})
		t.Run("SameRequest", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				m.Flash(d, "x", 1)
				if v, ok := m.GetFlash(d, "x"); !ok || v != 1 {
					t.Errorf("same-request GetFlash = %v, %v", v, ok)
				}
			})
			if v, ok := get(b, "x"); ok {
				t.Fatalf("flash read in its own request came back: %v", v)
			}
		})
		t.Run("TwiceOverwrites", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				m.Flash(d, "msg", "first")
				m.Flash(d, "msg", "second")
			})
			if v, _ := get(b, "msg"); v != "second" {
				t.Fatalf("GetFlash = %v, want second", v)
			}
		})
		t.Run("KeepsTypes", func(t *testing.T) {
			b := newBrowser(t, m)
			want := map[string][]string{"a": {"1", "2"}}
			b.request(func(_ string, d data, _ http.ResponseWriter) { m.Flash(d, "m", want) })
			if v, _ := get(b, "m"); !reflect.DeepEqual(v, want) {
				t.Fatalf("GetFlash = %#v, want %#v", v, want)
			}
		})
		t.Run("KeepCarriesOver", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				m.Flash(d, "a", "A")
				m.Flash(d, "b", "B")
			})
			b.request(func(_ string, d data, _ http.ResponseWriter) { session.Keep(d, "a") }) // a redirect hop
			if v, ok := get(b, "a"); !ok || v != "A" {
				t.Fatalf("kept flash: %v, %v", v, ok)
			}
			if v, ok := get(b, "b"); ok {
				t.Fatalf("flash not kept survived: %v", v)
			}
		})
		t.Run("ReflashCarriesAll", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				m.Flash(d, "a", "A")
				m.FlashOldInput(d, map[string]string{"name": "Ada"})
			})
			b.request(func(_ string, d data, _ http.ResponseWriter) { session.Reflash(d) })
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				if got := m.OldInput(d); got["name"] != "Ada" {
					t.Errorf("reflashed old input = %v", got)
				}
				if v, ok := m.GetFlash(d, "a"); !ok || v != "A" {
					t.Errorf("reflashed flash = %v, %v", v, ok)
				}
			})
		})
		t.Run("OldInputLeavesOutPasswords", func(t *testing.T) {
			b := newBrowser(t, m)
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				m.FlashOldInput(d, map[string]string{"email": "a@b.c", "password": "p", "password_confirmation": "p", "current_password": "q"})
				m.FlashErrors(d, map[string][]string{"email": {"taken"}})
			})
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				if got := m.OldInput(d); !reflect.DeepEqual(got, map[string]string{"email": "a@b.c"}) {
					t.Errorf("OldInput = %v", got)
				}
				if got := m.Errors(d); !reflect.DeepEqual(got, map[string][]string{"email": {"taken"}}) {
					t.Errorf("Errors = %v", got)
				}
			})
			b.request(func(_ string, d data, _ http.ResponseWriter) {
				if got := m.OldInput(d); len(got) != 0 {
					t.Errorf("OldInput a request later = %v", got)
				}
				if got := m.Errors(d); len(got) != 0 {
					t.Errorf("Errors a request later = %v", got)
				}
			})
		})
		t.Run("EmptiedByFlashReadKeepsID", func(t *testing.T) {
			b := newBrowser(t, m)
			first := b.request(func(_ string, d data, _ http.ResponseWriter) { m.Flash(d, "only", "x") })
			second := b.request(func(_ string, d data, _ http.ResponseWriter) { m.GetFlash(d, "only") })
			third := b.request(nil)
			if first != second || second != third {
				t.Fatalf("IDs changed: %s %s %s", first[:6], second[:6], third[:6])
			}
		})
	})
}

// TestOldInputNeverKeepsASecret: FlashOldInput drops every field whose
// name's words say it holds a secret, whatever Config.OldInputExclude says,
// and keeps the ordinary ones; OldInputExclude only adds names.
func TestOldInputNeverKeepsASecret(t *testing.T) {
	dropped := []string{
		"password", "password_confirmation", "current_password", "new_password", "confirm_password",
		"old_password", "user[password]", "passwd", "Password ", "password2", "newPassword", "pin", "otp",
		"cvv", "card_number", "secret", "api_key", "token", "cvv2", "userPIN", "APIKey", "private_key",
		"access-key", "user.pwd", "totp_code", "ssn", "IBAN", "pw", "cvc123", "apikey", "client_secret",
	}
	kept := []string{"name", "email", "username", "shipping_address", "spinner", "topic", "company", "keyword", "compass"}
	m := newManager(t, memStore(t), session.Config{OldInputExclude: []string{"Nickname"}})
	for _, empty := range [][]string{nil, {}} {
		m := newManager(t, memStore(t), session.Config{OldInputExclude: empty})
		data := map[string]any{}
		m.FlashOldInput(data, map[string]string{"password": "hunter2"})
		if got := m.OldInput(data); len(got) != 0 {
			t.Fatalf("OldInputExclude %#v: a password was kept: %v", empty, got)
		}
	}
	input := map[string]string{"nickname": "ace"}
	for _, f := range dropped {
		input[f] = "s3cret-" + f
	}
	for _, f := range kept {
		input[f] = "value-" + f
	}
	data := map[string]any{}
	m.FlashOldInput(data, input)
	got := m.OldInput(data)
	for _, f := range dropped {
		if _, ok := got[f]; ok {
			t.Errorf("field %q was kept", f)
		}
	}
	for _, f := range kept {
		if got[f] != "value-"+f {
			t.Errorf("field %q was dropped", f)
		}
	}
	if _, ok := got["nickname"]; ok {
		t.Error("a field named in OldInputExclude was kept")
	}
}

// TestOldInputDropsLongValues: a value over Config.OldInputMaxBytes (4 KiB
// by default) is dropped, not cut, and the drop is logged at Debug with the
// field's name (never its value).
func TestOldInputDropsLongValues(t *testing.T) {
	var logs strings.Builder
	logger := slog.New(slog.NewTextHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	m := newManager(t, memStore(t), session.Config{Logger: logger})
	data := map[string]any{}
	long := strings.Repeat("x", 4<<10+1)
	m.FlashOldInput(data, map[string]string{"name": strings.Repeat("n", 4<<10), "bio": long})
	got := m.OldInput(data)
	if _, ok := got["bio"]; ok || len(got["name"]) != 4<<10 {
		t.Fatalf("OldInput kept %d fields: bio %d bytes, name %d bytes", len(got), len(got["bio"]), len(got["name"]))
	}
	if out := logs.String(); !strings.Contains(out, "level=DEBUG") || !strings.Contains(out, "field=bio") || strings.Contains(out, "xxxx") {
		t.Fatalf("the drop is not logged at Debug by name only:\n%s", out)
	}
	m = newManager(t, memStore(t), session.Config{OldInputMaxBytes: -1})
	m.FlashOldInput(data, map[string]string{"bio": long})
	if len(m.OldInput(data)["bio"]) != len(long) {
		t.Fatal("OldInputMaxBytes -1 still dropped a long value")
	}
}
