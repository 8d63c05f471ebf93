package bulk

import (
	"context"
	"math"
	"sync"
	"testing"
	"time"
)

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

// send lets n requests through and returns how long they took on the clock.
func send(t *testing.T, p *pacer, c *stepClock, n int) time.Duration {
	t.Helper()
	start := c.Now()
	for range n {
		if err := p.wait(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	return c.Now().Sub(start)
}

func TestPacerSlowStartThenAIMD(t *testing.T) {
	c := &stepClock{now: time.Unix(1_000_000, 0)}
	p := newPacer(c, 5, 1000)
	// The limiter paces (no fixed sleep): at 5/s the first requests are 200ms apart.
	if d := send(t, p, c, 3); d != 400*time.Millisecond {
		t.Fatalf("3 requests at 5/s took %v, want 400ms", d)
	}
	// Slow start: the rate doubles every 250ms of busy sending until a 429.
	start := c.Now()
	for c.Now().Sub(start) < time.Second {
		send(t, p, c, 1)
	}
	r := p.current()
	if r < 40 || math.Log2(r/5) != math.Trunc(math.Log2(r/5)) {
		t.Fatalf("rate after a second of slow start = %v, want 5 doubled at least 3 times", r)
	}
	// A 429: multiplicative decrease, and slow start ends.
	sent := c.Now()
	c.advance(10 * time.Millisecond)
	p.throttled(sent)
	if got := p.current(); !near(got, r*0.8) {
		t.Fatalf("rate after a 429 = %v, want %v", got, r*0.8)
	}
	// The rest of that wave (sent before the cut) does not cut again.
	p.throttled(sent)
	if got := p.current(); !near(got, r*0.8) {
		t.Fatalf("rate after a second 429 of the same wave = %v, want %v", got, r*0.8)
	}
	// A 429 to a request sent after the cut does.
	c.advance(10 * time.Millisecond)
	p.throttled(c.Now())
	if got := p.current(); !near(got, r*0.64) {
		t.Fatalf("rate after a 429 of the next wave = %v, want %v", got, r*0.64)
	}
	r = p.current()
	// Additive increase: one step after a busy interval, not a doubling.
	cut := c.Now()
	for p.current() == r {
		send(t, p, c, 1)
	}
	if got, took := p.current(), c.Now().Sub(cut); !near(got, r+1) || took < time.Second || took > 1100*time.Millisecond {
		t.Fatalf("rate %v → %v after %v, want +1 after a second", r, got, took)
	}
}

func TestPacerGrowsOnlyWhileUsed(t *testing.T) {
	c := &stepClock{now: time.Unix(1_000_000, 0)}
	p := newPacer(c, 10, 1000)
	send(t, p, c, 1)
	c.advance(5 * time.Second) // the input ran dry: no reason to think the API admits more
	send(t, p, c, 1)
	if r := p.current(); !near(r, 10) {
		t.Fatalf("rate = %v after an idle interval, want 10", r)
	}
}

func TestPacerBounds(t *testing.T) {
	c := &stepClock{now: time.Unix(1_000_000, 0)}
	p := newPacer(c, 50, 40)
	if r := p.current(); !near(r, 40) {
		t.Fatalf("initial rate above the max = %v", r)
	}
	for range 30 {
		c.advance(time.Second)
		p.throttled(c.Now())
	}
	if r := p.current(); !near(r, 0.5) {
		t.Fatalf("rate = %v, want the floor 0.5", r)
	}
}

func TestPacerWaitStopsOnCancel(t *testing.T) {
	p := newPacer(RealClock, 0.5, 1)
	ctx, cancel := context.WithCancel(context.Background())
	if err := p.wait(ctx); err != nil { // the first token is there
		t.Fatal(err)
	}
	cancel()
	if err := p.wait(ctx); err == nil {
		t.Fatal("wait returned nil on a cancelled context")
	}
}

func TestPacerCutKeepsWhatTheAPIJustAdmitted(t *testing.T) {
	c := &stepClock{now: time.Unix(1_000_000, 0)}
	p := newPacer(c, 200, 1000)
	// 50 answers admitted over the last second: the API's rate is about 50/s.
	for range 50 {
		c.advance(20 * time.Millisecond)
		p.admitted()
	}
	p.throttled(c.Now())
	if r := p.current(); !near(r, 160) {
		t.Fatalf("rate = %v, want 160: far above what was admitted, the factor applies", r)
	}
	for range 10 {
		c.advance(time.Millisecond)
		p.throttled(c.Now())
	}
	if r := p.current(); !near(r, 45) {
		t.Fatalf("rate after a wave of 429s = %v, want 45 (90%% of the 50/s just admitted)", r)
	}
	// Admissions older than a second no longer count.
	c.advance(2 * time.Second)
	p.throttled(c.Now())
	if r := p.current(); !near(r, 36) {
		t.Fatalf("rate = %v, want 36", r)
	}
}

// blockClock is a clock whose After fires when the test says; each call is reported on called.
type blockClock struct {
	mu     sync.Mutex
	now    time.Time
	called chan time.Duration
	timers []chan time.Time
}

func (c *blockClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *blockClock) After(d time.Duration) <-chan time.Time {
	ch := make(chan time.Time, 1)
	c.mu.Lock()
	c.timers = append(c.timers, ch)
	c.mu.Unlock()
	c.called <- d
	return ch
}

// fire advances the clock by d and fires the oldest timer.
func (c *blockClock) fire(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = c.now.Add(d)
	c.timers[0] <- c.now
	c.timers = c.timers[1:]
}

// TestPacerBooksOneSlotAtATime: requests waiting for the pacer do not all
// book slots at the current rate (a queue that a new rate could not
// shorten); one waits for its slot, the others for their turn to book.
func TestPacerBooksOneSlotAtATime(t *testing.T) {
	c := &blockClock{now: time.Unix(1_000_000, 0), called: make(chan time.Duration, 10)}
	p := newPacer(c, 1, 1000)
	if err := p.wait(context.Background()); err != nil { // the first slot is free
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() { p.wait(context.Background()) })
	}
	for range 3 {
		d := <-c.called
		select {
		case d2 := <-c.called:
			t.Fatalf("two requests wait for booked slots at once (%v and %v)", d, d2)
		case <-time.After(100 * time.Millisecond): // time for the others to book, were they able to
		}
		c.fire(d)
	}
	wg.Wait()
}
