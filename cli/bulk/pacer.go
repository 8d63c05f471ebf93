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
//
// A cut never goes below 90% of what the API admitted in the last second:
// after slow start has emptied the bucket, 429s come in waves until it
// refills, and cutting once per wave would sink far below the rate, to
// climb back one step a second. What the API just admitted is the rate.
type pacer struct {
	// gate lets one request at a time reserve its slot and wait for it, so
	// no slot is booked further ahead than one interval of the current
	// rate: a rate that changes applies to the very next request, not after
	// a queue booked at the old one.
	gate  sync.Mutex
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
	// ok holds the times of the answers other than 429 in the last window.
	ok []time.Time
}

// Pacing constants. The decrease is gentle because the bucket's burst
// absorbs the overshoot; the interval is the gateway's accounting second.
const (
	paceInterval = time.Second
	paceDecrease = 0.8
	paceStep     = 1.0 // requests per second added each interval
	// paceFloor is the share of the last window's admitted rate a cut keeps.
	paceFloor = 0.9
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
	p.gate.Lock()
	defer p.gate.Unlock()
	if err := ctx.Err(); err != nil {
		return err
	}
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

// admitted records an answer other than 429: the API let the request in.
func (p *pacer) admitted() {
	p.mu.Lock()
	defer p.mu.Unlock()
	now := p.clock.Now()
	p.ok = append(p.prune(now), now)
}

// prune drops the admitted answers older than one interval.
func (p *pacer) prune(now time.Time) []time.Time {
	i := 0
	for i < len(p.ok) && now.Sub(p.ok[i]) > paceInterval {
		i++
	}
	return p.ok[i:]
}

// throttled records a 429 answer to a request sent at sentAt.
func (p *pacer) throttled(sentAt time.Time) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.slowStart = false
	if sentAt.Before(p.lastChange) {
		return // sent before the last cut: the cut already accounts for it
	}
	now := p.clock.Now()
	p.ok = p.prune(now)
	floor := paceFloor * float64(len(p.ok)) / paceInterval.Seconds()
	if r := max(p.rate*paceDecrease, floor); r < p.rate {
		p.set(now, r)
	}
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
