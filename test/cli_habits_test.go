package test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/creack/pty"

	"github.com/useradmin/cognito-user-admin/cli"
)

// The tests of issue 21 ("useradmin held to the habits of gh, kubectl and
// the AWS CLI"): each drives the built binary, as an administrator would,
// against local mode.

const (
	habitsVersion = "9.9.9-test"
	habitsCommit  = "abc1234"
	habitsDate    = "2026-12-01T10:00:00Z"
)

var (
	habitsBinOnce sync.Once
	habitsBin     string
	habitsBinErr  error
)

// builtUseradmin builds the command once for these tests, with the build
// facts set the way the Makefile's cli target sets them.
func builtUseradmin(t *testing.T) string {
	t.Helper()
	habitsBinOnce.Do(func() {
		// The repository root from this file's place in it: the tests
		// change their working directory to one with a .local/dev.json.
		_, file, _, ok := runtime.Caller(0)
		if !ok {
			habitsBinErr = errors.New("no caller information to find the repository")
			return
		}
		root := filepath.Dir(filepath.Dir(file))
		dir, err := os.MkdirTemp("", "useradmin-bin")
		if err != nil {
			habitsBinErr = err
			return
		}
		habitsBin = filepath.Join(dir, "useradmin")
		pkg := "github.com/useradmin/cognito-user-admin/cli"
		build := exec.Command("go", "build", "-trimpath", "-ldflags",
			fmt.Sprintf("-X %s.Version=%s -X %s.Commit=%s -X %s.Date=%s", pkg, habitsVersion, pkg, habitsCommit, pkg, habitsDate),
			"-o", habitsBin, "./cli/cmd/useradmin")
		build.Dir = root
		if out, err := build.CombinedOutput(); err != nil {
			habitsBinErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if habitsBinErr != nil {
		t.Fatal(habitsBinErr)
	}
	return habitsBin
}

// binUser runs the built binary with its own configuration directory,
// standard streams as pipes (no terminal) and no USERADMIN_OUTPUT: what a
// script sees.
type binUser struct {
	t    *testing.T
	bin  string
	conf string
	env  []string
}

func newBinUser(t *testing.T) *binUser {
	return &binUser{t: t, bin: builtUseradmin(t), conf: t.TempDir()}
}

func (b *binUser) environ() []string {
	var env []string
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "USERADMIN_") {
			env = append(env, kv)
		}
	}
	return append(append(env, "USERADMIN_CONFIG_DIR="+b.conf), b.env...)
}

func (b *binUser) run(stdin string, args ...string) cliResult {
	b.t.Helper()
	cmd := exec.Command(b.bin, args...)
	cmd.Env = b.environ()
	cmd.Stdin = strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return cliResult{code, out.String(), errb.String()}
}

// onTerminal runs the binary with a terminal (a pty) as its standard
// streams, answering the first question ending in "[y/N]: " with answer.
// It returns the exit code and everything the terminal showed.
func (b *binUser) onTerminal(answer string, args ...string) (int, string) {
	b.t.Helper()
	return b.onTerminalAnswers([][2]string{{"[y/N]: ", answer}}, args...)
}

// onTerminalAnswers answers each prompt in turn, once it appears after the
// previous answer, with its line.
func (b *binUser) onTerminalAnswers(answers [][2]string, args ...string) (int, string) {
	b.t.Helper()
	cmd := exec.Command(b.bin, args...)
	cmd.Env = b.environ()
	tty, err := pty.Start(cmd)
	if err != nil {
		b.t.Fatal(err)
	}
	defer tty.Close()
	var shown bytes.Buffer
	buf := make([]byte, 4096)
	from := 0
	for {
		n, err := tty.Read(buf)
		shown.Write(buf[:n])
		if len(answers) > 0 {
			if i := strings.Index(shown.String()[from:], answers[0][0]); i >= 0 {
				from += i + len(answers[0][0])
				if _, err := io.WriteString(tty, answers[0][1]+"\n"); err != nil {
					b.t.Fatal(err)
				}
				answers = answers[1:]
			}
		}
		if err != nil { // EIO once the command has exited and closed the terminal
			break
		}
	}
	err = cmd.Wait()
	code := 0
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		code = ee.ExitCode()
	} else if err != nil {
		b.t.Fatal(err)
	}
	return code, shown.String()
}

