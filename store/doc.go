// Package store defines the contract between the session manager and its
// storage drivers.
//
// A driver implements [Store]: three methods that load, save and delete one
// [Record]. Abilities that not every backend has are separate, optional
// interfaces that the manager discovers by type assertion, the way net/http
// discovers [net/http.Flusher]: [Toucher] extends an expiry without
// rewriting the data, [Swapper] saves only when nobody saved since the load
// (so that the manager can merge concurrent requests), [Sharer] loads and
// saves without copying the data (stores in the process's memory),
// [Pruner] removes expired records on demand, and [io.Closer] stops
// background work.
//
// # Tokens and IDs
//
// A session has a 256-bit ID (see [ValidID]). The manager sends the client a
// token: the value [Store.Save] returns and [Store.Load] later receives from
// the cookie. For server-side stores the token is the ID itself; for the
// cookie store it is the sealed record. Server-side stores never keep the raw
// ID: they key what they store by [HashID], the one place where that hash is
// computed.
//
// # Errors
//
// Every driver reports a record that is missing, expired, malformed or
// tampered with as [ErrNotFound], and wraps every failure of its backend
// with [ErrBackend], so that callers can tell "no session" from "the store is
// down" with [errors.Is]. Package storetest holds the conformance suite that
// every driver runs.
//
// This package is a leaf: it imports nothing else of this module.
package store
