package session

import "time"

// Keys of the per-session lifetimes SetLifetime stores (nanoseconds, int64).
const (
	idleKey     = ReservedPrefix + "idle"
	absoluteKey = ReservedPrefix + "absolute"
)

// SetLifetime overrides, for this session only, the idle timeout
// (Config.Lifetime) and the absolute lifetime (Config.AbsoluteLifetime):
// for "remember me" on sign-in, say, a longer idle timeout than the
// default. Zero keeps the manager's value; a negative absolute lifetime
// removes the cap for this session. The override is stored with the session
// and applies from this request's Save on.
func (m *Manager) SetLifetime(data map[string]interface{}, idle, absolute time.Duration) {
	if idle > 0 {
		data[idleKey] = int64(idle)
	} else {
		delete(data, idleKey)
	}
	if absolute != 0 {
		data[absoluteKey] = int64(absolute)
	} else {
		delete(data, absoluteKey)
	}
}

// lifetimes returns the session's idle timeout and absolute lifetime (0:
// none).
func (m *Manager) lifetimes(data map[string]interface{}) (idle, absolute time.Duration) {
	idle, absolute = m.cfg.Lifetime, m.cfg.AbsoluteLifetime
	if v, ok := data[idleKey].(int64); ok && v > 0 {
		idle = time.Duration(v)
	}
	if v, ok := data[absoluteKey].(int64); ok && v != 0 {
		absolute = time.Duration(v)
	}
	if absolute < 0 {
		absolute = 0
	}
	return idle, absolute
}

// expiry is when a session written now expires: after its idle timeout,
// but never past its absolute lifetime counted from its creation.
func (m *Manager) expiry(data map[string]interface{}, created, now time.Time) time.Time {
	idle, absolute := m.lifetimes(data)
	exp := now.Add(idle)
	if absolute > 0 {
		if limit := created.Add(absolute); limit.Before(exp) {
			exp = limit
		}
	}
	return exp
}

// touchInterval is how long after a write an unchanged session is touched.
func (m *Manager) touchInterval(idle time.Duration) time.Duration {
	if m.cfg.TouchInterval > 0 {
		return m.cfg.TouchInterval
	}
	return idle / 4
}
