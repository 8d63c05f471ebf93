package bulk

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Options tune an import. The zero value of each field picks its default.
type Options struct {
	// Concurrency is how many requests may be in flight at once (default 16).
	Concurrency int
	// InitialRate is the starting rate in requests per second (default 5);
	// the pacer finds the API's from there. MaxRate caps it (default 1000).
	InitialRate, MaxRate float64
	// Strict sends nothing when any row is invalid.
	Strict bool
	// MaxAttempts bounds the sends of a row whose answers are lost or 5xx,
	// and the reads that reconcile it (default 5). 429s do not count.
	MaxAttempts int
	// MaxRetryAfter is the longest Retry-After a row waits out; a longer one
	// (Cognito's daily email quota asks for an hour) fails the row (default 1m).
	MaxRetryAfter time.Duration
	// RequestTimeout bounds each call (default 30s). Calls run on a context
	// of their own: an interrupt stops new requests but lets these finish.
	RequestTimeout time.Duration
	Clock          Clock
	Progress       Progress
}

func (o *Options) defaults() {
	o.Concurrency = cmp.Or(o.Concurrency, 16)
	o.InitialRate = cmp.Or(o.InitialRate, 5)
	o.MaxRate = cmp.Or(o.MaxRate, 1000)
	o.MaxAttempts = cmp.Or(o.MaxAttempts, 5)
	o.MaxRetryAfter = cmp.Or(o.MaxRetryAfter, time.Minute)
	o.RequestTimeout = cmp.Or(o.RequestTimeout, 30*time.Second)
	if o.Clock == nil {
		o.Clock = RealClock
	}
	if o.Progress == nil {
		o.Progress = noProgress{}
	}
}

// NotSent is the code of a row the import did not get to.
const NotSent = "NotSent"

// Summary is the end of an import: every row's result, in input order.
type Summary struct {
	Results []Result
	// Sent counts the rows this run finished (the rest were finished
	// earlier, invalid, or not sent).
	Sent        int
	Interrupted bool
	// Unauthorized: the API answered 401 (the session expired and could not
	// be renewed) and the import stopped; a re-run after signing in resumes it.
	Unauthorized bool
	Elapsed      time.Duration
	// Rate is the pacer's final rate, requests per second.
	Rate float64
	// Throttled counts the 429 answers: the API's limit, found and kept to.
	Throttled int
}

// Count returns how many rows have the outcome; NotSent rows count as Failed too.
func (s Summary) Count(o Outcome) int {
	n := 0
	for _, r := range s.Results {
		if r.Outcome == o {
			n++
		}
	}
	return n
}

// OK reports whether every row was created or exists.
func (s Summary) OK() bool {
	return !slices.ContainsFunc(s.Results, func(r Result) bool { return !r.Outcome.finished() })
}

// sameImportSlack is how much earlier than its send a user's createdAt may
// read and still be this import's: createdAt has whole seconds, and the
// skew estimate from the Date header has whole seconds too.
const sameImportSlack = 2 * time.Second

type importer struct {
	api  API
	j    *Journal
	opt  Options
	pace *pacer
	// skew is the API's clock minus ours, in nanoseconds, from the last Date header.
	skew atomic.Int64
	// halt stops the sending after a 401: every later request would get one too.
	halt         context.CancelFunc
	unauthorized atomic.Bool
	throttled    atomic.Int64
}

