package bulk

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"strings"
	"sync"
	"testing"
	"time"
)

// errCrashed is what every journal write and sync returns once memDisk has crashed.
var errCrashed = errors.New("simulated crash")

// crashMode is where memDisk's crash falls around the write it crashes at.
type crashMode int

const (
	// beforeWrite: the write fails; everything before it was synced.
	beforeWrite crashMode = iota
	// beforeSync: the write is taken, then its sync fails and the bytes
	// not synced are lost, as the page cache is in a power cut.
	beforeSync
	// torn: as beforeSync, but half of the unsynced bytes reached the disk.
	torn
)

// memDisk is a journalFS that keeps what was synced apart from what was
// only written, and crashes at the crashAt-th write (counted from the last
// reset): from there on every write and sync fails, as nothing more of a
// killed process reaches the disk. It logs the events written and synced,
// in order, for the tests of the journal's write/sync order.
type memDisk struct {
	mu       sync.Mutex
	durable  map[string][]byte
	volatile map[string][]byte
	writes   int
	crashAt  int // 0: never
	mode     crashMode
	crashed  bool
}

func newMemDisk() *memDisk {
	return &memDisk{durable: map[string][]byte{}, volatile: map[string][]byte{}}
}

// restart is the machine after a crash: what was synced, and no crash to come.
func (d *memDisk) restart(crashAt int, mode crashMode) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.volatile = map[string][]byte{}
	d.writes, d.crashAt, d.mode, d.crashed = 0, crashAt, mode, false
}

func (d *memDisk) ReadFile(path string) ([]byte, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	b, ok := d.durable[path]
	if !ok {
		return nil, fs.ErrNotExist
	}
	return append(append([]byte{}, b...), d.volatile[path]...), nil
}

func (d *memDisk) Create(path string) (journalFile, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if _, ok := d.durable[path]; ok {
		return nil, fs.ErrExist
	}
	d.durable[path] = []byte{}
	return &memFile{d: d, path: path}, nil
}

func (d *memDisk) Append(path string, size int64) (journalFile, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	d.durable[path] = append(d.durable[path], d.volatile[path]...)[:size]
	delete(d.volatile, path)
	return &memFile{d: d, path: path}, nil
}

// synced returns the durable events of path: what a crash now would leave.
func (d *memDisk) synced(path string) []record {
	d.mu.Lock()
	defer d.mu.Unlock()
	var out []record
	for l := range bytes.SplitSeq(d.durable[path], []byte("\n")) {
		var r record
		if json.Unmarshal(l, &r) == nil && r.Row > 0 {
			out = append(out, r)
		}
	}
	return out
}

type memFile struct {
	d    *memDisk
	path string
}

func (f *memFile) Write(p []byte) (int, error) {
	d := f.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return 0, errCrashed
	}
	d.writes++
	if d.writes == d.crashAt && d.mode == beforeWrite {
		d.crashed = true
		return 0, errCrashed
	}
	d.volatile[f.path] = append(d.volatile[f.path], p...)
	return len(p), nil
}

func (f *memFile) Sync() error {
	d := f.d
	d.mu.Lock()
	defer d.mu.Unlock()
	if d.crashed {
		return errCrashed
	}
	if d.crashAt > 0 && d.writes >= d.crashAt {
		d.crashed = true
		v := d.volatile[f.path]
		if d.mode == torn {
			d.durable[f.path] = append(d.durable[f.path], v[:len(v)/2]...)
		}
		delete(d.volatile, f.path)
		return errCrashed
	}
	d.durable[f.path] = append(d.durable[f.path], d.volatile[f.path]...)
	delete(d.volatile, f.path)
	return nil
}

func (f *memFile) Close() error { return nil }

// sweepInput has a user that existed before, one row per kind of answer
// (plain, 502, 500 and lost after creating, lost then 504 before creating,
// a 429, groups, a 400 refusal) and an invalid row.
const sweepInput = "email,groups,sendInvitation\n" +
	"old@example.com,,\n" + // 2: existed before
	"a@example.com,,\n" + // 3
	"b@example.com,,\n" + // 4: created, answer 502
	"c@example.com,,\n" + // 5: created, answer 500
	"d@example.com,,\n" + // 6: created, answer lost
	"e@example.com,,\n" + // 7: lost before, 504 before, then created
	"not an email,,\n" + // 8: invalid
	"f@example.com,,\n" + // 9: 429, then created
	"g@example.com,staff;ops,false\n" + // 10
	"h@example.com,,\n" + // 11: refused with a 400 every time
	"i@example.com,,\n" // 12: lost, lands after the GET, then 409

