// Package driver is the README's "Writing a driver" example: a small
// session store that passes the conformance suite (mapstore_test.go).
package driver

import (
	"context"
	"sync"
	"time"

	"github.com/seed-699a33a2/session/store"
)

// MapStore keeps sessions in a map, keyed by the hash of their ID. It is
// safe for concurrent use, and implements store.Store and store.Toucher.
type MapStore struct {
	mu  sync.Mutex
	m   map[string]store.Record // by store.HashID: the ID is never kept
	now func() time.Time
}

var (
	_ store.Store   = (*MapStore)(nil)
	_ store.Toucher = (*MapStore)(nil)
)

// New returns an empty store reading the time from now.
func New(now func() time.Time) *MapStore {
	return &MapStore{m: map[string]store.Record{}, now: now}
}

// Load returns the live record token names, or store.ErrNotFound.
func (s *MapStore) Load(ctx context.Context, token string) (store.Record, error) {
	if ok, err := store.Guard(ctx, "map", token, store.ErrNotFound); !ok {
		return store.Record{}, err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	r, ok := s.m[store.HashID(token)]
	if !ok || !r.Expires.After(s.now()) {
		return store.Record{}, store.ErrNotFound
	}
	r.ID, r.Data = token, clone(r.Data)
	return r, nil
}

// Save stores a copy of r under its ID (a past expiry deletes it) and
// returns the ID as the cookie's token.
func (s *MapStore) Save(ctx context.Context, r store.Record) (string, error) {
	if ok, err := store.Guard(ctx, "map", r.ID, store.ErrInvalidID); !ok {
		return "", err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	id, key := r.ID, store.HashID(r.ID)
	if !r.Expires.After(s.now()) {
		delete(s.m, key)
		return "", nil
	}
	r.ID, r.Data = "", clone(r.Data)
	s.m[key] = r
	return id, nil
}

// Delete removes the record with the given ID; a missing one is no error.
func (s *MapStore) Delete(ctx context.Context, id string) error {
	if ok, err := store.Guard(ctx, "map", id, nil); !ok {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	delete(s.m, store.HashID(id))
	return nil
}

// Touch moves a live record's expiry without rewriting its data.
func (s *MapStore) Touch(ctx context.Context, id string, expires time.Time) error {
	if ok, err := store.Guard(ctx, "map", id, store.ErrNotFound); !ok {
		return err
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	key := store.HashID(id)
	r, ok := s.m[key]
	if !ok || !r.Expires.After(s.now()) {
		return store.ErrNotFound
	}
	r.Expires = expires
	s.m[key] = r
	return nil
}

func clone(b []byte) []byte { return append([]byte(nil), b...) }