// signedInAdmin configures the profile from .local/dev.json and signs the seeded admin in.
func (b *binUser) signedInAdmin(profile ...string) {
	b.t.Helper()
	b.run("", append([]string{"configure", "--local"}, profileArgs(profile)...)...).want(b.t, 0, "configure --local")
	b.run(password+"\n", append([]string{"login", "--email", adminEmail, "--password-stdin"}, profileArgs(profile)...)...).want(b.t, 0, "login")
}

func profileArgs(p []string) []string {
	if len(p) == 0 {
		return nil
	}
	return []string{"--profile", p[0]}
}

func wantIn(t *testing.T, what, s string, subs ...string) {
	t.Helper()
	for _, sub := range subs {
		if !strings.Contains(s, sub) {
			t.Errorf("%s: %q lacks %q", what, s, sub)
		}
	}
}

// TestHabitsMistakesRefused: the mistakes the tool used to let through.
func TestHabitsMistakesRefused(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	b := newBinUser(t)
	b.signedInAdmin()

	// create --no-invitation without a password: an account nobody can enter. Refused, nothing created.
	const lost = "habits.lost@example.com"
	r := b.run("", "users", "create", lost, "--no-invitation").want(t, cli.ExitUsage, "create --no-invitation")
	wantIn(t, "create --no-invitation", r.stderr, "--temporary-password-stdin", "nobody can sign in")
	if poolUser(t, lost) != nil {
		t.Error("create --no-invitation created the user")
	}
	// A chosen temporary password is checked here, every broken rule named at once; nothing sent.
	r = b.run("short\n", "users", "create", lost, "--no-invitation", "--temporary-password-stdin").want(t, cli.ExitUsage, "weak temporary password")
	wantIn(t, "weak temporary password", r.stderr, "at least 12 characters", "uppercase", "digit", "symbol")
	if strings.Contains(r.stdout+r.stderr, "short\n") || poolUser(t, lost) != nil {
		t.Error("a weak temporary password was echoed or sent")
	}
	const temp = "Temp-Passw0rd-Habits!"
	r = b.run(temp+"\n", "users", "create", lost, "--no-invitation", "--temporary-password-stdin").want(t, 0, "create with a given password")
	wantIn(t, "create without invitation", r.stderr, "not emailed", "hand it to "+lost)
	if strings.Contains(r.stdout+r.stderr, temp) {
		t.Fatal("the temporary password was printed")
	}
	// On a terminal it is asked twice; two different answers send nothing.
	code, shown := b.onTerminalAnswers([][2]string{{"Temporary password: ", temp}, {"Temporary password, again: ", temp + "x"}},
		"users", "create", "habits.twice@example.com", "--no-invitation", "--temporary-password-stdin")
	// (Whether the terminal echoed is the terminal's business: the answer
	// may arrive before echo is off, so it is not asserted here.)
	if code != cli.ExitUsage || !strings.Contains(shown, "differ") || poolUser(t, "habits.twice@example.com") != nil {
		t.Errorf("two different temporary passwords: exit %d\n%s", code, shown)
	}
	code, shown = b.onTerminalAnswers([][2]string{{"Temporary password: ", temp}, {"Temporary password, again: ", temp}},
		"users", "create", "habits.twice@example.com", "--no-invitation", "--temporary-password-stdin")
	if code != 0 || poolUser(t, "habits.twice@example.com") == nil {
		t.Errorf("the same temporary password twice: exit %d\n%s", code, shown)
	}
	// The first sign-in's new password is checked the same way: every rule at once.
	if _, err := env.Cognito.AdminCreateUser(context.Background(), &cip.AdminCreateUserInput{
		UserPoolId: &env.Pool.ID, Username: aws.String("habits.first@example.com"), TemporaryPassword: aws.String(temp),
		MessageAction:  types.MessageActionTypeSuppress,
		UserAttributes: []types.AttributeType{{Name: aws.String("email"), Value: aws.String("habits.first@example.com")}},
	}); err != nil {
		t.Fatal(err)
	}
	first := newBinUser(t)
	first.run("", "configure", "--local").want(t, 0, "configure")
	r = first.run(temp+"\nweak\n", "login", "--email", "habits.first@example.com", "--password-stdin").want(t, cli.ExitAPI, "a weak new password")
	wantIn(t, "a weak new password", r.stderr, "at least 12 characters", "uppercase", "digit", "symbol")

	// A generated password: where it went.
	r = b.run("", "users", "create", "habits.mailed@example.com").want(t, 0, "create with invitation")
	wantIn(t, "create with invitation", r.stderr, "emailed habits.mailed@example.com a temporary password")
	if err := env.SeedUser(context.Background(), "habits.confirmed@example.com", password); err != nil {
		t.Fatal(err)
	}
	r = b.run("", "users", "password", "habits.confirmed@example.com", "--temporary").want(t, 0, "password --temporary")
	wantIn(t, "password --temporary", r.stderr, "emailed habits.confirmed@example.com")
	// The API's advice in HTTP terms comes out as the command to run.
	r = b.run("", "users", "password", "habits.mailed@example.com", "--reset").want(t, cli.ExitAPI, "reset of a user who never signed in")
	wantIn(t, "reset advice", r.stderr, "useradmin users resend habits.mailed@example.com")
	if strings.Contains(r.stderr, "POST /users") {
		t.Errorf("the advice is still an HTTP call: %s", r.stderr)
	}

	// Granting an admin group asks first: without a terminal, --yes or exit 2, nothing granted.
	const who = "habits.grant@example.com"
	if err := env.SeedUser(context.Background(), who, password); err != nil {
		t.Fatal(err)
	}
	r = b.run("", "groups", "add", who, "admins").want(t, cli.ExitUsage, "groups add admins without --yes")
	wantIn(t, "groups add admins", r.stderr, "administrator rights", "--yes")
	if len(poolGroups(t, who)) != 0 {
		t.Fatal("granted admin without confirmation")
	}
	r = b.run("", "users", "create", "habits.newadmin@example.com", "--group", "admins").want(t, cli.ExitUsage, "create --group admins without --yes")
	if poolUser(t, "habits.newadmin@example.com") != nil {
		t.Error("create --group admins without confirmation created the user")
	}
	// On a terminal, the question is asked: "n" grants nothing, "y" grants.
	code, shown = b.onTerminal("n", "groups", "add", who, "admins")
	if code != 0 || !strings.Contains(shown, "administrator rights") || !strings.Contains(shown, "Not added") || len(poolGroups(t, who)) != 0 {
		t.Fatalf("answering n on a terminal: exit %d, groups %v\n%s", code, poolGroups(t, who), shown)
	}
	code, shown = b.onTerminal("y", "groups", "add", who, "admins")
	if code != 0 || !slices.Equal(poolGroups(t, who), []string{"admins"}) {
		t.Fatalf("answering y on a terminal: exit %d, groups %v\n%s", code, poolGroups(t, who), shown)
	}
	b.run("", "groups", "remove", who, "admins").want(t, 0, "groups remove")
	b.run("", "groups", "add", who, "admins", "--yes").want(t, 0, "groups add --yes")
	b.run("", "groups", "remove", who, "admins").want(t, 0, "groups remove")

	// Removing a user from a group they are not in says so.
	r = b.run("", "groups", "remove", who, "admins").want(t, cli.ExitAPI, "remove from a group not in")
	wantIn(t, "remove from a group not in", r.stderr, "is not in group admins", "nothing removed")

	// An unknown group: the managed groups, and the nearest name.
	r = b.run("", "groups", "add", who, "ADMINS", "--yes").want(t, cli.ExitUsage, "unknown group")
	wantIn(t, "unknown group", r.stderr, `did you mean "admins"`, "managed groups: admins")

	// login as a non-admin keeps the admin's session and says why.
	before, _ := os.ReadFile(sessionPath(b.conf, "default"))
	r = b.run(password+"\n", "login", "--email", userEmail, "--password-stdin").want(t, cli.ExitAPI, "login as a non-admin")
	wantIn(t, "login as a non-admin", r.stderr, userEmail, "not an administrator", "session is unchanged")
	if after, _ := os.ReadFile(sessionPath(b.conf, "default")); !bytes.Equal(before, after) {
		t.Error("a non-admin's login replaced the admin's session")
	}
	r = b.run(password+"\n", "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login as the admin")
	wantIn(t, "login as the admin", r.stderr, "Signed in as "+adminEmail)
}