// Import sends the valid rows not finished by an earlier run and returns
// every row's result. When ctx is cancelled (Ctrl-C) it sends nothing more,
// waits for the requests in flight and records their answers in the
// journal; the rows it did not get to are NotSent and a re-run sends them.
// The error is for a journal that cannot be written: the sending stops there,
// since a request the journal cannot announce must not go out.
func Import(ctx context.Context, api API, rows []Row, j *Journal, opt Options) (Summary, error) {
	opt.defaults()
	start := opt.Clock.Now()
	im := &importer{api: api, j: j, opt: opt, pace: newPacer(opt.Clock, opt.InitialRate, opt.MaxRate)}
	results := make([]Result, len(rows))
	var todo []int
	invalid := 0
	for i, r := range rows {
		switch prev := j.get(r.Line).result; {
		case !r.Valid():
			results[i] = Result{Line: r.Line, Email: r.Email, Outcome: Invalid, Code: r.Code, Message: r.Message}
			invalid++
		case prev != nil && prev.Outcome.finished():
			results[i] = *prev
		default:
			results[i] = Result{Line: r.Line, Email: r.Email, Outcome: Failed, Code: NotSent, Message: "not sent"}
			todo = append(todo, i)
		}
	}
	if opt.Strict && invalid > 0 {
		for _, i := range todo {
			results[i].Message = fmt.Sprintf("not sent: --strict and %d rows are invalid", invalid)
		}
		return Summary{Results: results, Elapsed: opt.Clock.Now().Sub(start), Rate: opt.InitialRate}, nil
	}

	opt.Progress.Start(len(todo))
	var (
		wg      sync.WaitGroup
		mu      sync.Mutex
		sent    int
		jerr    error
		next    = make(chan int)
		stopped = make(chan struct{})
	)
	// A journal write that fails stops the import like an interrupt: a send
	// that cannot be recorded must not go out.
	sendCtx, stop := context.WithCancel(ctx)
	defer stop()
	im.halt = stop
	for range opt.Concurrency {
		wg.Go(func() {
			for i := range next {
				res, done, err := im.row(sendCtx, rows[i])
				mu.Lock()
				if err != nil && jerr == nil {
					jerr = err
					stop()
				}
				results[i] = res
				if done {
					sent++
				}
				mu.Unlock()
				if done {
					opt.Progress.Row(res)
				}
			}
		})
	}
	go func() {
		defer close(stopped)
		defer close(next)
		for _, i := range todo {
			select {
			case next <- i:
			case <-sendCtx.Done():
				return
			}
		}
	}()
	<-stopped
	wg.Wait()
	opt.Progress.Finish()
	for _, i := range todo {
		if results[i].Code == NotSent && results[i].Message == "not sent" {
			results[i].Message = "not sent: the import stopped first"
		}
	}
	s := Summary{Results: results, Sent: sent, Interrupted: ctx.Err() != nil, Unauthorized: im.unauthorized.Load(),
		Elapsed: opt.Clock.Now().Sub(start), Rate: im.pace.current(), Throttled: int(im.throttled.Load())}
	return s, jerr
}

// call runs one API call on a context that an interrupt does not cancel,
// after the pacer lets it go, and tells f when it goes. ok is false when
// ctx ended first.
func (im *importer) call(ctx context.Context, f func(cctx context.Context, sentAt time.Time)) (sentAt time.Time, ok bool) {
	if im.pace.wait(ctx) != nil {
		return time.Time{}, false
	}
	cctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), im.opt.RequestTimeout)
	defer cancel()
	sentAt = im.opt.Clock.Now()
	f(cctx, sentAt)
	return sentAt, true
}

func (im *importer) observe(a Answer) {
	if !a.Date.IsZero() {
		im.skew.Store(int64(a.Date.Sub(im.opt.Clock.Now())))
	}
}

// ambiguous reports whether an answer leaves open whether a create happened:
// no answer at all, or any server error (a 500, 502 or 504 may come after
// Cognito created the user, when the Lambda failed or timed out later).
func ambiguous(a Answer, err error) bool {
	return err != nil || a.Status >= 500
}

