package test

import (
	"bufio"
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/local"
)

// holdingGateway is a stage of the local gateway with one trap and a
// throttling clock of its own.
//
// The trap: the create of the email in hold is answered by the stage (the
// user exists in the pool) and then held back from the client until release
// is closed or the client goes away; every create that comes after it waits,
// before it reaches the stage, for the same. The test kills or interrupts
// the importer meanwhile: a create whose answer never arrived, and at most
// one more per worker in flight, whatever the machine's speed.
//
// The clock: the stage's buckets refill by it, and it stands still except
// that each 429 the stage answers moves it on by one token's time (1/rate).
// A drained bucket then answers every other request 429, however late or
// fast the requests come, and every 429 buys the token that lets a retry
// through: throttling without timing.
type holdingGateway struct {
	stage *local.Gateway

	mu      sync.Mutex
	now     time.Time
	tick    time.Duration
	hold    string
	held    chan struct{}
	release chan struct{}
}

func newHoldingGateway(stage *local.Gateway) *holdingGateway {
	g := &holdingGateway{stage: stage, now: time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)}
	if th := stage.Throttle(); th != nil && th.Rate > 0 {
		g.tick = time.Duration(float64(time.Second) / th.Rate)
	}
	stage.SetClock(func() time.Time {
		g.mu.Lock()
		defer g.mu.Unlock()
		return g.now
	})
	return g
}

func (g *holdingGateway) trap(email string) (held, release chan struct{}) {
	g.mu.Lock()
	defer g.mu.Unlock()
	g.hold, g.held, g.release = email, make(chan struct{}), make(chan struct{})
	return g.held, g.release
}

// statusWriter records the status the stage answers.
type statusWriter struct {
	http.ResponseWriter
	status int
}

func (w *statusWriter) WriteHeader(code int) {
	w.status = code
	w.ResponseWriter.WriteHeader(code)
}

// serve passes r to the stage; a 429 moves the throttling clock on.
func (g *holdingGateway) serve(w http.ResponseWriter, r *http.Request) {
	sw := &statusWriter{ResponseWriter: w}
	g.stage.ServeHTTP(sw, r)
	if sw.status == http.StatusTooManyRequests {
		g.mu.Lock()
		g.now = g.now.Add(g.tick)
		g.mu.Unlock()
	}
}

func (g *holdingGateway) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	hold, held, release := g.hold, g.held, g.release
	g.mu.Unlock()
	if release == nil || r.Method != http.MethodPost || r.URL.Path != "/users" {
		g.serve(w, r)
		return
	}
	body, _ := io.ReadAll(r.Body)
	r.Body = io.NopCloser(bytes.NewReader(body))
	if hold == "" || !strings.Contains(string(body), `"`+hold+`"`) {
		if hold == "" { // after the trapped create: wait for its release
			select {
			case <-release:
			case <-r.Context().Done():
				return // the client is gone: this create never reached the stage
			}
		}
		g.serve(w, r)
		return
	}
	rec := httptest.NewRecorder()
	g.serve(rec, r)
	g.mu.Lock()
	g.hold = "" // one create only
	g.mu.Unlock()
	close(held)
	select {
	case <-release:
	case <-r.Context().Done():
		return // the client is gone: its answer is lost
	}
	maps.Copy(w.Header(), rec.Header())
	w.WriteHeader(rec.Code)
	w.Write(rec.Body.Bytes())
}

var (
	buildOnce  sync.Once
	binary     string
	binaryErr  error
	moduleRoot = func() string { wd, _ := os.Getwd(); return filepath.Dir(wd) }()
)

// useradminBinary builds the real command once: the kill and interrupt
// tests need a process of its own, with its own signal handling.
func useradminBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "useradmin-bin")
		if err != nil {
			binaryErr = err
			return
		}
		binary = filepath.Join(dir, "useradmin")
		cmd := exec.Command("go", "build", "-o", binary, "./cli/cmd/useradmin")
		cmd.Dir = moduleRoot
		if out, err := cmd.CombinedOutput(); err != nil {
			binaryErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if binaryErr != nil {
		t.Fatal(binaryErr)
	}
	return binary
}