var sweepWant = map[string]Outcome{
	"old@example.com": Exists, "a@example.com": Created, "b@example.com": Created, "c@example.com": Created,
	"d@example.com": Created, "e@example.com": Created, "not an email": Invalid, "f@example.com": Created,
	"g@example.com": Created, "h@example.com": Failed, "i@example.com": Created,
}

func sweepFake(clock Clock) *fakeAPI {
	f := newFake()
	f.clock = clock
	f.existing("old@example.com")
	f.faults["b@example.com"] = []fault{err502After}
	f.faults["c@example.com"] = []fault{err500After}
	f.faults["d@example.com"] = []fault{lostAfter}
	f.faults["e@example.com"] = []fault{lostBefore, err504Before}
	f.faults["f@example.com"] = []fault{throttled429}
	f.answers["h@example.com"] = Answer{Status: 400, Code: "InvalidRequest", Message: "refused"}
	f.faults["i@example.com"] = []fault{lostLanding}
	return f
}

// sweepRun runs one import of sweepInput on disk: the journal is opened
// from what the disk holds, as a new process would. crashed reports that
// the run met the disk's crash (at the journal's opening or during the run).
func sweepRun(t *testing.T, d *memDisk, f *fakeAPI, clock Clock) (s Summary, crashed bool) {
	t.Helper()
	j, err := openJournal(d, "in.csv.journal", HashInput([]byte(sweepInput)), false)
	if errors.Is(err, errCrashed) {
		return Summary{}, true
	}
	if err != nil {
		t.Fatalf("opening the journal after a crash: %v", err)
	}
	// One row at a time, on a clock that never waits: the N-th journal
	// write is the same event in every run.
	s, err = Import(context.Background(), f, mustParse(t, sweepInput), j, Options{Concurrency: 1, InitialRate: 1000, Clock: clock})
	if err != nil && !errors.Is(err, errCrashed) {
		t.Fatalf("import: %v", err)
	}
	return s, err != nil
}

