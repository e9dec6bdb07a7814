package locks

import (
	"context"
	crand "crypto/rand"
	"encoding/hex"
	"math/rand/v2"
	"sync"
	"time"
)

// Polling delays while another holder has a lock: the first retry comes
// after about MinPoll, later ones after up to MaxPoll, with jitter so that
// waiters on one session do not retry in step.
const (
	MinPoll = 2 * time.Millisecond
	MaxPoll = 20 * time.Millisecond
)

// Poller paces the attempts of a store that takes locks by polling (Redis,
// SQL). The zero Poller is ready to use; it is not safe for concurrent use.
type Poller struct{ pause time.Duration }

// Wait sleeps before the next attempt and reports false, at once, when ctx
// is done first.
func (p *Poller) Wait(ctx context.Context) bool {
	if p.pause == 0 {
		p.pause = MinPoll
	}
	t := time.NewTimer(p.pause/2 + rand.N(p.pause/2+1))
	defer t.Stop()
	select {
	case <-ctx.Done():
		return false
	case <-t.C:
	}
	p.pause = min(2*p.pause, MaxPoll)
	return true
}

// ReleaseOnce wraps release, the release of one lock held, into an unlock
// function: after a release that succeeded later calls do nothing; after
// one that failed (its error passed through wrap) the next call tries
// again. It is safe for concurrent use.
func ReleaseOnce(release func(context.Context) error, wrap func(error) error) func(context.Context) error {
	var (
		mu   sync.Mutex
		done bool
	)
	return func(ctx context.Context) error {
		mu.Lock()
		defer mu.Unlock()
		if done {
			return nil
		}
		if err := ctx.Err(); err != nil {
			return wrap(err)
		}
		if err := release(ctx); err != nil {
			return wrap(err)
		}
		done = true
		return nil
	}
}

// NewToken returns a random token that tells one lock holder from others.
func NewToken() string {
	var b [16]byte
	_, _ = crand.Read(b[:]) // crypto/rand.Read never fails
	return hex.EncodeToString(b[:])
}