// TestHabitsImportAdminRows: a CSV's admin grants are called out by the dry
// run and the summary, and confirmed (--yes without a terminal); the rows
// that will fail come first, or alone with --only-problems.
func TestHabitsImportAdminRows(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	b := newBinUser(t)
	b.signedInAdmin()
	input := filepath.Join(t.TempDir(), "users.csv")
	csv := "email,groups\nhabits.imp1@example.com,\nhabits.imp2@example.com,admins\nnot-an-email,\nhabits.imp3@example.com,Admins\n"
	if err := os.WriteFile(input, []byte(csv), 0o600); err != nil {
		t.Fatal(err)
	}
	plan := b.run("", "users", "import", input, "--dry-run").want(t, cli.ExitAPI, "dry run with an invalid row")
	lines := strings.Split(strings.TrimSpace(plan.stdout), "\n")
	if len(lines) < 4 || !strings.HasPrefix(lines[0], "line 4 not-an-email: invalid") {
		t.Errorf("the failing row is not first:\n%s", plan.stdout)
	}
	if len(lines) < 5 || !strings.HasPrefix(lines[1], "line 5 habits.imp3@example.com: invalid GroupNotManaged") {
		t.Errorf("the failing rows are not first:\n%s", plan.stdout)
	}
	wantIn(t, "dry run", plan.stdout, `(did you mean "admins"?); managed groups: admins`,
		"line 3 habits.imp2@example.com: create, with invitation, groups admins -- GRANTS ADMIN RIGHTS (admins)",
		"1 rows to send grant administrator rights")
	only := b.run("", "users", "import", input, "--dry-run", "--only-problems").want(t, cli.ExitAPI, "--only-problems")
	if strings.Contains(only.stdout, "habits.imp1") || !strings.Contains(only.stdout, "line 4 not-an-email: invalid") {
		t.Errorf("--only-problems:\n%s", only.stdout)
	}
	// Without a terminal and without --yes: refused before anything is sent.
	r := b.run("", "users", "import", input).want(t, cli.ExitUsage, "import with admin rows without --yes")
	wantIn(t, "import without --yes", r.stderr, "line 3 habits.imp2@example.com (admins)", "--yes")
	if poolUser(t, "habits.imp1@example.com") != nil {
		t.Fatal("the import sent rows before the admin grants were confirmed")
	}
	// On a terminal, "n" sends nothing and is not a failure (exit 0, as groups add's "n").
	code, shown := b.onTerminal("n", "users", "import", input)
	if code != 0 || !strings.Contains(shown, "nothing sent") || poolUser(t, "habits.imp1@example.com") != nil {
		t.Fatalf("answering n to the import's question: exit %d\n%s", code, shown)
	}
	r = b.run("", "users", "import", input, "--yes").want(t, cli.ExitAPI, "import --yes (one row invalid)")
	wantIn(t, "import summary", r.stdout, "1 created users were granted administrator rights", "line 3 habits.imp2@example.com (admins)")
	if !slices.Equal(poolGroups(t, "habits.imp2@example.com"), []string{"admins"}) {
		t.Error("the admin row was not created in admins")
	}
}

