package sweep_test

import (
	"context"
	"errors"
	"sync/atomic"
	"testing"
	"time"

	"github.com/seed-699a33a2/session/internal/sweep"
)

func TestLoopRunsAfterStartAndNeverAfterClose(t *testing.T) {
	var rounds atomic.Int64
	ran := make(chan struct{}, 1)
	l := sweep.New(time.Millisecond, func(context.Context) (int, error) {
		rounds.Add(1)
		select {
		case ran <- struct{}{}:
		default:
		}
		return 0, nil
	}, nil)
	if l.Running() {
		t.Fatal("running before Start")
	}
	l.Start()
	l.Start()
	select {
	case <-ran:
	case <-time.After(10 * time.Second):
		t.Fatal("no round within 10s")
	}
	l.Close()
	after := rounds.Load()
	if l.Running() {
		t.Fatal("running after Close")
	}
	l.Start() // never restarts
	l.Close()
	if l.Running() || rounds.Load() != after {
		t.Fatal("a round ran after Close")
	}
}

func TestLoopReportsErrors(t *testing.T) {
	errc := make(chan error, 1)
	boom := errors.New("boom")
	l := sweep.New(time.Millisecond, func(context.Context) (int, error) { return 0, boom }, func(err error) {
		select {
		case errc <- err:
		default:
		}
	})
	l.Start()
	defer l.Close()
	select {
	case err := <-errc:
		if !errors.Is(err, boom) {
			t.Fatalf("got %v", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no error reported")
	}
}

func TestNegativeIntervalNeverStarts(t *testing.T) {
	l := sweep.New(-1, func(context.Context) (int, error) { return 0, nil }, nil)
	l.Start()
	if l.Running() {
		t.Fatal("started with a negative interval")
	}
	l.Close()
}
