package test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
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
	"github.com/pquerna/otp/totp"

	"github.com/useradmin/cognito-user-admin/cli"
	"github.com/useradmin/cognito-user-admin/infra"
	"github.com/useradmin/cognito-user-admin/local"
)

// adminClientID is the app client administrators sign in through: the one
// place the useradmin tests take it from.
func adminClientID() string { return env.Pool.AdminClientID }

// writeDevFile writes .local/dev.json as make dev does, in a fresh working
// directory, and moves the test there (configure --local reads it from the
// working directory).
func writeDevFile(t *testing.T) {
	t.Helper()
	dir := t.TempDir()
	d := map[string]any{
		"apiUrl": gateway.URL, "region": local.Region, "userPoolId": env.Pool.ID,
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

type cliResult struct {
	code           int
	stdout, stderr string
}

// useradmin runs the command in-process with its configuration in confDir.
func useradmin(t *testing.T, confDir string, stdin io.Reader, args ...string) cliResult {
	t.Helper()
	if stdin == nil {
		stdin = strings.NewReader("")
	}
	var out bytes.Buffer
	errb := &syncBuffer{}
	if l, ok := stdin.(*lazyLines); ok {
		l.stderr = errb
	}
	code := cli.Main(context.Background(), args, cli.IO{
		Stdin: stdin, Stdout: &out, Stderr: errb,
		Getenv: func(k string) string {
			switch k {
			case "USERADMIN_CONFIG_DIR":
				return confDir
			case "USERADMIN_OUTPUT":
				// These tests read the API's JSON, as a script does: the
				// default format is the table, in a pipe too.
				return "json"
			}
			return ""
		},
	})
	return cliResult{code, out.String(), errb.String()}
}

func (r cliResult) want(t *testing.T, code int, what string) cliResult {
	t.Helper()
	if r.code != code {
		t.Fatalf("%s: exit %d, want %d\nstdout: %s\nstderr: %s", what, r.code, code, r.stdout, r.stderr)
	}
	return r
}

// lazyLines is standard input whose lines are made when read: a TOTP code
// can only be computed once the command has shown the secret on stderr.
type lazyLines struct {
	lines  []func(stderr string) string
	stderr *syncBuffer
}

func (l *lazyLines) Read(p []byte) (int, error) {
	if len(l.lines) == 0 {
		return 0, io.EOF
	}
	s := l.lines[0](l.stderr.String()) + "\n"
	l.lines = l.lines[1:]
	return copy(p, s), nil
}

func line(s string) func(string) string { return func(string) string { return s } }

var secretLine = regexp.MustCompile(`(?m)^Secret: (\S+)$`)

// secretInFile reads the TOTP secret the command wrote to file
// (--totp-secret-file: these runs have no terminal, so it shows it nowhere else).
func secretInFile(t *testing.T, file string) string {
	t.Helper()
	b, err := os.ReadFile(file)
	if err != nil {
		t.Fatalf("the secret file: %v", err)
	}
	m := secretLine.FindStringSubmatch(string(b))
	if m == nil || !strings.Contains(string(b), "otpauth://totp/") || !strings.Contains(string(b), "secret="+m[1]) {
		t.Fatalf("the secret and its otpauth URI are not in the file: %s", b)
	}
	if fi, err := os.Stat(file); err != nil || fi.Mode().Perm() != 0o600 {
		t.Fatalf("the secret file's mode: %v %v", fi.Mode(), err)
	}
	return m[1]
}

// codeFromSecretFile computes the current TOTP code of the secret the
// command wrote to file, once it has asked for the code.
func codeFromSecretFile(t *testing.T, file string) func(string) string {
	return func(stderr string) string {
		if secretLine.MatchString(stderr) {
			t.Errorf("the secret was shown on stderr, which is no terminal: %s", stderr)
		}
		b, err := os.ReadFile(file)
		m := secretLine.FindSubmatch(b)
		if err != nil || m == nil {
			t.Errorf("no secret in %s (%v); stderr: %s", file, err, stderr)
			return ""
		}
		return currentCode(t, string(m[1]))
	}
}

func currentCode(t *testing.T, secret string) string {
	code, err := totp.GenerateCode(secret, time.Now())
	if err != nil {
		t.Fatal(err)
	}
	return code
}

func cognitoUser(t *testing.T, c *cip.Client, poolID, email string) *cip.AdminGetUserOutput {
	t.Helper()
	u, err := c.AdminGetUser(context.Background(), &cip.AdminGetUserInput{UserPoolId: &poolID, Username: &email})
	if err != nil {
		t.Fatalf("AdminGetUser %s: %v", email, err)
	}
	return u
}

func assertPrivate(t *testing.T, confDir string) {
	t.Helper()
	err := filepath.WalkDir(confDir, func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		fi, _ := d.Info()
		want := fs.FileMode(0o600)
		if d.IsDir() {
			want = 0o700
		}
		if fi.Mode().Perm() != want {
			t.Errorf("%s: mode %o, want %o", path, fi.Mode().Perm(), want)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// TestUseradminAdmin drives every command as the seeded admin, checking
// each effect in the pool and each exit code.
func TestUseradminAdmin(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	conf := filepath.Join(t.TempDir(), "useradmin")
	ctx := context.Background()

	useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure --local")
	useradmin(t, conf, nil, "users", "list").want(t, cli.ExitNoSession, "before login")
	login := useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")
	assertPrivate(t, conf)

	who := useradmin(t, conf, nil, "whoami").want(t, 0, "whoami")
	var w struct {
		Email   string   `json:"email"`
		Groups  []string `json:"groups"`
		Profile string   `json:"profile"`
	}
	// The clients' ReadAttributes name email, so the emulator, like Cognito,
	// puts the address in the token's email claim (without them moto put the
	// username, for email pools the sub, there).
	claimEmail := adminEmail
	if err := json.Unmarshal([]byte(who.stdout), &w); err != nil || w.Email != claimEmail || !slices.Contains(w.Groups, "admins") || w.Profile != "default" {
		t.Fatalf("whoami: %s (%v)", who.stdout, err)
	}
	table := useradmin(t, conf, nil, "whoami", "--output", "table").want(t, 0, "whoami table")
	if !regexp.MustCompile(`email\s+`+regexp.QuoteMeta(claimEmail)).MatchString(table.stdout) || !regexp.MustCompile(`groups\s+admins`).MatchString(table.stdout) {
		t.Errorf("whoami table: %s", table.stdout)
	}

	// create, with a + in the address (paths carry it escaped once)
	const newUser = "cli.new+tag@example.com"
	// Into a role, the invitation is always emailed (docs/roles.md: no takeover): a password handed over is refused.
	useradmin(t, conf, strings.NewReader("Temp-Passw0rd-New!\n"), "users", "create", newUser, "--group", "admins", "--yes", "--no-invitation", "--temporary-password-stdin").want(t, 1, "users create into a role, not emailed")
	created := useradmin(t, conf, nil, "users", "create", newUser, "--group", "admins", "--yes").want(t, 0, "users create")
	var cu struct {
		User struct {
			Email  string   `json:"email"`
			Status string   `json:"status"`
			Groups []string `json:"groups"`
		} `json:"user"`
	}
	if err := json.Unmarshal([]byte(created.stdout), &cu); err != nil || cu.User.Email != newUser || cu.User.Status != "FORCE_CHANGE_PASSWORD" {
		t.Fatalf("create printed %s (%v)", created.stdout, err)
	}
	if u := cognitoUser(t, env.Cognito, env.Pool.ID, newUser); u.UserStatus != types.UserStatusTypeForceChangePassword {
		t.Errorf("in the pool: %s", u.UserStatus)
	}
	if gs := poolGroups(t, newUser); !slices.Equal(gs, []string{"admins"}) {
		t.Errorf("groups in the pool: %v", gs)
	}

	// an API error: exit 1, code, message and request id on stderr
	dup := useradmin(t, conf, nil, "users", "create", "CLI.New+tag@Example.com").want(t, 1, "duplicate create")
	if !strings.Contains(dup.stderr, "UserExists") || !regexp.MustCompile(`request id \S+`).MatchString(dup.stderr) || dup.stdout != "" {
		t.Errorf("duplicate create: stderr %q stdout %q", dup.stderr, dup.stdout)
	}
	missing := useradmin(t, conf, nil, "users", "get", "nobody@example.com").want(t, 1, "get a missing user")
	if !strings.Contains(missing.stderr, "UserNotFound") || !strings.Contains(missing.stderr, "HTTP 404") {
		t.Errorf("missing user: %q", missing.stderr)
	}

	// get: --output json prints exactly the API's JSON
	got := useradmin(t, conf, nil, "users", "get", newUser).want(t, 0, "users get")
	var raw map[string]json.RawMessage
	if err := json.Unmarshal([]byte(got.stdout), &raw); err != nil || len(raw) != 1 || raw["user"] == nil {
		t.Errorf("users get: %s", got.stdout)
	}
	getTable := useradmin(t, conf, nil, "users", "get", newUser, "-o", "table").want(t, 0, "users get table")
	if !regexp.MustCompile(`status\s+FORCE_CHANGE_PASSWORD`).MatchString(getTable.stdout) {
		t.Errorf("users get table: %s", getTable.stdout)
	}

	// list: one page, filters, every page
	page := useradmin(t, conf, nil, "users", "list", "--limit", "1").want(t, 0, "users list")
	var l struct {
		Users []struct {
			Email string `json:"email"`
		} `json:"users"`
		NextToken *string `json:"nextToken"`
	}
	if err := json.Unmarshal([]byte(page.stdout), &l); err != nil || len(l.Users) != 1 || l.NextToken == nil {
		t.Fatalf("one page: %s", page.stdout)
	}
	all := useradmin(t, conf, nil, "users", "list", "--limit", "1", "--all").want(t, 0, "users list --all")
	l.Users, l.NextToken = nil, nil
	if err := json.Unmarshal([]byte(all.stdout), &l); err != nil || l.NextToken != nil {
		t.Fatalf("all pages: %s", all.stdout)
	}
	var emails []string
	for _, u := range l.Users {
		emails = append(emails, u.Email)
	}
	for _, e := range []string{adminEmail, userEmail, newUser} {
		if !slices.Contains(emails, e) {
			t.Errorf("--all lacks %s: %v", e, emails)
		}
	}
	prefixed := useradmin(t, conf, nil, "users", "list", "--email-prefix", "cli.new").want(t, 0, "list --email-prefix")
	if !strings.Contains(prefixed.stdout, newUser) || strings.Contains(prefixed.stdout, adminEmail) {
		t.Errorf("--email-prefix: %s", prefixed.stdout)
	}
	byStatus := useradmin(t, conf, nil, "users", "list", "--status", "FORCE_CHANGE_PASSWORD", "-o", "table").want(t, 0, "list --status")
	if !strings.Contains(byStatus.stdout, newUser) || strings.Contains(byStatus.stdout, adminEmail) || !strings.HasPrefix(byStatus.stdout, "EMAIL") {
		t.Errorf("--status table: %s", byStatus.stdout)
	}
	// status and prefix together: the API filters on the prefix, the command on the status.
	both := useradmin(t, conf, nil, "users", "list", "--status", "CONFIRMED", "--email-prefix", "cli.", "--all").want(t, 0, "status and prefix together")
	if strings.Contains(both.stdout, newUser) {
		t.Errorf("--status CONFIRMED listed a FORCE_CHANGE_PASSWORD user: %s", both.stdout)
	}

	useradmin(t, conf, nil, "users", "resend", newUser).want(t, 0, "users resend")

	useradmin(t, conf, nil, "users", "disable", newUser).want(t, 0, "users disable")
	if u := cognitoUser(t, env.Cognito, env.Pool.ID, newUser); u.Enabled {
		t.Error("still enabled after users disable")
	}
	useradmin(t, conf, nil, "users", "enable", newUser).want(t, 0, "users enable")
	if u := cognitoUser(t, env.Cognito, env.Pool.ID, newUser); !u.Enabled {
		t.Error("still disabled after users enable")
	}

	useradmin(t, conf, nil, "groups", "remove", newUser, "admins").want(t, 0, "groups remove")
	if gs := poolGroups(t, newUser); len(gs) != 0 {
		t.Errorf("groups after remove: %v", gs)
	}
	added := useradmin(t, conf, nil, "groups", "add", newUser, "admins", "--yes", "-o", "table").want(t, 0, "groups add")
	if gs := poolGroups(t, newUser); !slices.Equal(gs, []string{"admins"}) || !strings.Contains(added.stdout, "added") {
		t.Errorf("groups after add: %v; printed %q", gs, added.stdout)
	}
	useradmin(t, conf, nil, "groups", "add", newUser, "no-such-group").want(t, cli.ExitUsage, "groups add to an unmanaged group")

	// delete asks first; with no terminal and no --yes it refuses, and nothing is deleted
	useradmin(t, conf, nil, "users", "delete", newUser).want(t, cli.ExitUsage, "delete without --yes")
	cognitoUser(t, env.Cognito, env.Pool.ID, newUser)
	useradmin(t, conf, nil, "users", "delete", newUser, "--yes").want(t, 0, "users delete --yes")
	if _, err := env.Cognito.AdminGetUser(ctx, &cip.AdminGetUserInput{UserPoolId: &env.Pool.ID, Username: aws.String(newUser)}); err == nil {
		t.Error("the user is still in the pool after delete")
	}

	// Secrets stay out of every output and of the profile file.
	sess := readSession(t, conf, "default")
	for _, r := range []cliResult{login, who, created, dup, got, all} {
		for _, secret := range []string{password, sess.IDToken, sess.RefreshToken, sess.AccessToken} {
			if strings.Contains(r.stdout+r.stderr, secret) {
				t.Fatal("a password or token was printed")
			}
		}
	}
	cfg, _ := os.ReadFile(filepath.Join(conf, "config.json"))
	if strings.Contains(string(cfg), password) || strings.Contains(string(cfg), sess.RefreshToken) {
		t.Error("config.json holds a secret")
	}
}

type sessionFile struct {
	IDToken      string    `json:"idToken"`
	AccessToken  string    `json:"accessToken"`
	RefreshToken string    `json:"refreshToken"`
	ExpiresAt    time.Time `json:"expiresAt"`
	ClientID     string    `json:"clientId"`
}

func sessionPath(conf, profile string) string {
	return filepath.Join(conf, "sessions", profile+".json")
}

func readSession(t *testing.T, conf, profile string) sessionFile {
	t.Helper()
	b, err := os.ReadFile(sessionPath(conf, profile))
	if err != nil {
		t.Fatal(err)
	}
	var s sessionFile
	if err := json.Unmarshal(b, &s); err != nil {
		t.Fatal(err)
	}
	return s
}

// editSession rewrites the cached session, as time passing would.
func editSession(t *testing.T, conf, profile string, edit func(map[string]any)) {
	t.Helper()
	p := sessionPath(conf, profile)
	b, err := os.ReadFile(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		t.Fatal(err)
	}
	edit(m)
	b, _ = json.Marshal(m)
	if err := os.WriteFile(p, b, 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestUseradminSession: an expired ID token is renewed with the refresh
// token without asking; a refused renewal asks to log in again (exit 3).
func TestUseradminSession(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	conf := t.TempDir()
	useradmin(t, conf, nil, "configure", "--local", "--profile", "s").want(t, 0, "configure")
	useradmin(t, conf, strings.NewReader(password+"\n"), "--profile", "s", "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")
	before := readSession(t, conf, "s")
	if before.ClientID != adminClientID() || time.Until(before.ExpiresAt) < 5*time.Minute {
		t.Fatalf("session: client %s, expires %s", before.ClientID, before.ExpiresAt)
	}

	editSession(t, conf, "s", func(m map[string]any) { m["expiresAt"] = time.Now().Add(-time.Minute).Format(time.RFC3339) })
	useradmin(t, conf, nil, "--profile", "s", "users", "get", adminEmail).want(t, 0, "a call with an expired session")
	after := readSession(t, conf, "s")
	if time.Until(after.ExpiresAt) < 5*time.Minute || after.RefreshToken != before.RefreshToken {
		t.Fatalf("not renewed: expires %s", after.ExpiresAt)
	}
	assertPrivate(t, conf)

	editSession(t, conf, "s", func(m map[string]any) {
		m["expiresAt"] = time.Now().Add(-time.Minute).Format(time.RFC3339)
		m["refreshToken"] = "revoked-or-expired"
	})
	r := useradmin(t, conf, nil, "--profile", "s", "users", "list").want(t, cli.ExitNoSession, "a refused renewal")
	if !strings.Contains(r.stderr, "run useradmin login") {
		t.Errorf("stderr %q", r.stderr)
	}
	useradmin(t, conf, nil, "--profile", "s", "whoami").want(t, cli.ExitNoSession, "after a refused renewal")
}

// cognitoFix stands in front of moto where moto departs from Cognito in
// what the command relies on: it answers RevokeToken (moto 5.2 fails it
// with a 500) and records it, and it sends MFAS_CAN_SETUP as Cognito does,
// a JSON-encoded string (moto sends a list, which the SDK cannot decode).
type cognitoFix struct {
	*httptest.Server
	mu      sync.Mutex
	revoked []map[string]string
}

func newCognitoFix(t *testing.T, endpoint string) *cognitoFix {
	target, _ := url.Parse(endpoint)
	f := &cognitoFix{}
	rp := httputil.NewSingleHostReverseProxy(target)
	rp.ModifyResponse = func(r *http.Response) error {
		b, err := io.ReadAll(r.Body)
		r.Body.Close()
		if err != nil {
			return err
		}
		var m map[string]any
		if json.Unmarshal(b, &m) == nil {
			if params, ok := m["ChallengeParameters"].(map[string]any); ok {
				for k, v := range params {
					if list, ok := v.([]any); ok {
						enc, _ := json.Marshal(list)
						params[k] = string(enc)
					}
				}
				b, _ = json.Marshal(m)
			}
		}
		r.Body = io.NopCloser(bytes.NewReader(b))
		r.ContentLength = int64(len(b))
		r.Header.Set("Content-Length", fmt.Sprint(len(b)))
		return nil
	}
	f.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Amz-Target") == "AWSCognitoIdentityProviderService.RevokeToken" {
			var in map[string]string
			_ = json.NewDecoder(r.Body).Decode(&in)
			f.mu.Lock()
			f.revoked = append(f.revoked, in)
			f.mu.Unlock()
			w.Header().Set("Content-Type", "application/x-amz-json-1.1")
			fmt.Fprint(w, "{}")
			return
		}
		rp.ServeHTTP(w, r)
	}))
	t.Cleanup(f.Close)
	return f
}

func (f *cognitoFix) revokedTokens() []map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.revoked)
}

// TestUseradminLogout: logout revokes the refresh token with Cognito and
// forgets the session.
func TestUseradminLogout(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	proxy := newCognitoFix(t, env.Emulator.Endpoint)
	conf := t.TempDir()
	useradmin(t, conf, nil, "configure", "--api-url", gateway.URL, "--region", local.Region, "--user-pool-id", env.Pool.ID,
		"--client-id", adminClientID(), "--cognito-endpoint", proxy.URL).want(t, 0, "configure")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "login")
	s := readSession(t, conf, "default")
	useradmin(t, conf, nil, "logout").want(t, 0, "logout")
	revoked := proxy.revokedTokens()
	if len(revoked) != 1 || revoked[0]["Token"] != s.RefreshToken || revoked[0]["ClientId"] != adminClientID() {
		t.Fatalf("RevokeToken calls: %d (token match %v)", len(revoked), len(revoked) == 1 && revoked[0]["Token"] == s.RefreshToken)
	}
	if _, err := os.Stat(sessionPath(conf, "default")); !os.IsNotExist(err) {
		t.Errorf("the session file remains: %v", err)
	}
	useradmin(t, conf, nil, "whoami").want(t, cli.ExitNoSession, "after logout")
	useradmin(t, conf, nil, "logout").want(t, 0, "logout when signed out")
}

