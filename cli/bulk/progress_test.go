package bulk

import (
	"strings"
	"testing"
	"time"
)

func TestProgressBarOnATerminal(t *testing.T) {
	var b strings.Builder
	p := NewProgress(&b, true, time.Second, RealClock)
	p.Start(3)
	p.Row(Result{Outcome: Created})
	p.Row(Result{Outcome: Failed})
	p.Row(Result{Outcome: Exists})
	p.Finish()
	out := b.String()
	if !strings.Contains(out, "3/3") || !strings.Contains(out, "1 failed") || !strings.Contains(out, "users/s") {
		t.Errorf("bar: %q", out)
	}
}

// tickClock fires After only when the test sends a tick.
type tickClock struct{ tick chan time.Time }

func (c tickClock) Now() time.Time                       { return time.Unix(100, 0) }
func (c tickClock) After(time.Duration) <-chan time.Time { return c.tick }

func TestProgressLinesOtherwise(t *testing.T) {
	var b strings.Builder
	c := tickClock{tick: make(chan time.Time)}
	p := NewProgress(&b, false, 5*time.Second, c)
	p.Start(4)
	p.Row(Result{Outcome: Created})
	p.Row(Result{Outcome: Failed, Code: "X"})
	c.tick <- time.Time{} // one interval: one line
	p.Finish()            // and the last
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "import: 2/4 rows, ") || !strings.Contains(lines[0], "1 failed") ||
		lines[1] != lines[0] || strings.ContainsRune(b.String(), '\r') {
		t.Errorf("lines: %q", lines)
	}
}

func TestProgressLine(t *testing.T) {
	if got := progressLine(40, 100, 1, 5*time.Second); got != "import: 40/100 rows, 8.0 users/s, 1 failed, about 8s left" {
		t.Errorf("progressLine = %q", got)
	}
}