// row takes one row to its outcome. done is false when the row was left
// unfinished by an interrupt; err is a journal failure.
//
// The journal makes every interruption safe to resume: a send is synced
// before its request leaves; an answer that decides the row is journaled
// as the row's outcome in one record (never as an answer, then an outcome,
// with a window between); and a 409 for a row whose creation is uncertain
// (a send of this run or an earlier one that may have created the user) is
// reconciled with the API rather than taken as "exists".
func (im *importer) row(ctx context.Context, r Row) (res Result, done bool, err error) {
	since := im.j.get(r.Line).uncertain
	base := Result{Line: r.Line, Email: r.Email}
	finish := func(res Result) (Result, bool, error) {
		return res, true, im.j.done(res)
	}
	// stopped is the result of a row the import stopped before finishing.
	stopped := func(why string) Result {
		return Result{Line: r.Line, Email: r.Email, Outcome: Failed, Code: NotSent, Message: why}
	}
	const interrupted = "not sent: the import was interrupted"
	const unknown = "interrupted while its creation was uncertain: a re-run asks the API first"
	attempts := 0
	if !since.IsZero() {
		// An earlier run sent this row and never learnt the answer: ask the API first.
		res, decided, ok := im.reconcile(ctx, r, since, "an earlier run's request was in flight")
		if !ok {
			return stopped(unknown), false, nil
		}
		if decided {
			return finish(res)
		}
	}
	for {
		if ctx.Err() != nil {
			return stopped(interrupted), false, nil
		}
		var (
			u    *User
			a    Answer
			cer  error
			jerr error
		)
		sentAt, ok := im.call(ctx, func(cctx context.Context, sentAt time.Time) {
			// Recorded and synced before the request leaves, so a crash
			// during it leaves a trace the next run reconciles.
			if jerr = im.j.send(r.Line, sentAt); jerr != nil {
				return
			}
			u, a, cer = im.api.CreateUser(cctx, r.Create)
		})
		if !ok {
			return stopped(interrupted), false, nil
		}
		if jerr != nil {
			return stopped("not sent: " + jerr.Error()), false, jerr
		}
		im.observe(a)
		if cer == nil && a.Status != http.StatusTooManyRequests {
			im.pace.admitted()
		}
		amb := ambiguous(a, cer)
		if amb || a.Status == http.StatusTooManyRequests || a.Status == http.StatusUnauthorized {
			// An answer that does not decide the row: journaled as one.
			if err := im.j.answer(r.Line, a.Status, amb); err != nil {
				return stopped(unknown), false, err
			}
		}
		res := fromAnswer(base, a)
		switch {
		case amb:
			attempts++
			if since.IsZero() {
				since = sentAt
			}
			why := describe(a, cer)
			res, decided, ok := im.reconcile(ctx, r, since, why)
			if !ok {
				return stopped(unknown), false, nil
			}
			if decided {
				return finish(res)
			}
			if attempts >= im.opt.MaxAttempts {
				res := fromAnswer(base, a)
				res.Outcome = Failed
				res.Code = cmp.Or(res.Code, "Unreachable")
				res.Message = fmt.Sprintf("gave up after %d attempts: %s", attempts, why)
				return finish(res)
			}
			if !im.backoff(ctx, attempts) {
				return stopped(unknown), false, nil
			}
		case a.Status == http.StatusCreated:
			res.Outcome = Created
			if u != nil && u.Email != "" {
				res.Email = u.Email
			}
			return finish(res)
		case a.Status == http.StatusConflict && !since.IsZero():
			// A send of this row (this run or an earlier one) may have
			// created the user: its answer was lost, a 5xx, or never
			// journaled. The API's createdAt tells whose the user is.
			res, decided, ok := im.reconcile(ctx, r, since, "a create answered 409 after an earlier send of this row whose answer was lost")
			if !ok {
				return stopped(unknown), false, nil
			}
			if decided {
				return finish(res)
			}
			res.Outcome, res.Code, res.Message = Failed, "Inconsistent", "the API answered 409 UserExists, then 404 for the same user"
			return finish(res)
		case a.Status == http.StatusConflict:
			// Every earlier send of the row (if any) was answered that it
			// created nobody: the user existed before, or was made by another.
			res.Outcome = Exists
			return finish(res)
		case a.Status == http.StatusUnauthorized:
			im.unauthorize()
			return stopped(fmt.Sprintf("not sent: the API refused the session (401 %s); sign in again and re-run", a.Code)), false, nil
		case a.Status == http.StatusTooManyRequests:
			im.pace.throttled(sentAt)
			im.throttled.Add(1)
			if a.RetryAfter > im.opt.MaxRetryAfter {
				res.Outcome = Failed
				res.Message += fmt.Sprintf(" (Retry-After %s is longer than this import waits; re-run later to resume)", a.RetryAfter)
				return finish(res)
			}
			if !im.sleep(ctx, a.RetryAfter) {
				return stopped(interrupted), false, nil
			}
		default:
			// Any other 4xx is the API's judgement of this row: retrying cannot change it.
			res.Outcome = Failed
			return finish(res)
		}
	}
}

