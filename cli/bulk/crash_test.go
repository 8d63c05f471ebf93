package bulk

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// The crash and interrupt tests run the import in a child process (this
// test binary, re-executed with BULK_HELPER set) against the fake served
// by the parent over HTTP: the pool must outlive the importer.
func TestMain(m *testing.M) {
	if os.Getenv("BULK_HELPER") == "import" {
		os.Exit(helperImport())
	}
	os.Exit(m.Run())
}

func helperImport() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	go func() {
		<-ctx.Done()
		// What the parent waits for before it lets the requests in flight finish.
		fmt.Fprintln(os.Stderr, stoppingLine)
	}()
	input, state := os.Getenv("BULK_INPUT"), os.Getenv("BULK_STATE")
	data, err := os.ReadFile(input)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	rows, err := Parse(data, CSV, nil)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	j, err := OpenJournal(state, HashInput(data), false)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 2
	}
	defer j.Close()
	s, err := Import(ctx, httpAPI{base: os.Getenv("BULK_URL")}, rows, j, Options{Concurrency: 4, InitialRate: 200})
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	WriteSummary(os.Stderr, s)
	if f, err := os.Create(os.Getenv("BULK_REPORT")); err == nil {
		WriteReport(f, s.Results)
		f.Close()
	}
	switch {
	case s.Interrupted:
		WriteInterrupted(os.Stderr, s, j.Path(), "import "+input)
		return 130
	case !s.OK():
		return 1
	}
	return 0
}

// stoppingLine is what the child writes once it has seen the interrupt.
const stoppingLine = "stopping: no new requests"

type child struct {
	cmd    *exec.Cmd
	stderr watchedBuffer
}

// watchedBuffer is a child's stderr, read by the test while the child runs.
type watchedBuffer struct {
	mu      sync.Mutex
	b       bytes.Buffer
	changed chan struct{} // closed at each write
}

func (w *watchedBuffer) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.changed != nil {
		close(w.changed)
		w.changed = nil
	}
	return w.b.Write(p)
}

func (w *watchedBuffer) String() string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return w.b.String()
}

// waitFor returns once s has been written; the timeout is only for a
// child that never writes it, a failure.
func (w *watchedBuffer) waitFor(t *testing.T, s string) {
	t.Helper()
	timeout := time.After(time.Minute)
	for {
		w.mu.Lock()
		if strings.Contains(w.b.String(), s) {
			w.mu.Unlock()
			return
		}
		if w.changed == nil {
			w.changed = make(chan struct{})
		}
		changed := w.changed
		w.mu.Unlock()
		select {
		case <-changed:
		case <-timeout:
			t.Fatalf("the child never wrote %q:\n%s", s, w.String())
		}
	}
}

func startChild(t *testing.T, url, input, state, report string) *child {
	t.Helper()
	c := &child{cmd: exec.Command(os.Args[0], "-test.run=^$")}
	c.cmd.Env = append(os.Environ(), "BULK_HELPER=import", "BULK_URL="+url, "BULK_INPUT="+input, "BULK_STATE="+state, "BULK_REPORT="+report)
	c.cmd.Stderr = &c.stderr
	if err := c.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return c
}

func (c *child) exitCode(t *testing.T) int {
	t.Helper()
	err := c.cmd.Wait()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return ee.ExitCode()
	}
	if err != nil {
		t.Fatal(err)
	}
	return 0
}

