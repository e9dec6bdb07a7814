// Package hardening holds the cross-driver hardening tests of the session
// library: IDs at rest, session fixation, hostile cookies, oversized data,
// backend faults (Redis and PostgreSQL stopped under traffic, an unusable or
// full file folder, a bounded memory store) and the fuzz target of the ID
// check. It has no code of its own: everything is in its _test.go files,
// which drive the library the way an application does, through
// session.New and the manager's Start, Save, Regenerate and Middleware.
//
// The tests that need a real server read the variables of package
// internal/testenv (set by scripts/test.sh); with CI=true a missing server
// fails the test, elsewhere it is skipped. The fault tests start their own
// redis-server and PostgreSQL, so that stopping them disturbs nobody.
package hardening