type importRun struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
	code           int
}

func startImport(t *testing.T, conf string, args ...string) *importRun {
	t.Helper()
	r := &importRun{cmd: exec.Command(useradminBinary(t), args...), done: make(chan struct{})}
	r.cmd.Env = append(os.Environ(), "USERADMIN_CONFIG_DIR="+conf, "USERADMIN_PROFILE=")
	r.cmd.Stdout, r.cmd.Stderr = &r.stdout, &r.stderr
	if err := r.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := r.cmd.Wait()
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			r.code = ee.ExitCode()
		} else if err != nil {
			r.code = -1
		}
		close(r.done)
	}()
	t.Cleanup(func() {
		select {
		case <-r.done:
		default:
			r.cmd.Process.Kill()
			<-r.done
		}
	})
	return r
}

func (r *importRun) wait(t *testing.T, what string) int {
	t.Helper()
	select {
	case <-r.done:
		return r.code
	case <-time.After(2 * time.Minute):
		r.cmd.Process.Kill()
		t.Fatalf("%s did not end:\nstdout: %s\nstderr: %s", what, r.stdout.String(), r.stderr.String())
		return 0
	}
}

func waitHeld(t *testing.T, r *importRun, held chan struct{}, what string) {
	t.Helper()
	select {
	case <-held:
	case <-r.done:
		t.Fatalf("%s: the import ended (exit %d) before the trapped create:\n%s", what, r.code, r.stderr.String())
	case <-time.After(2 * time.Minute):
		t.Fatalf("%s: the trapped create never came:\n%s", what, r.stderr.String())
	}
}

// auditCreates counts the handler's successful creates per target, and
// any resend, from its audit log: what Cognito was asked to create (and
// so to invite), whatever the importer believes.
func auditCreates(t *testing.T, domain string) (creates map[string]int, resends int) {
	t.Helper()
	creates = map[string]int{}
	sc := bufio.NewScanner(strings.NewReader(logs.String()))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l struct {
			Message, Action, Target, Outcome string
		}
		if json.Unmarshal(sc.Bytes(), &l) != nil || l.Message != "audit" || !strings.HasSuffix(l.Target, "@"+domain) {
			continue
		}
		switch {
		case l.Action == "create" && l.Outcome == "success":
			creates[l.Target]++
		case l.Action == "resend":
			resends++
		}
	}
	return creates, resends
}

// poolEmails lists the pool's users of the test's domain.
func poolEmails(t *testing.T, domain string) []string {
	t.Helper()
	var emails []string
	p := cip.NewListUsersPaginator(env.Cognito, &cip.ListUsersInput{UserPoolId: &env.Pool.ID})
	for p.HasMorePages() {
		out, err := p.NextPage(context.Background())
		if err != nil {
			t.Fatal(err)
		}
		for _, u := range out.Users {
			for _, a := range u.Attributes {
				if aws.ToString(a.Name) == "email" && strings.HasSuffix(aws.ToString(a.Value), "@"+domain) {
					emails = append(emails, aws.ToString(a.Value))
				}
			}
		}
	}
	slices.Sort(emails)
	return emails
}

