package bulk

import (
	"context"
	"encoding/csv"
	"maps"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"golang.org/x/time/rate"
)

func mustParse(t *testing.T, in string) []Row {
	t.Helper()
	rows, err := Parse([]byte(in), CSV, nil)
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

func openTestJournal(t *testing.T, path, in string) *Journal {
	t.Helper()
	j, err := OpenJournal(path, HashInput([]byte(in)), false)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { j.Close() })
	return j
}

// run imports in against f with a fresh journal and fast settings.
func run(t *testing.T, f *fakeAPI, in string, opt Options) (Summary, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "in.csv.journal")
	j := openTestJournal(t, path, in)
	opt.InitialRate = max(opt.InitialRate, 500)
	s, err := Import(context.Background(), f, mustParse(t, in), j, opt)
	if err != nil {
		t.Fatal(err)
	}
	return s, path
}

func outcomes(s Summary) map[string]Outcome {
	m := map[string]Outcome{}
	for _, r := range s.Results {
		m[r.Email] = r.Outcome
	}
	return m
}

// checkOnce fails unless every email was created exactly once and invited at most once.
func checkOnce(t *testing.T, f *fakeAPI, emails ...string) {
	t.Helper()
	f.mu.Lock()
	defer f.mu.Unlock()
	for _, e := range emails {
		if f.made[e] != 1 {
			t.Errorf("%s created %d times, want 1", e, f.made[e])
		}
		if f.invites[e] > 1 {
			t.Errorf("%s invited %d times", e, f.invites[e])
		}
	}
}

func TestImportCreatesValidRowsAndReportsTheRest(t *testing.T) {
	f := newFake()
	f.existing("old@example.com")
	in := "email,groups,sendInvitation\n" +
		"a@example.com,staff,\n" +
		"not-an-email,,\n" +
		"Old@Example.com,,\n" +
		" A@EXAMPLE.com ,,\n" +
		"b@example.com,,false\n"
	s, _ := run(t, f, in, Options{})
	want := []Outcome{Created, Invalid, Exists, Invalid, Created}
	var got []Outcome
	for _, r := range s.Results {
		got = append(got, r.Outcome)
	}
	if !slices.Equal(got, want) {
		t.Fatalf("outcomes = %v, want %v", got, want)
	}
	if s.OK() {
		t.Error("OK() with invalid rows")
	}
	checkOnce(t, f, "a@example.com", "b@example.com")
	if f.creates["not-an-email"] != 0 || len(f.creates) != 3 {
		t.Errorf("creates = %v: invalid rows must never be sent", f.creates)
	}
	if f.invites["b@example.com"] != 0 || f.invites["a@example.com"] != 1 || f.invites["old@example.com"] != 0 {
		t.Errorf("invites = %v", f.invites)
	}
	if got := f.users["a@example.com"].u.Groups; !slices.Equal(got, []string{"staff"}) {
		t.Errorf("groups = %v", got)
	}
	dup := s.Results[3]
	if dup.Code != Duplicate || !strings.Contains(dup.Message, "line 2") {
		t.Errorf("duplicate row = %+v", dup)
	}
	ex := s.Results[2]
	if ex.Status != 409 || ex.Code != "UserExists" || ex.RequestID == "" {
		t.Errorf("exists row = %+v", ex)
	}
}

func TestImportStrictSendsNothingWhenARowIsInvalid(t *testing.T) {
	f := newFake()
	s, _ := run(t, f, "email\na@example.com\nbad\n", Options{Strict: true})
	if len(f.creates) != 0 {
		t.Fatalf("strict import sent %v", f.creates)
	}
	if r := s.Results[0]; r.Outcome != Failed || r.Code != NotSent || !strings.Contains(r.Message, "--strict") {
		t.Errorf("valid row under --strict = %+v", r)
	}
}

func TestImportThrottledRowsAreRetriedUntilAdmitted(t *testing.T) {
	// The bucket and the importer share a clock that moves only when the
	// importer waits: the throttling does not depend on the machine's speed.
	clock := &stepClock{now: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}
	f := newFake()
	f.clock = clock
	f.bucket = rate.NewLimiter(50, 2)
	f.retry = 5 * time.Millisecond
	var b strings.Builder
	b.WriteString("email\n")
	var emails []string
	for i := range 40 {
		e := "u" + string(rune('a'+i/26)) + string(rune('a'+i%26)) + "@example.com"
		emails = append(emails, e)
		b.WriteString(e + "\n")
	}
	s, _ := run(t, f, b.String(), Options{InitialRate: 2000, MaxRate: 2000, Concurrency: 8, Clock: clock})
	if !s.OK() {
		WriteSummary(os.Stderr, s)
		t.Fatal("not every row was created")
	}
	checkOnce(t, f, emails...)
	if f.throttled == 0 {
		t.Fatal("the fake throttled nothing: the test proves nothing")
	}
	if total := sum(f.creates); total != 40 {
		t.Errorf("%d creates reached the API for 40 rows", total)
	}
	if s.Rate >= 2000 {
		t.Errorf("rate stayed at %v after 429s: no multiplicative decrease", s.Rate)
	}
}

