package cli

import (
	"bytes"
	"context"
	"github.com/useradmin/cognito-user-admin/lambda/audit"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"

	"github.com/useradmin/cognito-user-admin/api"
	"github.com/useradmin/cognito-user-admin/cli/bulk"
)

// walk calls f for every command of the tree.
func walk(c *cobra.Command, f func(*cobra.Command)) {
	f(c)
	for _, sub := range c.Commands() {
		walk(sub, f)
	}
}

// TestEveryOperationHasACommand holds the command to the API document: an
// operation added to api/openapi.yaml fails here until a command calls it
// (annotated with its operationId, see apiCommand).
func TestEveryOperationHasACommand(t *testing.T) {
	spec, err := api.Load()
	if err != nil {
		t.Fatal(err)
	}
	commands := map[string]string{}
	walk(newApp(IO{}).rootCommand(), func(c *cobra.Command) {
		if id := c.Annotations[operationKey]; id != "" {
			if prev, dup := commands[id]; dup {
				t.Errorf("operation %s has two commands: %q and %q", id, prev, c.CommandPath())
			}
			commands[id] = c.CommandPath()
		}
	})
	ops := map[string]bool{}
	for _, r := range spec.Routes {
		ops[r.OperationID] = true
		if _, ok := commands[r.OperationID]; !ok {
			t.Errorf("operation %s (%s) has no useradmin command", r.OperationID, r.Key())
		}
	}
	for id, path := range commands {
		if !ops[id] {
			t.Errorf("%q calls operation %s, which api/openapi.yaml does not have", path, id)
		}
	}
}

// TestNoSecretFlags: passwords and tokens never come from the command
// line (where ps and shell history would show them). Any flag named like a
// secret may only be a switch that says to read it from standard input.
func TestNoSecretFlags(t *testing.T) {
	secretish := regexp.MustCompile(`(?i)pass|token|secret|session|key|credential|otp`)
	// A page's nextToken is an opaque cursor and a password policy is a
	// set of rules: neither is a credential. --totp-secret-file names the
	// new 0600 file the secret is written to, not the secret. --otp is a
	// one-time code that lives 30 seconds, kept for old scripts beside
	// --otp-stdin, which keeps it out of the process list.
	// --secret-id names the Secrets Manager secret a SCIM token's hash is written to, not a secret.
	allowed := map[string]bool{"next-token": true, "password-policy": true, "totp-secret-file": true, "otp": true, "secret-id": true}
	n := 0
	walk(newApp(IO{}).rootCommand(), func(c *cobra.Command) {
		visit := func(f *pflag.Flag) {
			if !secretish.MatchString(f.Name) || allowed[f.Name] {
				return
			}
			n++
			if f.Value.Type() != "bool" {
				t.Errorf("%s --%s takes a %s value: a secret must not come from a flag", c.CommandPath(), f.Name, f.Value.Type())
			}
		}
		c.LocalFlags().VisitAll(visit)
	})
	if n < 3 { // --password-stdin, --temporary-password-stdin, --otp-stdin
		t.Fatalf("found %d secret-related flags; the walk is broken", n)
	}
}

// run runs the command in-process.
func run(t *testing.T, env map[string]string, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := Main(context.Background(), args, IO{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(k string) string { return env[k] },
	})
	return code, out.String(), errb.String()
}

func TestConfigureFilesArePrivate(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "conf")
	// An existing, too-open directory is tightened.
	if err := os.MkdirAll(dir, 0o755); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir}
	code, _, stderr := run(t, env, "", "configure", "--profile", "prd", "--api-url", "https://api.example.com/prd",
		"--region", "eu-west-1", "--user-pool-id", "eu-west-1_abc", "--client-id", "client123")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	assertMode(t, dir, 0o700)
	assertMode(t, filepath.Join(dir, "config.json"), 0o600)
	b, _ := os.ReadFile(filepath.Join(dir, "config.json"))
	for _, want := range []string{`"prd"`, "https://api.example.com/prd", "eu-west-1_abc", "client123"} {
		if !strings.Contains(string(b), want) {
			t.Errorf("config.json lacks %s:\n%s", want, b)
		}
	}
}

