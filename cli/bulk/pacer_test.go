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
	// Five requests a second for the first second (the limiter paces, no
	// fixed sleep), then ten: slow start doubles the rate after a busy
	// interval without a 429.
	if d := send(t, p, c, 10); d != 1400*time.Millisecond {
		t.Fatalf("10 requests took %v, want 1.4s (6 at 5/s, then 4 at 10/s)", d)
	}
	if r := p.current(); !near(r, 10) {
		t.Fatalf("rate after a busy second = %v, want 10 (doubled)", r)
	}
	send(t, p, c, 12)
	if r := p.current(); !near(r, 20) {
		t.Fatalf("rate = %v, want 20", r)
	}
	// A 429: multiplicative decrease, and slow start ends.
	sent := c.Now()
	c.advance(10 * time.Millisecond)
	p.throttled(sent)
	if r := p.current(); !near(r, 16) {
		t.Fatalf("rate after a 429 = %v, want 16", r)
	}
	// The rest of that wave (sent before the cut) does not cut again.
	p.throttled(sent)
	if r := p.current(); !near(r, 16) {
		t.Fatalf("rate after a second 429 of the same wave = %v, want 16", r)
	}
	// A 429 to a request sent after the cut does.
	c.advance(10 * time.Millisecond)
	p.throttled(c.Now())
	if r := p.current(); !near(r, 12.8) {
		t.Fatalf("rate = %v, want 12.8", r)
	}
	// Additive increase: one step per busy interval.
	send(t, p, c, 20)
	if r := p.current(); !near(r, 13.8) {
		t.Fatalf("rate after a busy second = %v, want 13.8 (+1)", r)
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