// TestHabitsAdvice: every hint names the profile in use, and a stale local
// profile (make dev restarted, or not running) says configure --local.
func TestHabitsAdvice(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	b := newBinUser(t)
	b.run("", "configure", "--local", "--profile", "ops").want(t, 0, "configure")
	r := b.run("", "users", "list", "--profile", "ops").want(t, cli.ExitNoSession, "before login")
	wantIn(t, "no session hint", r.stderr, "run useradmin login --profile ops")
	b.env = []string{"USERADMIN_PROFILE=ops"}
	r = b.run("", "users", "list").want(t, cli.ExitNoSession, "before login, profile from the environment")
	wantIn(t, "no session hint (env)", r.stderr, "run useradmin login --profile ops")
	b.env = nil
	b.run(password+"\n", "login", "--profile", "ops", "--email", adminEmail, "--password-stdin").want(t, 0, "login")

	// make dev restarted: .local/dev.json now names another pool.
	var d map[string]any
	raw, _ := os.ReadFile(filepath.Join(".local", "dev.json"))
	if err := json.Unmarshal(raw, &d); err != nil {
		t.Fatal(err)
	}
	orig := raw
	d["userPoolId"] = "us-east-1_restarted"
	changed, _ := json.Marshal(d)
	if err := os.WriteFile(filepath.Join(".local", "dev.json"), changed, 0o600); err != nil {
		t.Fatal(err)
	}
	r = b.run("", "users", "list", "--profile", "ops").want(t, cli.ExitNoSession, "users list after a restart")
	wantIn(t, "users list after a restart", r.stderr, "make dev has restarted", "useradmin configure --local --profile ops && useradmin login --profile ops")
	r = b.run(password+"\n", "login", "--profile", "ops", "--email", adminEmail, "--password-stdin").want(t, cli.ExitAPI, "login after a restart")
	wantIn(t, "login after a restart", r.stderr, "useradmin configure --local --profile ops")
	if err := os.WriteFile(filepath.Join(".local", "dev.json"), orig, 0o600); err != nil {
		t.Fatal(err)
	}

	// A dead local endpoint: the API's port answers nothing.
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	dead := "http://" + l.Addr().String()
	l.Close()
	d["userPoolId"] = env.Pool.ID
	d["apiUrl"] = dead
	d["cognitoEndpoint"] = dead // make dev stopped: the emulator is gone too
	deadFile, _ := json.Marshal(d)
	if err := os.WriteFile(filepath.Join(".local", "dev.json"), deadFile, 0o600); err != nil {
		t.Fatal(err)
	}
	b.run("", "configure", "--local", "--profile", "dead").want(t, 0, "configure a dead endpoint")
	r = b.run(password+"\n", "login", "--profile", "dead", "--email", adminEmail, "--password-stdin").want(t, cli.ExitAPI, "login against a dead API")
	wantIn(t, "dead endpoint", r.stderr, "local mode is not running", "useradmin configure --local --profile dead && useradmin login --profile dead")
}