// TestUseradminFirstSignIn: a user created with a temporary password sets
// their own with the command (any user of the pool, not only admins).
func TestUseradminFirstSignIn(t *testing.T) {
	needEnv(t)
	writeDevFile(t)
	conf := t.TempDir()
	const email, temp, newPassword = "cli.first@example.com", "Temp-Passw0rd-1!", "My-Own-Passw0rd-2!"
	useradmin(t, conf, nil, "configure", "--local").want(t, 0, "configure admin")
	useradmin(t, conf, strings.NewReader(password+"\n"), "login", "--email", adminEmail, "--password-stdin").want(t, 0, "admin login")
	create := useradmin(t, conf, strings.NewReader(temp+"\n"), "users", "create", email, "--no-invitation", "--temporary-password-stdin").want(t, 0, "create")
	if strings.Contains(create.stdout+create.stderr, temp) {
		t.Fatal("the temporary password was printed")
	}

	useradmin(t, conf, nil, "--profile", "me", "configure", "--local").want(t, 0, "configure user")
	// A new password that breaks the policy: refused before Cognito sees it, rule named.
	weak := useradmin(t, conf, strings.NewReader(temp+"\nNo-Digits-In-It!\n"), "--profile", "me", "login", "--email", email, "--password-stdin").want(t, 1, "weak new password")
	if !strings.Contains(weak.stderr, "must contain a digit") || strings.Contains(weak.stderr, "No-Digits-In-It!") {
		t.Errorf("weak password: %q", weak.stderr)
	}
	if u := cognitoUser(t, env.Cognito, env.Pool.ID, email); u.UserStatus != types.UserStatusTypeForceChangePassword {
		t.Fatalf("after a refused new password: %s", u.UserStatus)
	}
	// No second line: the command says what is missing.
	useradmin(t, conf, strings.NewReader(temp+"\n"), "--profile", "me", "login", "--email", email, "--password-stdin").want(t, 1, "no new password")

	// The password is set; the account is no administrator, so no session is saved (exit 1).
	ok := useradmin(t, conf, strings.NewReader(temp+"\n"+newPassword+"\n"), "--profile", "me", "login", "--email", email, "--password-stdin").want(t, 1, "first sign-in")
	if !strings.Contains(ok.stderr, "the new password is set") || !strings.Contains(ok.stderr, "not an administrator") {
		t.Errorf("first sign-in of a non-admin: %q", ok.stderr)
	}
	if u := cognitoUser(t, env.Cognito, env.Pool.ID, email); u.UserStatus != types.UserStatusTypeConfirmed {
		t.Fatalf("after the first sign-in: %s", u.UserStatus)
	}
	if _, err := env.IDToken(context.Background(), email, newPassword); err != nil {
		t.Fatalf("the new password does not sign in: %v", err)
	}
	for _, s := range []string{temp, newPassword} {
		if strings.Contains(ok.stdout+ok.stderr, s) {
			t.Fatal("a password was printed")
		}
	}
	useradmin(t, conf, nil, "--profile", "me", "whoami").want(t, cli.ExitNoSession, "whoami: no session kept for a non-admin")
	// Passwords are never on disk.
	_ = filepath.WalkDir(conf, func(path string, d fs.DirEntry, err error) error {
		if err == nil && !d.IsDir() {
			b, _ := os.ReadFile(path)
			for _, s := range []string{temp, newPassword, password} {
				if bytes.Contains(b, []byte(s)) {
					t.Errorf("%s holds a password", path)
				}
			}
		}
		return nil
	})
}

