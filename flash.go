package session

import (
	"strings"

	"github.com/seed-699a33a2/session/internal/codec"
)

// Flash entries are kept one top-level entry per flash, so that two
// requests touching different flashes change different keys. An entry under
// flashNew was set by this request; at the next Start it moves to flashNow,
// where it can be read; at the Start after that it is gone.
const (
	flashNew = ReservedPrefix + "new:"
	flashNow = ReservedPrefix + "now:"

	oldInputFlash = ReservedPrefix + "input"
	errorsFlash   = ReservedPrefix + "errors"

	// flashThis starts the flashes of FlashNow: for this request only.
	// Entries under it are never encoded, compared or merged (see
	// requestOnly), so they are never stored and cause no write.
	flashThis = ReservedPrefix + "request:"
)

// requestOnly reports whether the entry under k lives for this request
// only (FlashNow): encoding, change detection and merge skip it.
func requestOnly(k string) bool { return strings.HasPrefix(k, flashThis) }

// FlashNow keeps value under key for this request only, as Laravel's
// session()->now() and Rails' flash.now do: GetFlash reads it while the
// request lasts (a page rendered without a redirect), and it is never
// stored, nor makes the session be written.
func (m *Manager) FlashNow(data map[string]any, key string, value any) {
	data[flashThis+key] = value
}

// Flash stores value under key for the next request (and this one): read it
// with GetFlash. Flashing a key twice keeps the last value. Values follow the
// same type rules as any session value.
func (m *Manager) Flash(data map[string]interface{}, key string, value interface{}) {
	delete(data, flashNow+key)
	data[flashNew+key] = value
}

// GetFlash returns the flash stored under key and removes it, so that it is
// shown once. It finds flashes set in the previous request and in this one,
// with Flash or FlashNow.
func (m *Manager) GetFlash(data map[string]interface{}, key string) (interface{}, bool) {
	if v, ok := data[flashThis+key]; ok {
		delete(data, flashThis+key)
		return v, true
	}
	if v, ok := data[flashNew+key]; ok {
		delete(data, flashNew+key)
		delete(data, flashNow+key)
		return v, true
	}
	if v, ok := data[flashNow+key]; ok {
		delete(data, flashNow+key)
		return v, true
	}
	return nil, false
}

// peekFlash returns a flash without removing it.
func peekFlash(data map[string]any, key string) (any, bool) {
	if v, ok := data[flashNew+key]; ok {
		return v, true
	}
	v, ok := data[flashNow+key]
	return v, ok
}

// FlashOldInput keeps submitted form values for the next request, so that a
// form shown again after a failed validation can be filled in (read them with
// OldInput). A field whose name says it holds a secret (password, PIN,
// token, card number...: see secretField) is never stored, nor any field
// named in Config.OldInputExclude; a value longer than
// Config.OldInputMaxBytes (4 KiB by default) is dropped, not cut, and
// logged at Debug with its field name. The map is copied.
func (m *Manager) FlashOldInput(data map[string]interface{}, input map[string]string) {
	kept := make(map[string]string, len(input))
	for k, v := range input {
		switch {
		case secretField(k) || m.excluded(k):
		case m.cfg.OldInputMaxBytes > 0 && len(v) > m.cfg.OldInputMaxBytes:
			m.logger().Debug("session: old input value dropped: longer than Config.OldInputMaxBytes",
				"field", k, "bytes", len(v), "max", m.cfg.OldInputMaxBytes)
		default:
			kept[k] = v
		}
	}
	m.Flash(data, oldInputFlash, kept)
}

// excluded reports whether Config.OldInputExclude names field.
func (m *Manager) excluded(field string) bool {
	field = strings.TrimSpace(field)
	for _, x := range m.cfg.OldInputExclude {
		if strings.EqualFold(strings.TrimSpace(x), field) {
			return true
		}
	}
	return false
}

// OldInput returns the form values FlashOldInput stored in the previous
// request (or this one), or an empty map. Unlike GetFlash it does not remove
// them: a template may read them field by field, and they are gone after
// the next request all the same.
func (m *Manager) OldInput(data map[string]any) map[string]string {
	if v, ok := peekFlash(data, oldInputFlash); ok {
		if in, ok := v.(map[string]string); ok {
			return in
		}
	}
	return map[string]string{}
}

// FlashErrors keeps validation errors (field name to messages) for the next
// request; read them with Errors. The map is copied.
func (m *Manager) FlashErrors(data map[string]interface{}, errs map[string][]string) {
	kept := make(map[string][]string, len(errs))
	for k, v := range errs {
		kept[k] = append([]string(nil), v...)
	}
	m.Flash(data, errorsFlash, kept)
}

// Errors returns the validation errors FlashErrors stored in the previous
// request (or this one), or an empty map. Like OldInput it does not remove
// them.
func (m *Manager) Errors(data map[string]any) map[string][]string {
	if v, ok := peekFlash(data, errorsFlash); ok {
		if e, ok := v.(map[string][]string); ok {
			return e
		}
	}
	return map[string][]string{}
}

// Keep carries the named flashes that this request can read over to the
// next request as well (for a chain of redirects).
func Keep(data map[string]any, keys ...string) {
	for _, k := range keys {
		if v, ok := data[flashNow+k]; ok {
			delete(data, flashNow+k)
			data[flashNew+k] = v
		}
	}
}

// Reflash carries every flash that this request can read, old input and
// errors included, over to the next request as well.
func Reflash(data map[string]any) {
	var now []string
	for k := range data {
		if strings.HasPrefix(k, flashNow) {
			now = append(now, k[len(flashNow):])
		}
	}
	Keep(data, now...)
}

// ageFlashes runs at Start: flashes readable in the previous request are
// dropped, and flashes set in it become readable. raw, the entries as
// stored, is kept in step. It returns the flash names it moved and the keys
// it dropped, so that a merge can replay them.
func ageFlashes(data map[string]any, raw *entries) (moved, dropped []string) {
	// The entries hold the keys just decoded into data: a slice is faster
	// to walk than the map.
	for _, en := range *raw {
		switch k := en.Key; {
		case strings.HasPrefix(k, flashNow):
			dropped = append(dropped, k)
		case strings.HasPrefix(k, flashNew):
			moved = append(moved, k[len(flashNew):])
		}
	}
	for _, k := range dropped {
		delete(data, k)
		raw.del(k)
	}
	for _, name := range moved {
		v, ok := data[flashNew+name]
		if !ok {
			continue // a key the record held twice
		}
		delete(data, flashNew+name)
		raw.del(flashNew + name)
		data[flashNow+name] = v
		if e, err := codec.AppendEntry(nil, flashNow+name, v); err == nil {
			raw.set(flashNow+name, e, v)
		}
	}
	return moved, dropped
}