// TestSessionFileIsPrivate: the session holds tokens: its file is 0600 and
// its directory 0700, also when they were there before with wider modes.
func TestSessionFileIsPrivate(t *testing.T) {
	dir := t.TempDir()
	sessions := filepath.Join(dir, "sessions")
	if err := os.MkdirAll(sessions, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(sessions, "default.json"), []byte("{}"), 0o644); err != nil {
		t.Fatal(err)
	}
	a := &app{confDir: dir, profile: "default"}
	if err := a.saveSession(&Session{IDToken: "x", RefreshToken: "r"}); err != nil {
		t.Fatal(err)
	}
	assertMode(t, sessions, 0o700)
	assertMode(t, a.sessionPath(), 0o600)
	a.profile = "other" // a new file, in the directory as it is now
	if err := a.saveSession(&Session{IDToken: "y"}); err != nil {
		t.Fatal(err)
	}
	assertMode(t, a.sessionPath(), 0o600)
}

func assertMode(t *testing.T, path string, want os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode().Perm(); got != want {
		t.Errorf("%s: mode %o, want %o", path, got, want)
	}
}

func TestProfileFromEnvironment(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir, "USERADMIN_PROFILE": "stg"}
	if code, _, stderr := run(t, env, "", "configure", "--api-url", "https://a.example.com/", "--region", "r", "--user-pool-id", "r_1", "--client-id", "c"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	c := (&app{confDir: dir})
	cfg, err := c.loadConfig()
	if err != nil {
		t.Fatal(err)
	}
	if _, ok := cfg.Profiles["stg"]; !ok || len(cfg.Profiles) != 1 {
		t.Errorf("profiles %v, want only stg (from USERADMIN_PROFILE)", cfg.Profiles)
	}
}

// configure's closing hint is a hint like every other: --profile only for a
// profile other than default.
func TestConfigureHintNamesTheProfile(t *testing.T) {
	for profile, want := range map[string]string{"default": "Next: useradmin login\n", "prd": "Next: useradmin login --profile prd\n"} {
		env := map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}
		code, _, stderr := run(t, env, "", "configure", "--profile", profile, "--api-url", "https://a.example.com/", "--region", "r", "--user-pool-id", "r_1", "--client-id", "c")
		if code != 0 || !strings.HasSuffix(stderr, want) {
			t.Errorf("configure --profile %s: exit %d, stderr %q, want it to end %q", profile, code, stderr, want)
		}
	}
}

func TestUsageErrorsExit2(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir}
	for _, tc := range [][]string{
		{"no-such-command"},
		{"users", "no-such-command"},
		{"groups", "no-such-command"},
		{"mfa", "no-such-command"},
		{"users", "get"},
		{"users", "get", "a@example.com", "extra"},
		{"groups", "add", "a@example.com"},
		{"users", "list", "--limit", "many"},
		{"--output", "xml", "whoami"},
		{"audit", "--since", "yesterday"},
		{"users", "history", "a@example.com", "--until", "2026-13-01"},
		{"--profile", "../etc", "whoami"},
		{"configure", "--api-url", "https://a.example.com"},
		{"configure", "--local", "--from-stack", "UserAdmin-prd"},
		{"configure", "--api-url", "ftp://a", "--region", "r", "--user-pool-id", "r_1", "--client-id", "c"},
		{"login", "--password-stdin"},
		{"login", "--password", "x"},
	} {
		code, _, stderr := run(t, env, "", tc...)
		if code != ExitUsage {
			t.Errorf("%v: exit %d, want 2 (stderr %q)", tc, code, stderr)
		}
		if !strings.HasPrefix(stderr, "useradmin: ") {
			t.Errorf("%v: stderr %q does not say what is wrong", tc, stderr)
		}
	}
}

