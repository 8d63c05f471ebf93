package bulk

import (
	"fmt"
	"io"
	"sync"
	"time"

	"github.com/schollz/progressbar/v3"
)

// Progress is told about an import as it goes. Row is called from several goroutines.
type Progress interface {
	// Start is called once with the number of rows this run sends.
	Start(total int)
	// Row is called as each of them finishes.
	Row(r Result)
	// Finish is called once, after the last Row.
	Finish()
}

type noProgress struct{}

func (noProgress) Start(int)  {}
func (noProgress) Row(Result) {}
func (noProgress) Finish()    {}

// NewProgress shows progress on w: a progress bar when w is a terminal,
// else a plain line every interval (for logs, which a bar's redraws would flood).
func NewProgress(w io.Writer, terminal bool, interval time.Duration, clock Clock) Progress {
	if terminal {
		return &barProgress{w: w}
	}
	return &lineProgress{w: w, interval: interval, clock: clock}
}

// barProgress draws done/total, the rate, the time left and the failures.
type barProgress struct {
	w        io.Writer
	mu       sync.Mutex
	bar      *progressbar.ProgressBar
	failures int
}

func (p *barProgress) Start(total int) {
	p.bar = progressbar.NewOptions(total,
		progressbar.OptionSetWriter(p.w),
		progressbar.OptionSetDescription("importing"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("users"),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionSetElapsedTime(true),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetWidth(30),
		progressbar.OptionShowDescriptionAtLineEnd(),
		progressbar.OptionOnCompletion(func() { fmt.Fprintln(p.w) }),
	)
}

func (p *barProgress) Row(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !r.Outcome.finished() {
		p.failures++
		p.bar.Describe(fmt.Sprintf("importing, %d failed", p.failures))
	}
	_ = p.bar.Add(1)
}

func (p *barProgress) Finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.bar.IsFinished() {
		// Interrupted: end the bar's line so the summary starts on its own.
		_ = p.bar.Exit()
		fmt.Fprintln(p.w)
	}
}

// lineProgress prints one line every interval.
type lineProgress struct {
	w        io.Writer
	interval time.Duration
	clock    Clock

	mu                    sync.Mutex
	total, done, failures int
	start                 time.Time
	stop                  chan struct{}
	stopped               chan struct{}
}

func (p *lineProgress) Start(total int) {
	p.total, p.start = total, p.clock.Now()
	p.stop, p.stopped = make(chan struct{}), make(chan struct{})
	go func() {
		defer close(p.stopped)
		for {
			select {
			case <-p.clock.After(p.interval):
				p.print()
			case <-p.stop:
				return
			}
		}
	}()
}

func (p *lineProgress) Row(r Result) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.done++
	if !r.Outcome.finished() {
		p.failures++
	}
}

func (p *lineProgress) Finish() {
	close(p.stop)
	<-p.stopped
	p.print()
}

func (p *lineProgress) print() {
	p.mu.Lock()
	defer p.mu.Unlock()
	fmt.Fprintln(p.w, progressLine(p.done, p.total, p.failures, p.clock.Now().Sub(p.start)))
}

// progressLine is "import: 40/100 rows, 8.0 users/s, 1 failed, about 8s left".
func progressLine(done, total, failures int, elapsed time.Duration) string {
	rate := 0.0
	if elapsed > 0 {
		rate = float64(done) / elapsed.Seconds()
	}
	s := fmt.Sprintf("import: %d/%d rows, %.1f users/s, %d failed", done, total, rate, failures)
	if rate > 0 && done < total {
		left := time.Duration(float64(total-done) / rate * float64(time.Second))
		s += fmt.Sprintf(", about %s left", left.Round(time.Second))
	}
	return s
}