// crashInput has 30 good rows, two bad ones, a duplicate and a user that existed before.
func crashInput(t *testing.T, dir string) (path string, good []string) {
	var b strings.Builder
	b.WriteString("email,groups,sendInvitation\n")
	b.WriteString("old@example.com,,\n")
	for i := range 30 {
		e := fmt.Sprintf("user%02d@example.com", i)
		good = append(good, e)
		fmt.Fprintf(&b, "%s,,\n", e)
		if i == 5 {
			b.WriteString("not an email,,\n")
			b.WriteString("USER03@example.com,,\n")
			b.WriteString("x@example.com,,maybe\n")
		}
	}
	path = filepath.Join(dir, "users.csv")
	if err := os.WriteFile(path, []byte(b.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	return path, good
}

func readReport(t *testing.T, path string) map[string][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	m := map[string][]string{}
	for _, r := range recs[1:] {
		m[r[0]] = r
	}
	return m
}

// checkFinal asserts the pool and the report after the last run.
func checkFinal(t *testing.T, f *fakeAPI, good []string, report string) {
	t.Helper()
	checkOnce(t, f, good...)
	f.mu.Lock()
	for _, e := range good {
		if f.invites[e] != 1 {
			t.Errorf("%s invited %d times, want once", e, f.invites[e])
		}
	}
	if f.made["old@example.com"] != 0 || len(f.users) != len(good)+1 {
		t.Errorf("pool has %d users, want %d", len(f.users), len(good)+1)
	}
	f.mu.Unlock()
	rep := readReport(t, report)
	outcome := map[string]int{}
	for _, r := range rep {
		outcome[r[2]]++
	}
	if rep["2"][2] != "exists" || outcome["created"] != len(good) || outcome["invalid"] != 3 || len(rep) != len(good)+4 {
		t.Errorf("report outcomes %v; old@: %v", outcome, rep["2"])
	}
}

func TestCrashMidImportThenResume(t *testing.T) {
	f := newFake()
	f.existing("old@example.com")
	f.faults["user12@example.com"] = []fault{holdAfterCreate}
	f.faults["user04@example.com"] = []fault{err502After}
	srv := httptest.NewServer(f)
	defer srv.Close()
	dir := t.TempDir()
	input, good := crashInput(t, dir)
	state, report := filepath.Join(dir, "state"), filepath.Join(dir, "report.csv")

	c := startHeld(t, f, srv.URL, input, state, report, "user12")
	if err := c.cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	c.exitCode(t)
	close(f.release)
	if _, err := os.Stat(report); err == nil {
		t.Fatal("a killed import wrote a report")
	}

	c = startChild(t, srv.URL, input, state, report)
	if code := c.exitCode(t); code != 1 { // 1: the invalid rows
		t.Fatalf("resumed import exited %d:\n%s", code, c.stderr.String())
	}
	checkFinal(t, f, good, report)
	f.mu.Lock()
	if f.creates["user12@example.com"] != 1 {
		t.Errorf("user12, in flight at the kill, was sent %d times: it must be reconciled, not resent", f.creates["user12@example.com"])
	}
	f.mu.Unlock()
	rep := readReport(t, report)
	for _, r := range rep {
		if r[1] == "user12@example.com" && (r[2] != "created" || !strings.Contains(r[5], "earlier run")) {
			t.Errorf("user12's report line: %v", r)
		}
	}
}

func TestInterruptThenResume(t *testing.T) {
	f := newFake()
	f.existing("old@example.com")
	f.faults["user08@example.com"] = []fault{holdAfterCreate}
	srv := httptest.NewServer(f)
	defer srv.Close()
	dir := t.TempDir()
	input, good := crashInput(t, dir)
	state, report := filepath.Join(dir, "state"), filepath.Join(dir, "report.csv")

	c := startHeld(t, f, srv.URL, input, state, report, "user08")
	if err := c.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	// Released only once the child has stopped sending: the requests
	// already in flight (user08's, and at most one per other worker, held
	// by the fake before they reach the pool) are all it may still finish.
	c.stderr.waitFor(t, stoppingLine)
	close(f.release)
	if code := c.exitCode(t); code != 130 {
		t.Fatalf("interrupted import exited %d:\n%s", code, c.stderr.String())
	}
	if out := c.stderr.String(); !strings.Contains(out, "to resume, run the same command again") || !strings.Contains(out, state) {
		t.Errorf("no resume hint:\n%s", out)
	}
	// The journal is complete: every send has its answer or its outcome, and
	// the held row its outcome: the child waited for it.
	jf, err := os.Open(state)
	if err != nil {
		t.Fatal(err)
	}
	pending := map[int]bool{}
	sc := bufio.NewScanner(jf)
	for sc.Scan() {
		var r record
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		switch r.Event {
		case "send":
			pending[r.Row] = true
		case "answer", "done":
			delete(pending, r.Row)
		}
	}
	jf.Close()
	if len(pending) != 0 {
		t.Errorf("rows sent without an answer in the journal: %v", pending)
	}
	rep := readReport(t, report)
	sentBefore := 0
	for _, r := range rep {
		if r[1] == "user08@example.com" && r[2] != "created" {
			t.Errorf("the held row: %v", r)
		}
		if r[4] == NotSent {
			sentBefore++
		}
	}
	// 30 good rows, user08 the ninth; at most four in flight at the interrupt.
	if sentBefore < 30-9-3 {
		t.Errorf("the interrupt left %d rows unsent: rows went out after it", sentBefore)
	}

	c = startChild(t, srv.URL, input, state, report)
	if code := c.exitCode(t); code != 1 {
		t.Fatalf("resumed import exited %d:\n%s", code, c.stderr.String())
	}
	checkFinal(t, f, good, report)
	f.mu.Lock()
	for _, e := range good {
		if f.creates[e] != 1 {
			t.Errorf("%s sent %d times", e, f.creates[e])
		}
	}
	f.mu.Unlock()
}

// startHeld starts an import in a child process and returns once the fake
// holds the answer to who's create (its fault is holdAfterCreate).
func startHeld(t *testing.T, f *fakeAPI, url, input, state, report, who string) *child {
	t.Helper()
	c := startChild(t, url, input, state, report)
	select {
	case <-f.held:
	case <-time.After(30 * time.Second):
		c.cmd.Process.Kill()
		t.Fatalf("the import never reached %s:\n%s", who, c.stderr.String())
	}
	return c
}