func TestNoSessionExits3(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir}
	for _, tc := range [][]string{{"whoami"}, {"users", "list"}, {"users", "get", "a@example.com"}} {
		code, _, stderr := run(t, env, "", tc...)
		if code != ExitNoSession || !strings.Contains(stderr, "run useradmin login") {
			t.Errorf("%v: exit %d, stderr %q; want 3 and 'run useradmin login'", tc, code, stderr)
		}
	}
	// A profile that does not exist needs configure first: login alone would refuse it.
	if code, _, stderr := run(t, env, "", "users", "list"); !strings.Contains(stderr, "useradmin configure") {
		t.Errorf("no profile: exit %d, stderr %q; want it to name useradmin configure", code, stderr)
	}
	if code, _, _ := run(t, env, "", "configure", "--api-url", "https://a.example.com/", "--region", "r", "--user-pool-id", "r_1", "--client-id", "c"); code != 0 {
		t.Fatal("configure failed")
	}
	if code, _, stderr := run(t, env, "", "users", "list"); code != ExitNoSession || !strings.Contains(stderr, "not signed in") {
		t.Errorf("configured, not signed in: exit %d, stderr %q", code, stderr)
	}
}

func TestConfigureLineQuotes(t *testing.T) {
	got := configureLine("prd", Profile{APIURL: "https://x.example.com/prd", Region: "eu-west-1", UserPoolID: "eu-west-1_a", ClientID: "c1"})
	want := "useradmin configure --profile prd --api-url https://x.example.com/prd --region eu-west-1 --user-pool-id eu-west-1_a --client-id c1"
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
	if got := configureLine("a b", Profile{APIURL: "u", Region: "r", UserPoolID: "p", ClientID: "c"}); !strings.Contains(got, "'a b'") {
		t.Errorf("unquoted: %s", got)
	}
}

// Reconfiguring a profile to another pool or client forgets its session,
// whose tokens belong to the old one; the same values keep it.
func TestReconfigureForgetsSession(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": dir}
	conf := func(client string) {
		t.Helper()
		if code, _, stderr := run(t, env, "", "configure", "--api-url", "https://a.example.com/", "--region", "r", "--user-pool-id", "r_1", "--client-id", client); code != 0 {
			t.Fatalf("exit %d: %s", code, stderr)
		}
	}
	conf("c1")
	a := &app{confDir: dir, profile: "default"}
	if err := a.saveSession(&Session{IDToken: "x"}); err != nil {
		t.Fatal(err)
	}
	conf("c1")
	if s, _ := a.loadSession(); s == nil {
		t.Fatal("the same values forgot the session")
	}
	conf("c2")
	if s, _ := a.loadSession(); s != nil {
		t.Fatal("the session of the old client survived")
	}
}