// TestUseradminImportKilledInterruptedResumed imports a file with good,
// bad and duplicate rows and a user that already exists, through the real
// command: killed with SIGKILL while a create is in flight, re-run and
// interrupted with SIGINT while another is, re-run to the end. Every good
// row is created exactly once (counted where the handler creates), nobody
// is invited twice, and the report says what happened to each row.
func TestUseradminImportKilledInterruptedResumed(t *testing.T) {
	needEnv(t)
	domain := fmt.Sprintf("import-%d.example.com", time.Now().UnixNano())
	// A stage of its own: the throttle's buckets are this test's alone.
	stage, err := env.NewStage()
	if err != nil {
		t.Fatal(err)
	}
	gw := newHoldingGateway(stage)
	srv := httptest.NewServer(gw)
	defer srv.Close()

	dir := t.TempDir()
	writeDevFileFor(t, dir, srv.URL)
	conf := filepath.Join(dir, "conf")
	useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure --local")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")

	// A user that existed before the import: created straight in the pool.
	old := "old@" + domain
	if _, err := env.Cognito.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId: &env.Pool.ID, Username: &old, MessageAction: types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: &old}},
	}); err != nil {
		t.Fatal(err)
	}

	var in strings.Builder
	in.WriteString("email,groups,sendInvitation\n")
	fmt.Fprintf(&in, "%s,,\n", strings.ToUpper(old)) // line 2: exists
	var good []string
	for i := range 24 {
		e := fmt.Sprintf("user%02d@%s", i, domain)
		good = append(good, e)
		groups := ""
		if i%8 == 0 {
			groups = "admins"
		}
		fmt.Fprintf(&in, "%s,%s,\n", e, groups)
	}
	in.WriteString("not-an-email,,\n")                           // line 27: invalid
	fmt.Fprintf(&in, " USER03@%s ,,\n", strings.ToUpper(domain)) // line 28: duplicate of line 6
	fmt.Fprintf(&in, "x@%s,,perhaps\n", domain)                  // line 29: invalid sendInvitation
	fmt.Fprintf(&in, "staff@%s,staff,\n", domain)                // line 30: a group admins may not manage: refused before sending (GET /groups)
	input := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(input, []byte(in.String()), 0o600); err != nil {
		t.Fatal(err)
	}
	report := filepath.Join(dir, "report.csv")
	args := []string{"users", "import", input, "--report", report, "--concurrency", "4", "--rate", "20", "--yes"}

	// The plan: nothing sent.
	plan := useradmin(t, conf, nil, "users", "import", input, "--dry-run").want(t, 1, "dry run")
	// The plan says what the run will do: the unmanaged group's row is invalid there too.
	if !strings.Contains(plan.stdout, "dry run: 29 rows, 25 to send, 0 done earlier, 4 invalid; nothing sent") ||
		!strings.Contains(plan.stdout, "line 30 staff@"+domain+": invalid GroupNotManaged") {
		t.Errorf("dry run:\n%s", plan.stdout)
	}
	if _, err := os.Stat(input + ".journal"); err == nil {
		t.Error("the dry run wrote a journal")
	}

	// Run 1: killed while user09's create is in flight (created, answer not yet back).
	held, _ := gw.trap(good[9])
	r := startImport(t, conf, args...)
	waitHeld(t, r, held, "run 1")
	if err := r.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	r.wait(t, "run 1")

	// Run 2: interrupted while user17's create is in flight; released once
	// the command says it stopped sending, so what is left unsent is fixed:
	// user18 to user23, but for at most three in flight with user17.
	journalBefore := journalLines(t, input+".journal")
	held, release := gw.trap(good[17])
	r = startImport(t, conf, args...)
	waitHeld(t, r, held, "run 2")
	if err := r.cmd.Process.Signal(os.Interrupt); err != nil {
		t.Fatal(err)
	}
	if !r.stderr.waitFor("stopping: no new requests", r.done) {
		t.Fatalf("run 2 ended (exit %d) without stopping for the interrupt:\n%s", r.code, r.stderr.String())
	}
	close(release)
	if code := r.wait(t, "run 2"); code != 130 {
		t.Fatalf("run 2 exited %d, want 130:\n%s", code, r.stderr.String())
	}
	if s := r.stderr.String(); !strings.Contains(s, "to resume, run the same command again") || !strings.Contains(s, "useradmin users import") || !strings.Contains(s, input+".journal") {
		t.Errorf("run 2 gave no resume hint:\n%s", s)
	}
	// Every answer is journaled, the held one's too: the command waited for it.
	checkJournalComplete(t, input+".journal", journalBefore)
	rep := readImportReport(t, report)
	if rep[good[17]].outcome != "created" {
		t.Errorf("the create in flight at the interrupt: %+v", rep[good[17]])
	}
	notSent := 0
	for _, e := range good {
		if rep[e].code == "NotSent" {
			notSent++
		}
	}
	if notSent < 3 {
		t.Errorf("run 2 left %d rows unsent, want at least 3: rows went out after the interrupt", notSent)
	}

	// Run 3: to the end, on a stage whose POST /users bucket is empty: the
	// import meets real 429s from the gateway (every other create, see
	// holdingGateway) and must still create every row once. Requests
	// without a token spend the method's tokens too (API Gateway throttles
	// before the authorizer runs).
	drain(t, srv.URL+"/users", stage.Throttle().Burst)
	r = startImport(t, conf, args...)
	code := r.wait(t, "run 3")
	if code != 1 {
		t.Fatalf("run 3 exited %d, want 1 (invalid rows):\n%s\n%s", code, r.stdout.String(), r.stderr.String())
	}
	if !regexp.MustCompile(`\d+ answers 429`).MatchString(r.stdout.String()) {
		t.Errorf("run 3 met no 429: the test does not exercise the throttle\n%s", r.stdout.String())
	}

	// The pool holds exactly the good rows and the user that was there before.
	want := append([]string{old}, good...)
	slices.Sort(want)
	if got := poolEmails(t, domain); !slices.Equal(got, want) {
		t.Errorf("pool = %v\nwant %v", got, want)
	}
	// Each created once, so invited once; nobody re-invited.
	creates, resends := auditCreates(t, domain)
	for _, e := range good {
		if creates[e] != 1 {
			t.Errorf("%s: %d successful creates, want 1", e, creates[e])
		}
	}
	if creates[old] != 0 || resends != 0 || len(creates) != len(good) {
		t.Errorf("creates %v, resends %d", creates, resends)
	}
	if gs := poolGroups(t, good[8]); !slices.Equal(gs, []string{"admins"}) {
		t.Errorf("groups of %s: %v", good[8], gs)
	}

	rep = readImportReport(t, report)
	if len(rep) != 29 {
		t.Errorf("report has %d rows, want 29", len(rep))
	}
	for _, e := range good {
		if rep[e].outcome != "created" {
			t.Errorf("report for %s: %+v", e, rep[e])
		}
	}
	if rep[good[9]].message == "" || !strings.Contains(rep[good[9]].message, "earlier run") {
		t.Errorf("the create in flight at the kill should be reconciled: %+v", rep[good[9]])
	}
	checks := map[string]reportRow{
		old:               {line: "2", outcome: "exists", status: "409", code: "UserExists"},
		"not-an-email":    {line: "27", outcome: "invalid", code: "InvalidEmail"},
		"x@" + domain:     {line: "29", outcome: "invalid", code: "InvalidRequest"},
		"staff@" + domain: {line: "30", outcome: "invalid", code: "GroupNotManaged"},
	}
	for e, w := range checks {
		g := rep[e]
		if g.line != w.line || g.outcome != w.outcome || g.status != w.status || g.code != w.code {
			t.Errorf("report for %s: %+v, want %+v", e, g, w)
		}
	}
	if rep[old].requestID == "" {
		t.Errorf("an answered row carries no request id: %+v", rep[old])
	}
	if dup := rep["line 28"]; dup.outcome != "invalid" || dup.code != "Duplicate" {
		t.Errorf("duplicate row: %+v", dup)
	}
	if out := r.stdout.String(); !strings.Contains(out, "29 rows: 24 created, 1 exists, 4 invalid, 0 failed") {
		t.Errorf("summary:\n%s", out)
	}

	// A fourth run has nothing left to create: the finished rows are skipped.
	r = startImport(t, conf, args...)
	r.wait(t, "run 4")
	if creates2, _ := auditCreates(t, domain); !maps.Equal(creates, creates2) {
		t.Errorf("a re-run of a finished import created %v", creates2)
	}

	// Export: every user, streamed.
	exp := useradmin(t, conf, nil, "users", "export").want(t, 0, "export")
	recs, err := csv.NewReader(strings.NewReader(exp.stdout)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	var exported []string
	for _, rec := range recs[1:] {
		if strings.HasSuffix(rec[0], "@"+domain) {
			exported = append(exported, rec[0])
		}
	}
	slices.Sort(exported)
	if strings.Join(recs[0], ",") != "email,status,enabled,groups,createdAt,updatedAt" || !slices.Equal(exported, want) {
		t.Errorf("export: header %v, users %v", recs[0], exported)
	}
	jl := useradmin(t, conf, nil, "users", "export", "--format", "jsonl", "--status", "force_change_password").want(t, 0, "export jsonl")
	n := 0
	for l := range strings.SplitSeq(strings.TrimSpace(jl.stdout), "\n") {
		var u struct{ Email, Status string }
		if err := json.Unmarshal([]byte(l), &u); err != nil || u.Status != "FORCE_CHANGE_PASSWORD" {
			t.Fatalf("jsonl line %q: %v", l, err)
		}
		if strings.HasSuffix(u.Email, "@"+domain) {
			n++
		}
	}
	if n != len(want) { // the user created before the import has not signed in either
		t.Errorf("jsonl export of FORCE_CHANGE_PASSWORD: %d users of the import, want %d", n, len(want))
	}
}