// TestHabitsConventions: --version, completion, profiles, output formats
// and field selection, no format switch in a pipe, combined filters,
// --quiet, --debug, usage errors.
func TestHabitsConventions(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	b := newBinUser(t)

	v := b.run("", "--version").want(t, 0, "--version")
	wantIn(t, "--version", v.stdout, habitsVersion, habitsCommit, habitsDate)
	for _, sh := range []string{"bash", "zsh", "fish", "powershell"} {
		c := b.run("", "completion", sh).want(t, 0, "completion "+sh)
		if !strings.Contains(c.stdout, "useradmin") || len(c.stdout) < 500 {
			t.Errorf("completion %s: %.200s", sh, c.stdout)
		}
	}
	b.run("", "completion", "tcsh").want(t, cli.ExitUsage, "completion tcsh")

	b.signedInAdmin()
	b.run("", "configure", "--local", "--profile", "stage").want(t, 0, "configure a second profile")
	pl := b.run("", "profiles", "list").want(t, 0, "profiles list")
	if !regexp.MustCompile(`(?m)^default\s+\*\s+true\s+http://`).MatchString(pl.stdout) || !regexp.MustCompile(`(?m)^stage\s+false\s+http://`).MatchString(pl.stdout) {
		t.Errorf("profiles list:\n%s", pl.stdout)
	}
	ps := b.run("", "profiles", "show", "stage", "-o", "json").want(t, 0, "profiles show")
	var shown map[string]any
	if err := json.Unmarshal([]byte(ps.stdout), &shown); err != nil || shown["userPoolId"] != env.Pool.ID || shown["signedIn"] != false {
		t.Errorf("profiles show: %s (%v)", ps.stdout, err)
	}
	sess := readSession(t, b.conf, "default")
	for _, s := range []string{sess.IDToken, sess.RefreshToken, sess.AccessToken, password} {
		if strings.Contains(pl.stdout+ps.stdout, s) {
			t.Fatal("profiles print a secret")
		}
	}
	r := b.run("", "profiles", "show", "stag").want(t, cli.ExitUsage, "profiles show unknown")
	wantIn(t, "profiles show unknown", r.stderr, `did you mean "stage"`)

	// Output formats. A pipe gets the same table a terminal does: no silent switch.
	const who = "habits.out@example.com"
	if err := env.SeedUser(context.Background(), who, password, "admins"); err != nil {
		t.Fatal(err)
	}
	table := b.run("", "users", "get", who).want(t, 0, "users get (default)")
	if !regexp.MustCompile(`(?m)^email\s+` + regexp.QuoteMeta(who) + `$`).MatchString(table.stdout) {
		t.Errorf("default format in a pipe is not the table:\n%s", table.stdout)
	}
	js := b.run("", "users", "get", who, "-o", "json").want(t, 0, "-o json")
	var u struct {
		User struct{ Email string } `json:"user"`
	}
	if err := json.Unmarshal([]byte(js.stdout), &u); err != nil || u.User.Email != who {
		t.Errorf("-o json: %s", js.stdout)
	}
	y := b.run("", "users", "get", who, "-o", "yaml").want(t, 0, "-o yaml")
	wantIn(t, "-o yaml", y.stdout, "user:\n", "  email: "+who)
	c := b.run("", "users", "list", "--email-prefix", "habits.out", "-o", "csv").want(t, 0, "-o csv")
	if c.stdout != "" && !strings.HasPrefix(c.stdout, "email,status,enabled,groups,createdAt,updatedAt\n"+who+",CONFIRMED,true,admins,") {
		t.Errorf("-o csv:\n%s", c.stdout)
	}
	tp := b.run("", "users", "get", who, "--template", "{{.user.email}} {{.user.status}}").want(t, 0, "--template")
	if tp.stdout != who+" CONFIRMED" {
		t.Errorf("--template: %q", tp.stdout)
	}
	b.run("", "users", "get", who, "--template", "{{.user.email").want(t, cli.ExitUsage, "a broken template")
	b.run("", "users", "get", who, "-o", "xml").want(t, cli.ExitUsage, "-o xml")
	for _, args := range [][]string{{"whoami"}, {"groups", "list"}, {"groups", "members", "admins"}, {"users", "list"}, {"profiles", "list"}, {"profiles", "show"}} {
		for _, f := range []string{"table", "json", "csv", "yaml"} {
			out := b.run("", append(args, "-o", f)...).want(t, 0, strings.Join(args, " ")+" -o "+f)
			if strings.TrimSpace(out.stdout) == "" {
				t.Errorf("%v -o %s printed nothing", args, f)
			}
		}
	}

	// users list filters combine: status AND prefix AND group.
	if err := env.SeedUser(context.Background(), "habits.out2@example.com", password); err != nil {
		t.Fatal(err)
	}
	b.run("", "users", "create", "habits.outnew@example.com").want(t, 0, "create")
	emails := func(r cliResult) []string {
		var l struct {
			Users []struct{ Email string } `json:"users"`
		}
		if err := json.Unmarshal([]byte(r.stdout), &l); err != nil {
			t.Fatalf("%s: %v", r.stdout, err)
		}
		var out []string
		for _, u := range l.Users {
			out = append(out, u.Email)
		}
		slices.Sort(out)
		return out
	}
	got := emails(b.run("", "users", "list", "--status", "CONFIRMED", "--email-prefix", "habits.out", "--all", "-o", "json").want(t, 0, "status and prefix"))
	if !slices.Equal(got, []string{"habits.out2@example.com", who}) {
		t.Errorf("--status CONFIRMED --email-prefix habits.out: %v", got)
	}
	got = emails(b.run("", "users", "list", "--group", "admins", "--email-prefix", "habits.out", "--all", "-o", "json").want(t, 0, "group and prefix"))
	if !slices.Equal(got, []string{who}) {
		t.Errorf("--group admins --email-prefix habits.out: %v", got)
	}
	got = emails(b.run("", "users", "list", "--group", "admins", "--status", "FORCE_CHANGE_PASSWORD", "--email-prefix", "habits.out", "--all", "-o", "json").want(t, 0, "all three"))
	if len(got) != 0 {
		t.Errorf("all three filters: %v", got)
	}
	// One page, filtered here: the command says so, with the next token.
	paged := b.run("", "users", "list", "--status", "CONFIRMED", "--email-prefix", "habits", "--limit", "1").want(t, 0, "one filtered page")
	if strings.Contains(paged.stdout, "--next-token") || strings.Contains(paged.stderr, "filtered here") {
		wantIn(t, "one filtered page", paged.stderr+paged.stdout, "--next-token")
	}

	// --quiet: results only; --debug: requests, never a secret.
	q := b.run("", "users", "create", "habits.quiet@example.com", "--quiet").want(t, 0, "--quiet")
	if q.stderr != "" {
		t.Errorf("--quiet wrote to stderr: %q", q.stderr)
	}
	dbg := b.run(password+"\n", "login", "--email", adminEmail, "--password-stdin", "--debug").want(t, 0, "login --debug")
	wantIn(t, "login --debug", dbg.stderr, "debug: POST http://", "InitiateAuth", "debug: GET http://", "/groups", "[Authorization: redacted]")
	dbg2 := b.run("", "users", "get", who, "--debug").want(t, 0, "users get --debug")
	wantIn(t, "users get --debug", dbg2.stderr, "debug: GET http://", "-> 200")
	sess = readSession(t, b.conf, "default")
	for _, s := range []string{password, sess.IDToken, sess.RefreshToken, sess.AccessToken} {
		if strings.Contains(dbg.stderr+dbg2.stderr, s) {
			t.Fatal("--debug printed a password or token")
		}
	}

	// Usage errors: the subcommand's help, the nearest subcommand, the missing argument.
	r = b.run("", "users", "lst").want(t, cli.ExitUsage, "users lst")
	wantIn(t, "users lst", r.stderr, `did you mean "list"`, "Run 'useradmin users --help'")
	r = b.run("", "users", "create").want(t, cli.ExitUsage, "users create")
	wantIn(t, "users create", r.stderr, "useradmin users create needs EMAIL", "Run 'useradmin users create --help'")
	r = b.run("", "groups", "add", who).want(t, cli.ExitUsage, "groups add EMAIL")
	wantIn(t, "groups add EMAIL", r.stderr, "needs GROUP")
	r = b.run("", "users", "list", "--stauts", "x").want(t, cli.ExitUsage, "a mistyped flag")
	wantIn(t, "a mistyped flag", r.stderr, "Run 'useradmin users list --help'")
	// The API refusing the input is exit 2 too.
	r = b.run("", "users", "create", "not-an-email").want(t, cli.ExitUsage, "API 400")
	wantIn(t, "API 400", r.stderr, "HTTP 400")
	b.run("", "users", "list", "--limit", "0").want(t, cli.ExitUsage, "API 400 for --limit 0")

	// Examples in every command's help.
	for _, args := range [][]string{{"users", "create"}, {"groups", "add"}, {"users", "import"}, {"profiles", "show"}, {"completion"}} {
		h := b.run("", append(args, "--help")...).want(t, 0, strings.Join(args, " ")+" --help")
		wantIn(t, strings.Join(args, " ")+" --help", h.stdout, "Examples:", "useradmin "+strings.Join(args, " "))
	}
}