// checkSweep asserts the final run: every row's outcome, each user created
// (and invited) once, and the counts.
func checkSweep(t *testing.T, f *fakeAPI, s Summary) {
	t.Helper()
	if got := outcomes(s); !equalOutcomes(got, sweepWant) {
		t.Errorf("outcomes = %v\nwant       %v", got, sweepWant)
	}
	if s.Count(Created) != 8 || s.Count(Exists) != 1 || s.Count(Invalid) != 1 || s.Count(Failed) != 1 {
		t.Errorf("counts: %d created, %d exists, %d invalid, %d failed", s.Count(Created), s.Count(Exists), s.Count(Invalid), s.Count(Failed))
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	// Creates that reached the API: a row is sent again only after an
	// answer that said it was not created (e: lost before arriving, 504;
	// f: 429, not counted). A created row is never sent again, so it never
	// meets its own user as a 409. h is refused, and re-sent by every run.
	sends := map[string]int{"old@example.com": 1, "a@example.com": 1, "b@example.com": 1, "c@example.com": 1,
		"d@example.com": 1, "e@example.com": 2, "f@example.com": 1, "g@example.com": 1}
	for e, n := range sends {
		if f.creates[e] != n {
			t.Errorf("%s: %d creates reached the API, want %d", e, f.creates[e], n)
		}
	}
	// i: the late one, and the one sent again that met it, unless a crash
	// stopped that one before it left (the next run's GET then found i).
	if n := f.creates["i@example.com"]; n < 1 || n > 2 {
		t.Errorf("i@example.com: %d creates reached the API, want 1 or 2", n)
	}
	for e, o := range sweepWant {
		want := 0
		if o == Created {
			want = 1
		}
		if f.made[e] != want {
			t.Errorf("%s created %d times, want %d", e, f.made[e], want)
		}
		if f.invites[e] > 1 {
			t.Errorf("%s invited %d times", e, f.invites[e])
		}
	}
}

func equalOutcomes(a, b map[string]Outcome) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// TestCrashAtEveryJournalWrite kills the import at every write of its
// journal in turn (the N-th write fails, or its sync does and the unsynced
// bytes are lost or torn), then resumes it with a fresh run on what the
// disk kept, against the same API: every row ends with the right outcome
// (a user this import created is never reported as one that existed),
// nobody is created or invited twice, and the counts are right.
func TestCrashAtEveryJournalWrite(t *testing.T) {
	// The writes of a run that does not crash: every boundary to cut at.
	clock := &stepClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	d := newMemDisk()
	f := sweepFake(clock)
	s, crashed := sweepRun(t, d, f, clock)
	if crashed {
		t.Fatal("crashed without a crash")
	}
	checkSweep(t, f, s)
	// A row created at once is two synced records, send and done: the
	// 201 is the outcome, with no window between an answer and a done.
	var evs []string
	for _, r := range d.synced("in.csv.journal") {
		if r.Row == 3 {
			evs = append(evs, r.Event)
		}
	}
	if strings.Join(evs, ",") != "send,done" {
		t.Errorf("a@'s journal: %v, want send,done", evs)
	}
	total := d.writes
	if total < 20 {
		t.Fatalf("%d journal writes: the sweep covers too little", total)
	}
	modes := map[crashMode]string{beforeWrite: "write", beforeSync: "sync", torn: "torn"}
	for mode, name := range modes {
		for n := 1; n <= total; n++ {
			t.Run(fmt.Sprintf("%s-%02d", name, n), func(t *testing.T) {
				clock := &stepClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
				d, f := newMemDisk(), sweepFake(clock)
				d.restart(n, mode)
				if _, crashed := sweepRun(t, d, f, clock); !crashed {
					t.Fatalf("no crash at write %d of %d", n, total)
				}
				d.restart(0, mode)
				clock.advance(time.Minute) // the re-run comes later
				s, crashed := sweepRun(t, d, f, clock)
				if crashed {
					t.Fatal("the resumed run crashed")
				}
				checkSweep(t, f, s)
			})
		}
	}
}

// TestCrashRepeatedly crashes every run at its k-th journal write until one
// gets to the end: crashes inside resumed runs, reconciliations included.
// k starts at 4: the refused row is sent again by every run (send, done),
// and the row after it takes two writes more (send, done), so a run that
// crashes at an earlier write never gets past them.
func TestCrashRepeatedly(t *testing.T) {
	for k := 4; k <= 8; k++ {
		for _, mode := range []crashMode{beforeWrite, beforeSync} {
			t.Run(fmt.Sprintf("every-%d-%d", k, mode), func(t *testing.T) {
				clock := &stepClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
				d, f := newMemDisk(), sweepFake(clock)
				for runs := 1; ; runs++ {
					if runs > 100 {
						t.Fatal("no progress after 100 runs")
					}
					d.restart(k, mode)
					clock.advance(time.Minute)
					s, crashed := sweepRun(t, d, f, clock)
					if !crashed {
						checkSweep(t, f, s)
						return
					}
				}
			})
		}
	}
}

// syncedSends is the API with a check on every create: the journal on
// disk, as a crash now would leave it, already holds more sends of the
// row than creates of it reached the API.
type syncedSends struct {
	*fakeAPI
	t      *testing.T
	d      *memDisk
	lineOf map[string]int
	mu     sync.Mutex
	seen   map[string]int
}

func (s *syncedSends) CreateUser(ctx context.Context, c Create) (*User, Answer, error) {
	sends := 0
	for _, r := range s.d.synced("in.csv.journal") {
		if r.Event == "send" && r.Row == s.lineOf[c.Email] {
			sends++
		}
	}
	s.mu.Lock()
	s.seen[c.Email]++
	if sends < s.seen[c.Email] {
		s.t.Errorf("create %d of %s left with %d sends of its row synced: a crash now would forget it", s.seen[c.Email], c.Email, sends)
	}
	s.mu.Unlock()
	return s.fakeAPI.CreateUser(ctx, c)
}

// TestSendIsSyncedBeforeTheRequestLeaves: with many rows in flight (their
// sends share fsyncs), no create reaches the API before its send is on disk.
func TestSendIsSyncedBeforeTheRequestLeaves(t *testing.T) {
	var in strings.Builder
	in.WriteString("email\n")
	lineOf := map[string]int{}
	for i := range 60 {
		e := fmt.Sprintf("u%02d@example.com", i)
		lineOf[e] = i + 2
		in.WriteString(e + "\n")
	}
	f := newFake()
	f.faults["u07@example.com"] = []fault{err502After}
	f.faults["u08@example.com"] = []fault{err504Before}
	d := newMemDisk()
	api := &syncedSends{fakeAPI: f, t: t, d: d, lineOf: lineOf, seen: map[string]int{}}
	j, err := openJournal(d, "in.csv.journal", HashInput([]byte(in.String())), false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Import(context.Background(), api, mustParse(t, in.String()), j, Options{Concurrency: 8, InitialRate: 1000, MaxRate: 1000})
	if err != nil || !s.OK() {
		t.Fatalf("import: %v, %d created", err, s.Count(Created))
	}
	if api.seen["u08@example.com"] != 2 {
		t.Errorf("u08 sent %d times, want 2 (504, then created)", api.seen["u08@example.com"])
	}
}

// TestEmptyJournalFromACrashAtCreation: a crash between creating the
// journal and syncing its header leaves an empty file (or part of the
// header); nothing was sent, so the next run starts it over instead of
// refusing it as not a journal.
func TestEmptyJournalFromACrashAtCreation(t *testing.T) {
	in := "email\na@example.com\n"
	for _, kept := range []string{"", `{"journal":"useradm`} {
		d := newMemDisk()
		d.durable["j"] = []byte(kept)
		j, err := openJournal(d, "j", HashInput([]byte(in)), false)
		if err != nil {
			t.Fatalf("%q: %v", kept, err)
		}
		if err := j.send(2, time.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := openJournal(d, "j", HashInput([]byte(in)), true); err != nil {
			t.Errorf("%q, reopened: %v", kept, err)
		}
	}
	// Part of another input's header is not a torn header of this one.
	d := newMemDisk()
	d.durable["j"] = []byte(`{"journal":"useradmin-import","version":1,"input":"sha256:00`)
	if _, err := openJournal(d, "j", HashInput([]byte(in)), false); err == nil {
		t.Error("a torn header of another input was started over")
	}
}

// TestResumeAnOlderJournalKilledBetweenAnswerAndDone: journals written
// before answers were journaled as outcomes may hold a 201's answer without
// its done (the process was killed between the two). The row looks
// answered, so the re-run sends it again and meets its own user: a 409
// after an earlier send of the row is reconciled, and the row is created.
func TestResumeAnOlderJournalKilledBetweenAnswerAndDone(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	in := "email\nold@example.com\na@example.com\n"
	f := newFake()
	f.clock = clock
	f.existing("old@example.com")
	d := newMemDisk()
	j, err := openJournal(d, "j", HashInput([]byte(in)), false)
	if err != nil {
		t.Fatal(err)
	}
	// The older version's run: old@ answered 409 and done; a@ created, its
	// 201 journaled as an answer, then the kill.
	for _, e := range []error{
		j.send(2, clock.Now()), j.answer(2, 409, false),
		j.done(Result{Line: 2, Email: "old@example.com", Outcome: Exists, Status: 409}),
		j.send(3, clock.Now()),
	} {
		if e != nil {
			t.Fatal(e)
		}
	}
	if _, _, err := f.CreateUser(context.Background(), Create{Email: "a@example.com"}); err != nil {
		t.Fatal(err)
	}
	if err := j.answer(3, 201, false); err != nil {
		t.Fatal(err)
	}
	clock.advance(time.Minute)
	j, err = openJournal(d, "j", HashInput([]byte(in)), false)
	if err != nil {
		t.Fatal(err)
	}
	s, err := Import(context.Background(), f, mustParse(t, in), j, Options{InitialRate: 1000, Clock: clock})
	if err != nil {
		t.Fatal(err)
	}
	if r := s.Results[1]; r.Outcome != Created || !strings.Contains(r.Message, "created by this import") {
		t.Errorf("a@: %+v, want created by this import", r)
	}
	if r := s.Results[0]; r.Outcome != Exists {
		t.Errorf("old@: %+v", r)
	}
	if f.made["a@example.com"] != 1 || s.Count(Created) != 1 || s.Count(Exists) != 1 {
		t.Errorf("a@ made %d times; %d created, %d exists", f.made["a@example.com"], s.Count(Created), s.Count(Exists))
	}
}

// TestAnotherAdminsUserIsExists: a row refused (400) by one run, whose
// user another admin then creates, meets a 409 in the next run: every
// earlier send of it was answered that it created nobody, so the user is
// not this import's: exists, without asking.
func TestAnotherAdminsUserIsExists(t *testing.T) {
	clock := &stepClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	in := "email\na@example.com\n"
	f := newFake()
	f.clock = clock
	f.answers["a@example.com"] = Answer{Status: 400, Code: "InvalidRequest", Message: "refused"}
	d := newMemDisk()
	for run := 1; run <= 2; run++ {
		j, err := openJournal(d, "j", HashInput([]byte(in)), false)
		if err != nil {
			t.Fatal(err)
		}
		s, err := Import(context.Background(), f, mustParse(t, in), j, Options{InitialRate: 1000, Clock: clock})
		if err != nil {
			t.Fatal(err)
		}
		if run == 1 {
			if s.Results[0].Outcome != Failed {
				t.Fatalf("run 1: %+v", s.Results[0])
			}
			clock.advance(time.Minute)
			delete(f.answers, "a@example.com")
			if _, _, err := f.CreateUser(context.Background(), Create{Email: "a@example.com"}); err != nil { // another admin
				t.Fatal(err)
			}
			clock.advance(time.Minute)
			continue
		}
		if r := s.Results[0]; r.Outcome != Exists || r.Status != 409 {
			t.Errorf("run 2: %+v, want exists (409)", r)
		}
		if f.gets != 0 {
			t.Errorf("%d GETs: a 409 after sends answered 'not created' needs none", f.gets)
		}
	}
}