// mfaPool creates, in an emulator that checks TOTP codes, a pool with TOTP
// required ("ON") or optional, and its app client.
func mfaPool(t *testing.T, c *cip.Client, mode types.UserPoolMfaType) (poolID, clientID string) {
	t.Helper()
	ctx := context.Background()
	p, err := c.CreateUserPool(ctx, &cip.CreateUserPoolInput{
		PoolName: aws.String("mfa-" + string(mode)), UsernameAttributes: []types.UsernameAttributeType{types.UsernameAttributeTypeEmail},
	})
	if err != nil {
		t.Fatal(err)
	}
	poolID = *p.UserPool.Id
	if _, err := c.SetUserPoolMfaConfig(ctx, &cip.SetUserPoolMfaConfigInput{
		UserPoolId: &poolID, MfaConfiguration: mode,
		SoftwareTokenMfaConfiguration: &types.SoftwareTokenMfaConfigType{Enabled: true},
	}); err != nil {
		t.Fatal(err)
	}
	cl, err := c.CreateUserPoolClient(ctx, &cip.CreateUserPoolClientInput{
		UserPoolId: &poolID, ClientName: aws.String("admins"),
		ExplicitAuthFlows: []types.ExplicitAuthFlowsType{types.ExplicitAuthFlowsTypeAllowUserSrpAuth, types.ExplicitAuthFlowsTypeAllowRefreshTokenAuth},
	})
	if err != nil {
		t.Fatal(err)
	}
	return poolID, *cl.UserPoolClient.ClientId
}

