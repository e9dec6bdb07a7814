package session

import (
	"context"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// Keys of the per-session lifetimes SetLifetime stores (nanoseconds, int64)
// and of RememberMe's switch (true).
const (
	idleKey     = ReservedPrefix + "idle"
	absoluteKey = ReservedPrefix + "absolute"
	rememberKey = ReservedPrefix + "remember"
)

// RememberMe makes this session's cookie persistent (on) or a
// browser-session cookie again (off), for a "remember me" box on a sign-in
// form, where Config.ExpireOnClose (SESSION_EXPIRE_ON_CLOSE) makes session
// cookies the browser drops when it closes. It composes with SetLifetime,
// which makes the remembered session last longer on the server too.
// Without ExpireOnClose every cookie is persistent already. The switch is
// stored with the session and applies from this request's Save on.
func (m *Manager) RememberMe(data map[string]any, on bool) {
	if on {
		data[rememberKey] = true
	} else {
		delete(data, rememberKey)
	}
}

// persistent reports whether the session's cookie carries its expiry.
func (m *Manager) persistent(data map[string]any) bool {
	if !m.cfg.ExpireOnClose {
		return true
	}
	on, _ := data[rememberKey].(bool)
	return on
}

// SetLifetime overrides, for this session only, the idle timeout
// (Config.Lifetime) and the absolute lifetime (Config.AbsoluteLifetime):
// for "remember me" on sign-in, say, a longer idle timeout than the
// default. Zero keeps the manager's value; a negative absolute lifetime
// removes the cap for this session. The override is stored with the session
// and applies from this request's Save on.
func (m *Manager) SetLifetime(data map[string]any, idle, absolute time.Duration) {
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
func (m *Manager) lifetimes(data map[string]any) (idle, absolute time.Duration) {
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
func (m *Manager) expiry(data map[string]any, created, now time.Time) time.Time {
	idle, absolute := m.lifetimes(data)
	return expiryOf(idle, absolute, created, now)
}

// expiryOf is expiry for the lifetimes already looked up.
func expiryOf(idle, absolute time.Duration, created, now time.Time) time.Time {
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

// MaxClockSkew is how far the clocks of the servers that share a store may
// disagree. A record whose creation time lies further in the future than
// that, or whose expiry lies further ahead than its idle timeout plus that,
// was not written by a manager with this configuration: Start takes it for
// no session (and logs a warning). Lowering SESSION_LIFETIME therefore ends
// the sessions whose expiry lies beyond the new lifetime. These checks do
// not stop whoever holds a secret: a leaked SESSION_SECRET must be retired
// (removed from SESSION_PREVIOUS_SECRETS too), not rotated.
const MaxClockSkew = 5 * time.Minute

// plausible checks a loaded record's times against the manager's clock
// and the session's lifetimes, and clamps its expiry to its absolute
// lifetime. It reports whether the record may be a session.
func (m *Manager) plausible(ctx context.Context, rec *store.Record, data map[string]any) bool {
	now := m.cfg.Now()
	if !rec.Expires.After(now) {
		return false
	}
	idle, absolute := m.lifetimes(data)
	if rec.Created.After(now.Add(MaxClockSkew)) {
		m.logger().WarnContext(ctx, "session: stored session was created in the future; starting a fresh one", "created", rec.Created)
		return false
	}
	if rec.Expires.After(now.Add(idle + MaxClockSkew)) {
		m.logger().WarnContext(ctx, "session: stored session expires later than its idle timeout allows; starting a fresh one", "expires", rec.Expires, "idle", idle)
		return false
	}
	if absolute > 0 {
		limit := rec.Created.Add(absolute)
		if !now.Before(limit) {
			return false // past its absolute lifetime, however active
		}
		if rec.Expires.After(limit) {
			rec.Expires = limit
		}
	}
	return true
}