// reconcile asks the API whether r's user exists, after a create whose
// answer was lost. ok is false when ctx ended first; decided is false when
// the user does not exist (the caller may send again).
//
// Whether the user is this import's is told by time: a create of this
// import went out at since (this machine's clock, from the journal), and
// the user's createdAt (the API's clock, corrected by the skew measured
// from the Date header) is at or after it. A user that existed before the
// import was created before any of its sends, so it is reported as exists.
func (im *importer) reconcile(ctx context.Context, r Row, since time.Time, why string) (res Result, decided, ok bool) {
	base := Result{Line: r.Line, Email: r.Email}
	for attempt := 1; ; {
		var (
			u   *User
			a   Answer
			err error
		)
		if _, ok := im.call(ctx, func(cctx context.Context, _ time.Time) { u, a, err = im.api.GetUser(cctx, r.Email) }); !ok {
			return base, false, false
		}
		im.observe(a)
		if err == nil && a.Status != http.StatusTooManyRequests {
			im.pace.admitted()
		}
		res := fromAnswer(base, a)
		switch {
		case err == nil && a.Status == http.StatusOK && u != nil:
			created, perr := time.Parse(time.RFC3339, u.CreatedAt)
			ours := perr == nil && !created.Add(sameImportSlack).Before(since.Add(time.Duration(im.skew.Load())))
			if !ours {
				res.Outcome, res.Message = Exists, "the user existed before this import ("+why+")"
				return res, true, true
			}
			if missing := missingGroups(r.Create.Groups, u.Groups); len(missing) > 0 {
				res.Outcome, res.Code = Failed, "GroupsMissing"
				res.Message = fmt.Sprintf("created by this import (%s), but not in %s: add them with useradmin groups add", why, strings.Join(missing, ", "))
				return res, true, true
			}
			res.Outcome, res.Message = Created, "created by this import; "+why
			return res, true, true
		case err == nil && a.Status == http.StatusNotFound:
			return res, false, true
		case err == nil && a.Status == http.StatusTooManyRequests:
			im.pace.throttled(im.opt.Clock.Now())
			im.throttled.Add(1)
			if !im.sleep(ctx, min(a.RetryAfter, im.opt.MaxRetryAfter)) {
				return base, false, false
			}
		case err == nil && a.Status == http.StatusUnauthorized:
			im.unauthorize()
			return base, false, false
		case ambiguous(a, err) && attempt < im.opt.MaxAttempts:
			if !im.backoff(ctx, attempt) {
				return base, false, false
			}
			attempt++
		default:
			res.Outcome = Failed
			res.Code = cmp.Or(res.Code, "Unreachable")
			res.Message = "could not tell whether the user was created (" + why + "): " + describe(a, err) + "; re-run to reconcile"
			return res, true, true
		}
	}
}

func (im *importer) unauthorize() {
	im.unauthorized.Store(true)
	im.halt()
}

func missingGroups(want, have []string) []string {
	var m []string
	for _, g := range want {
		if !slices.Contains(have, g) {
			m = append(m, g)
		}
	}
	return m
}

func fromAnswer(base Result, a Answer) Result {
	base.Status, base.Code, base.Message, base.RequestID = a.Status, a.Code, a.Message, a.RequestID
	return base
}

func describe(a Answer, err error) string {
	if err != nil {
		return "no answer: " + err.Error()
	}
	s := fmt.Sprintf("HTTP %d", a.Status)
	if a.Code != "" {
		s += " " + a.Code
	}
	return s
}

// sleep waits d on the engine's clock; false when ctx ended first.
func (im *importer) sleep(ctx context.Context, d time.Duration) bool {
	if d <= 0 {
		return ctx.Err() == nil
	}
	select {
	case <-im.opt.Clock.After(d):
		return true
	case <-ctx.Done():
		return false
	}
}

// backoff waits before attempt n+1 after a lost or failed answer: 200ms
// doubling, at most 10s.
func (im *importer) backoff(ctx context.Context, n int) bool {
	return im.sleep(ctx, min(200*time.Millisecond<<min(n-1, 6), 10*time.Second))
}