// TestUseradminMFA: TOTP set up at the first sign-in where the pool
// requires it, set up with mfa setup where it is optional, and asked for
// at every later sign-in. It needs moto with TOTP checks on, so it runs
// its own emulator.
func TestUseradminMFA(t *testing.T) {
	needEnv(t)
	t.Setenv("MOTO_COGNITO_IDP_USER_POOL_ENABLE_TOTP", "true")
	ctx := context.Background()
	emu, err := local.StartEmulator(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer emu.Stop()
	c := local.NewCognitoClient(emu.Endpoint)
	fix := newCognitoFix(t, emu.Endpoint)
	conf := t.TempDir()
	configure := func(profile, poolID, clientID string) {
		useradmin(t, conf, nil, "--profile", profile, "configure", "--api-url", gateway.URL, "--region", local.Region,
			"--user-pool-id", poolID, "--client-id", clientID, "--cognito-endpoint", fix.URL).want(t, 0, "configure "+profile)
	}

	t.Run("required", func(t *testing.T) {
		poolID, clientID := mfaPool(t, c, types.UserPoolMfaTypeOn)
		const email, temp, pw = "mfa.required@example.com", "Temp-Passw0rd-1!", "Chosen-Passw0rd-2!"
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: &poolID, Username: aws.String(email), TemporaryPassword: aws.String(temp),
			MessageAction: types.MessageActionTypeSuppress,
		}); err != nil {
			t.Fatal(err)
		}
		configure("req", poolID, clientID)
		// No terminal here, and no file: the secret is shown nowhere, and the
		// sign-in stops (another user: this one's new password is set by then).
		const refused = "mfa.refused@example.com"
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{
			UserPoolId: &poolID, Username: aws.String(refused), TemporaryPassword: aws.String(temp),
			MessageAction: types.MessageActionTypeSuppress,
		}); err != nil {
			t.Fatal(err)
		}
		r := useradmin(t, conf, strings.NewReader(temp+"\n"+pw+"\n"), "--profile", "req", "login", "--email", refused, "--password-stdin").want(t, cli.ExitUsage, "MFA setup without a terminal")
		if !strings.Contains(r.stderr, "--totp-secret-file") || strings.Contains(r.stderr, "otpauth://") || secretLine.MatchString(r.stderr) {
			t.Fatalf("stderr: %s", r.stderr)
		}
		file := filepath.Join(t.TempDir(), "totp.txt")
		in := &lazyLines{lines: []func(string) string{line(temp), line(pw), codeFromSecretFile(t, file)}}
		useradmin(t, conf, in, "--profile", "req", "login", "--email", email, "--password-stdin", "--totp-secret-file", file).want(t, 0, "first sign-in with MFA setup")
		secret := secretInFile(t, file)
		if u := cognitoUser(t, c, poolID, email); u.UserStatus != types.UserStatusTypeConfirmed {
			t.Fatalf("status %s", u.UserStatus)
		}

		// Later sign-ins ask for a code: a wrong one is refused, the right one passes.
		good := currentCode(t, secret)
		bad := fmt.Sprintf("%06d", (atoi(good)+1)%1000000)
		useradmin(t, conf, strings.NewReader(pw+"\n"), "--profile", "req", "login", "--email", email, "--password-stdin", "--otp", bad).want(t, 1, "wrong code")
		useradmin(t, conf, strings.NewReader(pw+"\n"+bad+"\n"), "--profile", "req", "login", "--email", email, "--password-stdin", "--otp-stdin").want(t, 1, "wrong code on stdin")
		useradmin(t, conf, strings.NewReader(pw+"\n"), "--profile", "req", "login", "--email", email, "--password-stdin", "--otp", currentCode(t, secret)).want(t, 0, "sign-in with --otp")
		useradmin(t, conf, strings.NewReader(pw+"\n"+currentCode(t, secret)+"\n"), "--profile", "req", "login", "--email", email, "--password-stdin", "--otp-stdin").want(t, 0, "sign-in with --otp-stdin")
		useradmin(t, conf, nil, "--profile", "req", "whoami").want(t, 0, "whoami")
	})

	t.Run("optional", func(t *testing.T) {
		poolID, clientID := mfaPool(t, c, types.UserPoolMfaTypeOptional)
		const email, pw = "mfa.optional@example.com", "Chosen-Passw0rd-3!"
		if _, err := c.AdminCreateUser(ctx, &cip.AdminCreateUserInput{UserPoolId: &poolID, Username: aws.String(email), MessageAction: types.MessageActionTypeSuppress}); err != nil {
			t.Fatal(err)
		}
		if _, err := c.AdminSetUserPassword(ctx, &cip.AdminSetUserPasswordInput{UserPoolId: &poolID, Username: aws.String(email), Password: aws.String(pw), Permanent: true}); err != nil {
			t.Fatal(err)
		}
		configure("opt", poolID, clientID)
		useradmin(t, conf, strings.NewReader(pw+"\n"), "--profile", "opt", "login", "--email", email, "--password-stdin").want(t, 0, "sign-in without MFA")
		useradmin(t, conf, strings.NewReader("000000\n"), "--profile", "opt", "mfa", "setup", "--code-stdin").want(t, cli.ExitUsage, "mfa setup without a terminal or a file")
		file := filepath.Join(t.TempDir(), "totp.txt")
		in := &lazyLines{lines: []func(string) string{codeFromSecretFile(t, file)}}
		useradmin(t, conf, in, "--profile", "opt", "mfa", "setup", "--code-stdin", "--totp-secret-file", file).want(t, 0, "mfa setup")
		u := cognitoUser(t, c, poolID, email)
		if !slices.Contains(u.UserMFASettingList, "SOFTWARE_TOKEN_MFA") || aws.ToString(u.PreferredMfaSetting) != "SOFTWARE_TOKEN_MFA" {
			t.Fatalf("MFA settings after mfa setup: %v, preferred %v", u.UserMFASettingList, aws.ToString(u.PreferredMfaSetting))
		}
		secret := secretInFile(t, file)
		// Now a code is needed: without one, the sign-in stops.
		useradmin(t, conf, strings.NewReader(pw+"\n"), "--profile", "opt", "login", "--email", email, "--password-stdin").want(t, 1, "no code")
		useradmin(t, conf, strings.NewReader(pw+"\n"), "--profile", "opt", "login", "--email", email, "--password-stdin", "--otp", currentCode(t, secret)).want(t, 0, "sign-in with --otp")
	})
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// TestUseradminBinary runs the built command as a user would: exit codes
// from a real process, and a whole session (configure, login, a call, an
// API error) whose arguments carry no password or token: they travel on
// standard input and in the 0600 session file only.
func TestUseradminBinary(t *testing.T) {
	needEnv(t)
	root, err := infra.ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	writeDevFile(t)
	bin := filepath.Join(t.TempDir(), "useradmin")
	build := exec.Command("go", "build", "-o", bin, "./cli/cmd/useradmin")
	build.Dir = root
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	conf := t.TempDir()
	var argv [][]string
	runBin := func(stdin string, want int, args ...string) string {
		t.Helper()
		cmd := exec.Command(bin, args...)
		cmd.Env = append(os.Environ(), "USERADMIN_CONFIG_DIR="+conf, "USERADMIN_PROFILE=bin")
		cmd.Stdin = strings.NewReader(stdin)
		var out, errb bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &errb
		err := cmd.Run()
		argv = append(argv, cmd.Args)
		code := 0
		if ee, ok := err.(*exec.ExitError); ok {
			code = ee.ExitCode()
		} else if err != nil {
			t.Fatal(err)
		}
		if code != want {
			t.Fatalf("useradmin %v: exit %d, want %d\n%s%s", args, code, want, out.String(), errb.String())
		}
		return out.String() + errb.String()
	}
	runBin("", 2, "no-such-command")
	runBin("", 2, "users", "create")
	runBin("", 3, "users", "list")
	runBin("", 0, "configure", "--local")
	runBin(password+"\n", 0, "login", "--email", adminEmail, "--password-stdin")
	runBin("", 0, "users", "get", adminEmail)
	errOut := runBin("", 1, "users", "get", "nobody@example.com")
	if !strings.Contains(errOut, "UserNotFound") || !strings.Contains(errOut, "request id") {
		t.Errorf("API error output: %q", errOut)
	}
	// "groups remove EMAIL .." would resolve to DELETE /users/EMAIL/: refused, and the user is still there.
	const victim = "binary.victim@example.com"
	if err := env.SeedUser(context.Background(), victim, password); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"..", ".", ""} {
		if out := runBin("", 2, "groups", "remove", victim, bad); !strings.Contains(out, "would change the request's path") {
			t.Errorf("groups remove %q: %s", bad, out)
		}
	}
	runBin("", 2, "users", "delete", "..", "--yes")
	if poolUser(t, victim) == nil {
		t.Fatal("the victim was deleted")
	}
	s := readSession(t, conf, "bin")
	for _, args := range argv {
		joined := strings.Join(args, " ")
		for _, secret := range []string{password, s.IDToken, s.AccessToken, s.RefreshToken} {
			if strings.Contains(joined, secret) {
				t.Fatalf("a secret in the process's arguments: %v", args[0])
			}
		}
	}
}