// drain spends the tokens of url's method until the stage answers 429: on
// holdingGateway's clock, which stands still, the bucket is then empty.
func drain(t *testing.T, url string, burst int) {
	t.Helper()
	for i := 0; ; i++ {
		resp, err := http.Post(url, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode == http.StatusTooManyRequests {
			return
		}
		if i > burst {
			t.Fatalf("the stage never throttled the drain (burst %d)", burst)
		}
	}
}

// writeDevFileFor writes .local/dev.json for a gateway at apiURL in dir and moves the test there.
func writeDevFileFor(t *testing.T, dir, apiURL string) {
	t.Helper()
	d := map[string]any{
		"apiUrl": apiURL, "region": "us-east-1", "userPoolId": env.Pool.ID,
		"userPoolClientId": env.Pool.ClientID, "adminClientId": adminClientID(),
		"cognitoEndpoint": env.Emulator.Endpoint,
		"admin":           map[string]string{"email": adminEmail, "password": password},
		"user":            map[string]string{"email": userEmail, "password": password},
	}
	b, _ := json.Marshal(d)
	if err := os.MkdirAll(filepath.Join(dir, ".local"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, ".local", "dev.json"), b, 0o600); err != nil {
		t.Fatal(err)
	}
	t.Chdir(dir)
}

func journalLines(t *testing.T, path string) int {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Count(string(data), "\n")
}

// checkJournalComplete fails if a send of the last run (the journal's lines
// after skip) has no answer: after an interrupt, every request in flight
// was waited for and recorded.
func checkJournalComplete(t *testing.T, path string, skip int) {
	t.Helper()
	data, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pending := map[int]bool{}
	for _, l := range strings.Split(strings.TrimSpace(string(data)), "\n")[skip:] {
		var r struct {
			Row int    `json:"row"`
			Ev  string `json:"ev"`
		}
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatalf("journal line %q: %v", l, err)
		}
		switch r.Ev {
		case "send":
			pending[r.Row] = true
		case "answer", "done":
			delete(pending, r.Row)
		}
	}
	if len(pending) != 0 {
		t.Errorf("after the interrupt, the journal has sends without answers: rows %v", slices.Sorted(maps.Keys(pending)))
	}
}

type reportRow struct{ line, outcome, status, code, message, requestID string }

// readImportReport maps each report row by email (or "line N" for a duplicate, whose email repeats an earlier row's).
func readImportReport(t *testing.T, path string) map[string]reportRow {
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
	if strings.Join(recs[0], ",") != "row,email,outcome,status,code,message,requestId" {
		t.Fatalf("report header %v", recs[0])
	}
	m := map[string]reportRow{}
	for _, r := range recs[1:] {
		row := reportRow{r[0], r[2], r[3], r[4], r[5], r[6]}
		key := r[1]
		if r[4] == "Duplicate" {
			key = "line " + r[0]
		}
		m[key] = row
	}
	return m
}
