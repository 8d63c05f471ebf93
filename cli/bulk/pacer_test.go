package bulk

import (
	"context"
	"math"
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
