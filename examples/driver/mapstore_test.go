package driver_test

import (
	"testing"
	"time"

	"github.com/seed-699a33a2/session/examples/driver"
	"github.com/seed-699a33a2/session/store"
	"github.com/seed-699a33a2/session/store/storetest"
)

func TestConformance(t *testing.T) {
	storetest.Run(t, func(t *testing.T, now func() time.Time) store.Store {
		return driver.New(now)
	}, storetest.Options{Abilities: storetest.Touch})
}