func sum(m map[string]int) int {
	n := 0
	for _, v := range m {
		n += v
	}
	return n
}

func TestImportLostAnswersAreReconciledNotResentBlindly(t *testing.T) {
	f := newFake()
	f.existing("old@example.com")
	f.faults["a@example.com"] = []fault{err502After}
	f.faults["b@example.com"] = []fault{lostAfter}
	f.faults["c@example.com"] = []fault{lostBefore, err504Before}
	f.faults["old@example.com"] = []fault{lostBefore}
	f.faults["e@example.com"] = []fault{err500After}
	in := "email,groups\na@example.com,\nb@example.com,\nc@example.com,\nold@example.com,\ne@example.com,\n"
	s, _ := run(t, f, in, Options{})
	want := map[string]Outcome{"a@example.com": Created, "b@example.com": Created, "c@example.com": Created, "old@example.com": Exists, "e@example.com": Created}
	if got := outcomes(s); !maps.Equal(got, want) {
		t.Fatalf("outcomes = %v, want %v", got, want)
	}
	checkOnce(t, f, "a@example.com", "b@example.com", "c@example.com", "e@example.com")
	// a, b and e were created by their first send: reconciled with a GET, never sent again.
	if f.creates["a@example.com"] != 1 || f.creates["b@example.com"] != 1 || f.creates["e@example.com"] != 1 {
		t.Errorf("creates = %v: a created user was sent again", f.creates)
	}
	if f.creates["c@example.com"] != 2 {
		t.Errorf("c: %d creates, want 2 (lost, 504, then created)", f.creates["c@example.com"])
	}
	for _, i := range []int{0, 4} { // a (502) and e (500)
		if r := s.Results[i]; !strings.Contains(r.Message, "created by this import") || r.Status != 200 {
			t.Errorf("reconciled row = %+v", r)
		}
	}
}

// TestImportA409AfterALostCreateIsReconciled: a create whose connection
// dropped reaches the pool only after the import's GET answered 404; the
// create sent again meets the user (409): it is this import's, created.
func TestImportA409AfterALostCreateIsReconciled(t *testing.T) {
	f := newFake()
	f.faults["a@example.com"] = []fault{lostLanding}
	s, _ := run(t, f, "email\na@example.com\n", Options{})
	if r := s.Results[0]; r.Outcome != Created || !strings.Contains(r.Message, "created by this import") {
		t.Errorf("result = %+v, want created by this import", r)
	}
	if f.made["a@example.com"] != 1 || f.invites["a@example.com"] != 1 {
		t.Errorf("made %d, invited %d", f.made["a@example.com"], f.invites["a@example.com"])
	}
}

func TestImportDoesNotRetryOther4xx(t *testing.T) {
	f := newFake()
	f.answers["a@example.com"] = Answer{Status: 403, Code: "GroupNotManaged", Message: `group "x" is not one you may manage`}
	f.answers["b@example.com"] = Answer{Status: 400, Code: "InvalidPassword", Message: "temporaryPassword does not satisfy the policy"}
	s, _ := run(t, f, "email\na@example.com\nb@example.com\n", Options{})
	for _, e := range []string{"a@example.com", "b@example.com"} {
		if f.creates[e] != 1 {
			t.Errorf("%s sent %d times, want once", e, f.creates[e])
		}
	}
	if r := s.Results[0]; r.Outcome != Failed || r.Status != 403 || r.Code != "GroupNotManaged" || r.RequestID == "" {
		t.Errorf("result = %+v", r)
	}
}

func TestImportFailsARowWhoseRetryAfterIsTooLong(t *testing.T) {
	f := newFake()
	f.answers["a@example.com"] = Answer{Status: 429, Code: "EmailLimitExceeded", Message: "quota", RetryAfter: time.Hour}
	s, _ := run(t, f, "email\na@example.com\n", Options{})
	if r := s.Results[0]; r.Outcome != Failed || r.Code != "EmailLimitExceeded" || f.creates["a@example.com"] != 1 {
		t.Errorf("result = %+v after %d creates", r, f.creates["a@example.com"])
	}
}

func TestImportGivesUpAfterMaxAttempts(t *testing.T) {
	f := newFake()
	f.faults["a@example.com"] = []fault{lostBefore, lostBefore, lostBefore, lostBefore}
	s, _ := run(t, f, "email\na@example.com\n", Options{MaxAttempts: 2})
	if r := s.Results[0]; r.Outcome != Failed || !strings.Contains(r.Message, "gave up after 2 attempts") {
		t.Errorf("result = %+v", r)
	}
}