// TestHabitsExitCodes holds every command to the documented exit codes,
// run as the built binary and found the way a user finds them, from --help:
// 2 for invalid input (an unknown flag, a missing argument), 3 for no
// session (every command that calls the API, before it sends anything).
func TestHabitsExitCodes(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	b := newBinUser(t)
	b.run("", "configure", "--local").want(t, 0, "configure")
	csvFile := filepath.Join(t.TempDir(), "in.csv")
	if err := os.WriteFile(csvFile, []byte("email\nx@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	// Commands that need no session, and the arguments or flags the others need to reach it.
	noSession := map[string]bool{"configure": true, "login": true, "logout": true, "completion": true, "profiles list": true, "profiles show": true, "help": true,
		// AWS credentials, not an administrator's session (TestSCIMRotateToken in cli).
		"scim rotate-token": true}
	extra := map[string][]string{
		"users password": {"--reset"}, "users update": {"--given-name", "A"}, "users delete": {"--yes"},
		"mfa setup": {"--totp-secret-file", filepath.Join(t.TempDir(), "totp")}, "users import": {"--yes"},
	}
	fill := map[string]string{"EMAIL": "a@example.com", "GROUP": "admins", "FILE": csvFile}
	usage := regexp.MustCompile(`(?m)^Usage:\n\s+useradmin (.*?)(?: \[flags\])?$`)
	var leaves int
	var visit func(path []string)
	visit = func(path []string) {
		h := b.run("", append(slices.Clone(path), "--help")...).want(t, 0, strings.Join(path, " ")+" --help")
		if i := strings.Index(h.stdout, "Available Commands:"); i >= 0 {
			for _, l := range strings.Split(h.stdout[i:], "\n")[1:] {
				if strings.TrimSpace(l) == "" {
					break
				}
				name := strings.Fields(l)[0]
				if name != "help" {
					visit(append(slices.Clone(path), name))
				}
			}
			if len(path) > 0 {
				return // a group of commands
			}
		}
		if len(path) == 0 {
			return
		}
		leaves++
		key := strings.Join(path, " ")
		if r := b.run("", append(slices.Clone(path), "--no-such-flag")...); r.code != cli.ExitUsage {
			t.Errorf("%s --no-such-flag: exit %d, want 2", key, r.code)
		}
		m := usage.FindStringSubmatch(h.stdout)
		if m == nil {
			t.Errorf("%s --help has no usage line:\n%s", key, h.stdout)
			return
		}
		var args []string
		for _, w := range strings.Fields(m[1])[len(path):] {
			if v, ok := fill[w]; ok {
				args = append(args, v)
			}
		}
		if len(args) > 0 {
			// One argument short: exit 2, the missing one named.
			r := b.run("", append(slices.Clone(path), args[:len(args)-1]...)...)
			if r.code != cli.ExitUsage || !strings.Contains(r.stderr, "needs ") {
				t.Errorf("%s with an argument missing: exit %d, %q", key, r.code, r.stderr)
			}
		}
		if noSession[key] {
			return
		}
		argv := append(append(slices.Clone(path), args...), extra[key]...)
		if r := b.run("", argv...); r.code != cli.ExitNoSession || !strings.Contains(r.stderr, "useradmin login") {
			t.Errorf("%v without a session: exit %d, want 3 and the login hint\n%s", argv, r.code, r.stderr)
		}
	}
	visit(nil)
	if leaves < 25 {
		t.Errorf("found %d commands from --help; the walk is broken", leaves)
	}
}
