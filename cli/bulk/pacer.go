package bulk

import (
	"context"
	"sync"
	"time"

	"golang.org/x/time/rate"
)

// pacer finds the rate the API admits, as TCP finds a path's bandwidth:
// it starts slowly and doubles every interval until the first 429 (slow
// start), then cuts the rate by a factor on each 429 (multiplicative
// decrease) and adds a fixed step every interval without one (additive
// increase). Against API Gateway's token bucket this keeps the sender at the
// stage's rate: while it runs below the rate, the bucket saves tokens that
// the next climb above it spends, so a sawtooth around the rate loses little.
type pacer struct {
	mu    sync.Mutex
	clock Clock
	lim   *rate.Limiter

	rate, min, max float64
	slowStart      bool
	// lastChange is when the rate last changed; one wave of 429s, answers
	// to requests sent at the old rate, cuts the rate only once.
	lastChange time.Time
	// sent counts the requests let through since lastChange, to grow the
	// rate only while the sender uses it (not while the input runs dry).
	sent int
}

// Pacing constants. The decrease is gentle because the bucket's burst
// absorbs the overshoot; the interval is the gateway's accounting second.
const (
	paceInterval = time.Second
	paceDecrease = 0.8
	paceStep     = 1.0 // requests per second added each interval
	// slowStartInterval is how often slow start doubles: quicker than the
	// additive increase, since until the first 429 nothing is known.
	slowStartInterval = 250 * time.Millisecond
)

func newPacer(clock Clock, initial, maxRate float64) *pacer {
	p := &pacer{clock: clock, rate: initial, min: 0.5, max: maxRate, slowStart: true, lastChange: clock.Now()}
	if p.rate > p.max {
		p.rate = p.max
	}
	// A burst of one spreads the requests evenly: bursts are the gateway's to allow, not ours to assume.
	p.lim = rate.NewLimiter(rate.Limit(p.rate), 1)
	return p
}

// wait blocks until the next request may go, or ctx is done.
func (p *pacer) wait(ctx context.Context) error {
	p.mu.Lock()
	now := p.clock.Now()
	p.grow(now)
	r := p.lim.ReserveN(now, 1)
	d := r.DelayFrom(now)
	p.sent++
	p.mu.Unlock()
	if d <= 0 {
		return ctx.Err()
	}
	select {
	case <-p.clock.After(d):
		return nil
	case <-ctx.Done():
		p.mu.Lock()
		r.CancelAt(p.clock.Now())
		p.sent--
		p.mu.Unlock()
		return ctx.Err()
	}
}

// grow raises the rate once per interval without a 429, if the sender used
// most of what it was allowed: when the requests in flight, not the rate,
// hold it back, a higher rate would only be a bigger overshoot later.
func (p *pacer) grow(now time.Time) {
	elapsed := now.Sub(p.lastChange)
	if elapsed < paceInterval && !(p.slowStart && elapsed >= slowStartInterval) {
		return
	}
	if float64(p.sent) >= 0.8*p.rate*elapsed.Seconds() {
		if p.slowStart {
			p.set(now, p.rate*2)
		} else {
			p.set(now, p.rate+paceStep)
		}
		return
	}
	p.lastChange, p.sent = now, 0
}

// throttled records a 429 answer to a request sent at sentAt.
func (p *pacer) throttled(sentAt time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slowStart = false
	if sentAt.Before(p.lastChange) {
		return // sent before the last cut: the cut already accounts for it
	}
	p.set(p.clock.Now(), p.rate*paceDecrease)
}

func (p *pacer) set(now time.Time, r float64) {
	p.rate = min(max(r, p.min), p.max)
	p.lim.SetLimitAt(now, rate.Limit(p.rate))
	p.lastChange, p.sent = now, 0
}

// current returns the rate in requests per second.
func (p *pacer) current() float64 {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.rate
}