func TestReRunSkipsFinishedRowsAndRetriesFailedOnes(t *testing.T) {
	f := newFake()
	f.answers["b@example.com"] = Answer{Status: 503, Code: "Unavailable"}
	in := "email\na@example.com\nb@example.com\n"
	path := filepath.Join(t.TempDir(), "j")
	j := openTestJournal(t, path, in)
	s, err := Import(context.Background(), f, mustParse(t, in), j, Options{InitialRate: 500, MaxAttempts: 1})
	if err != nil || s.Results[1].Outcome != Failed {
		t.Fatalf("first run: %v %+v", err, s.Results)
	}
	j.Close()
	delete(f.answers, "b@example.com")
	j2 := openTestJournal(t, path, in)
	s, err = Import(context.Background(), f, mustParse(t, in), j2, Options{InitialRate: 500})
	if err != nil || !s.OK() {
		t.Fatalf("second run: %v %+v", err, s.Results)
	}
	if f.creates["a@example.com"] != 1 || s.Sent != 1 {
		t.Errorf("a sent %d times, %d rows this run: finished rows must be skipped", f.creates["a@example.com"], s.Sent)
	}
	if s.Results[0].Outcome != Created || s.Results[0].RequestID == "" {
		t.Errorf("the skipped row's result from the journal = %+v", s.Results[0])
	}
}

func TestInterruptWaitsForRequestsInFlight(t *testing.T) {
	f := newFake()
	f.faults["a@example.com"] = []fault{holdAfterCreate}
	in := "email\na@example.com\nb@example.com\nc@example.com\n"
	path := filepath.Join(t.TempDir(), "j")
	j := openTestJournal(t, path, in)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan Summary)
	go func() {
		s, err := Import(ctx, f, mustParse(t, in), j, Options{Concurrency: 1, InitialRate: 500})
		if err != nil {
			t.Error(err)
		}
		done <- s
	}()
	<-f.held
	cancel()
	// A check that can only miss (an Import that returned early and was
	// slow about it), never fail a correct one: the held request cannot
	// be answered before the release below.
	select {
	case <-done:
		t.Fatal("Import returned with a request in flight")
	case <-time.After(50 * time.Millisecond):
	}
	close(f.release)
	s := <-done
	if !s.Interrupted || s.Results[0].Outcome != Created || s.Results[1].Code != NotSent || s.Results[2].Code != NotSent {
		t.Fatalf("summary = %+v", s)
	}
	if len(f.creates) != 1 {
		t.Errorf("sent after the interrupt: %v", f.creates)
	}
	j.Close()
	// The journal holds the held row's outcome: a re-run does not touch it.
	j2, err := OpenJournal(path, HashInput([]byte(in)), true)
	if err != nil {
		t.Fatal(err)
	}
	if v := j2.get(s.Results[0].Line); v.result == nil || v.result.Outcome != Created || !v.uncertain.IsZero() {
		t.Errorf("journal of the held row: %+v", v)
	}
}

func TestReportColumnsAndFormulaDefused(t *testing.T) {
	var b strings.Builder
	err := WriteReport(&b, []Result{{Line: 2, Email: "a@example.com", Outcome: Created, Status: 201, RequestID: "r1"}, {Line: 3, Email: "=cmd()", Outcome: Invalid, Code: "InvalidEmail", Message: "email must contain exactly one @"}})
	if err != nil {
		t.Fatal(err)
	}
	recs, err := csv.NewReader(strings.NewReader(b.String())).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{ReportColumns, {"2", "a@example.com", "created", "201", "", "", "r1"}, {"3", "'=cmd()", "invalid", "", "InvalidEmail", "email must contain exactly one @", ""}}
	if !slices.EqualFunc(recs, want, slices.Equal) {
		t.Errorf("report = %q", recs)
	}
}

// lister is the fake with GET /groups, as the API will have it.
type lister struct {
	*fakeAPI
	groups []string
}

func (l lister) ManagedGroups(context.Context) ([]string, Answer, error) {
	return l.groups, Answer{Status: 200}, nil
}

func TestManagedGroupsFromTheAPI(t *testing.T) {
	managed, err := ManagedGroups(context.Background(), lister{newFake(), []string{"staff"}})
	if err != nil || managed == nil {
		t.Fatalf("ManagedGroups = %v", err)
	}
	rows, err := Parse([]byte("email,groups\na@example.com,staff\nb@example.com,admins\n"), CSV, managed)
	if err != nil {
		t.Fatal(err)
	}
	if rows[0].Code != "" || rows[1].Code != "GroupNotManaged" || rows[1].Message != `group "admins" is not one you may manage` {
		t.Errorf("rows = %+v", rows)
	}
	// An API without GET /groups leaves the rule to the API.
	if m, err := ManagedGroups(context.Background(), newFake()); m != nil || err != nil {
		t.Errorf("without a lister: %v, %v", m != nil, err)
	}
}
