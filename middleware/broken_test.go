package middleware_test

import (
	"context"
	"errors"

	"github.com/seed-699a33a2/session/store"
)

// brokenStore is a store whose backend is down.
type brokenStore struct{}

var errDown = errors.Join(store.ErrBackend, errors.New("down"))

func (brokenStore) Load(context.Context, string) (store.Record, error) {
	return store.Record{}, errDown
}
func (brokenStore) Save(context.Context, store.Record) (string, error) { return "", errDown }
func (brokenStore) Delete(context.Context, string) error               { return errDown }