// An import whose --report cannot be written is refused before anything is
// sent (it used to run every row, then exit 0 without the report).
func TestImportReportPathCheckedFirst(t *testing.T) {
	dir := t.TempDir()
	input := filepath.Join(dir, "users.csv")
	if err := os.WriteFile(input, []byte("email\na@example.com\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	env := map[string]string{"USERADMIN_CONFIG_DIR": filepath.Join(dir, "conf")}
	code, _, stderr := run(t, env, "", "users", "import", input, "--report", filepath.Join(dir, "no-such-dir", "report.csv"))
	if code != ExitUsage || !strings.Contains(stderr, "--report") {
		t.Errorf("exit %d, stderr %q; want 2 naming --report", code, stderr)
	}
	if _, err := os.Stat(input + ".journal"); err == nil {
		t.Error("a journal was written")
	}
}

// A temporary password in a JSON Lines import is checked against the
// profile's password policy before anything is sent, as POST /users checks
// it, so the dry run's plan and the run agree with the API.
func TestImportChecksTemporaryPasswords(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": filepath.Join(dir, "conf")}
	if code, _, stderr := run(t, env, "", "configure", "--api-url", "https://a.example.com/", "--region", "r", "--user-pool-id", "r_1", "--client-id", "c"); code != 0 {
		t.Fatalf("configure: %s", stderr)
	}
	input := filepath.Join(dir, "users.jsonl")
	body := `{"email":"weak@example.com","temporaryPassword":"short"}` + "\n" +
		`{"email":"good@example.com","temporaryPassword":"Long-enough-1234!"}` + "\n"
	if err := os.WriteFile(input, []byte(body), 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, env, "", "users", "import", input, "--dry-run")
	if code != ExitAPI || !strings.Contains(stdout, "line 1 weak@example.com: invalid InvalidPassword: temporaryPassword must be at least 12 characters long") ||
		!strings.Contains(stdout, "line 2 good@example.com: create") {
		t.Errorf("exit %d\nstdout %s\nstderr %s", code, stdout, stderr)
	}
	if strings.Contains(stdout+stderr, "short") || strings.Contains(stdout+stderr, "Long-enough") {
		t.Errorf("a temporary password was printed:\n%s%s", stdout, stderr)
	}
}

func TestAuditChangeSummary(t *testing.T) {
	on, off := true, false
	for _, tc := range []struct {
		before, after *audit.State
		want          string
	}{
		{nil, &audit.State{Status: "FORCE_CHANGE_PASSWORD"}, "created"},
		{&audit.State{Status: "CONFIRMED"}, nil, "deleted"},
		{&audit.State{Enabled: &on, Groups: []string{"a"}}, &audit.State{Enabled: &off, Groups: []string{"a"}}, "enabled: true→false"},
		{&audit.State{}, &audit.State{Groups: []string{"admins"}, Attributes: map[string]string{"dept": "ops"}}, "attributes.dept: -→ops; groups: -→[admins]"},
		{nil, nil, ""},
		// A resend's after has no MFA state (not read): that is no change.
		{&audit.State{Status: "FORCE_CHANGE_PASSWORD", Enabled: &on, MFAEnabled: &off}, &audit.State{Status: "FORCE_CHANGE_PASSWORD", Enabled: &on}, ""},
		{&audit.State{Status: "CONFIRMED", MFAEnabled: &on}, &audit.State{Status: "CONFIRMED", MFAEnabled: &off}, "mfaEnabled: true→false"},
	} {
		if got := change(tc.before, tc.after); got != tc.want {
			t.Errorf("change(%+v, %+v) = %q, want %q", tc.before, tc.after, got, tc.want)
		}
	}
}

// The wiring of the journal's pool: a file imported into stg is not "done
// earlier" when imported into prd. The dry run (no session needed) shows it.
func TestImportJournalOfAnotherPool(t *testing.T) {
	dir := t.TempDir()
	env := map[string]string{"USERADMIN_CONFIG_DIR": filepath.Join(dir, "conf")}
	for _, p := range []string{"stg", "prd"} {
		if code, _, stderr := run(t, env, "", "configure", "--profile", p, "--api-url", "https://"+p+".example.com/",
			"--region", "r", "--user-pool-id", "r_"+p, "--client-id", "c"); code != 0 {
			t.Fatalf("configure %s: exit %d: %s", p, code, stderr)
		}
	}
	input := filepath.Join(dir, "users.csv")
	data := []byte("email\na@example.com\n")
	if err := os.WriteFile(input, data, 0o600); err != nil {
		t.Fatal(err)
	}
	// A journal of a run into stg that created row 2.
	j, err := bulk.OpenJournalFor(input+".journal", bulk.HashInput(data), "r_stg", false)
	if err != nil {
		t.Fatal(err)
	}
	j.Close()
	journal, _ := os.ReadFile(input + ".journal")
	journal = append(journal, []byte(`{"row":2,"ev":"done","result":{"row":2,"email":"a@example.com","outcome":"created","status":201}}`+"\n")...)
	if err := os.WriteFile(input+".journal", journal, 0o600); err != nil {
		t.Fatal(err)
	}
	code, stdout, stderr := run(t, env, "", "users", "import", input, "--dry-run", "--profile", "prd")
	if code != ExitUsage || !strings.Contains(stderr, "another user pool") || strings.Contains(stdout, "earlier run") {
		t.Errorf("prd: exit %d\nstdout %s\nstderr %s\nwant exit %d: the journal belongs to stg", code, stdout, stderr, ExitUsage)
	}
	code, stdout, stderr = run(t, env, "", "users", "import", input, "--dry-run", "--profile", "stg")
	if code != 0 || !strings.Contains(stdout, "created by an earlier run") {
		t.Errorf("stg: exit %d\nstdout %s\nstderr %s\nwant row 2 done earlier", code, stdout, stderr)
	}
}
