package cli

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	cip "github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"
	"github.com/spf13/cobra"
)

// signedInProfile saves a profile for apiURL with a valid session, and
// returns the environment that runs the command with it.
func signedInProfile(t *testing.T, apiURL string) map[string]string {
	t.Helper()
	return signedInWith(t, Profile{APIURL: apiURL, Region: "us-east-1", UserPoolID: "us-east-1_x", ClientID: "c"})
}

// signedInWith saves profile p as the default, with a session valid for an
// hour, and returns the environment that points useradmin at it.
func signedInWith(t *testing.T, p Profile) map[string]string {
	t.Helper()
	dir := t.TempDir()
	a := newApp(IO{})
	a.confDir, a.profile = dir, "default"
	if err := a.saveProfile(p); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	if err := a.saveSession(&Session{IDToken: fakeIDToken(1, exp), AccessToken: "a", RefreshToken: "r", ExpiresAt: exp, ClientID: "c"}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"USERADMIN_CONFIG_DIR": dir}
}

// recordingAPI answers every request with a user and records its path.
func recordingAPI(t *testing.T) (*httptest.Server, func() []string) {
	var mu sync.Mutex
	var paths []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.EscapedPath())
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/groups" { // groups add checks the group is managed
			fmt.Fprint(w, `{"groups":[{"name":"support","admin":false,"description":""},{"name":"../admins","admin":false,"description":""}]}`)
			return
		}
		// groups remove checks the user is in the group
		fmt.Fprint(w, `{"user":{"email":"a@example.com","groups":["support","../admins"]}}`)
	}))
	t.Cleanup(srv.Close)
	return srv, func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), paths...)
	}
}

// pathCommands are the API commands with positional arguments, each with
// valid arguments and the flags it needs to run: every such argument lands
// in the request's path (or, for create, its body).
func pathCommands(t *testing.T) map[string][]string {
	t.Helper()
	extra := map[string][]string{
		"useradmin users password": {"--reset"},
		"useradmin users update":   {"--given-name", "Ada"},
		"useradmin users delete":   {"--yes"},
	}
	out := map[string][]string{}
	walk(newApp(IO{}).rootCommand(), func(c *cobra.Command) {
		if c.Annotations[operationKey] == "" {
			return
		}
		var argv []string
		for _, w := range strings.Fields(c.Use)[1:] {
			switch w {
			case "EMAIL":
				argv = append(argv, "victim@example.com")
			case "GROUP":
				argv = append(argv, "support")
			}
		}
		if len(argv) > 0 {
			out[c.CommandPath()] = append(argv, extra[c.CommandPath()]...)
		}
	})
	if len(out) < 12 {
		t.Fatalf("found %d commands with arguments; the walk is broken: %v", len(out), out)
	}
	return out
}

// An argument that would change the request's route ("groups remove
// victim@example.com .." resolving to DELETE /users/victim%40example.com/)
// is refused with exit 2 before any request, in every command that takes one.
func TestPathArgumentsCannotChangeTheRoute(t *testing.T) {
	srv, paths := recordingAPI(t)
	env := signedInProfile(t, srv.URL)
	for path, good := range pathCommands(t) {
		words := strings.Fields(path)[1:]
		// The positional arguments are the leading ones of good (the flags follow).
		n := 0
		for _, v := range good {
			if strings.HasPrefix(v, "--") {
				break
			}
			n++
		}
		for i := 0; i < n; i++ {
			for _, bad := range []string{"", ".", ".."} {
				argv := append(append([]string{}, words...), good...)
				argv[len(words)+i] = bad
				code, stdout, stderr := run(t, env, "", argv...)
				if code != ExitUsage || !strings.Contains(stderr, "would change the request's path") || stdout != "" {
					t.Errorf("%v: exit %d, stderr %q; want 2 and the reason", argv, code, stderr)
				}
			}
		}
		// The valid arguments go through, each to its own segment.
		argv := append(append([]string{}, words...), good...)
		if code, _, stderr := run(t, env, "", argv...); code != 0 {
			t.Errorf("%v: exit %d: %s", argv, code, stderr)
		}
	}
	for _, p := range paths() {
		if strings.HasSuffix(p, "/") || strings.Contains(p, "//") || strings.Contains(p, "/./") || strings.Contains(p, "/../") {
			t.Errorf("a request changed its route: %s", p)
		}
	}
	// One per command with valid arguments, and two look-ups: groups add
	// reads GET /groups, groups remove the user's groups; GET /me, the roles'
	// pre-check, is not counted (it takes no argument).
	sent := slices.DeleteFunc(paths(), func(p string) bool { return p == "GET /me" })
	if got, want := len(sent), len(pathCommands(t))+2; got != want {
		t.Errorf("%d requests, want %d: %v", got, want, sent)
	}
}

// Characters that a URL gives a meaning stay inside their segment.
func TestPathArgumentsAreEscaped(t *testing.T) {
	srv, paths := recordingAPI(t)
	env := signedInProfile(t, srv.URL)
	if code, _, stderr := run(t, env, "", "groups", "remove", "a/../b@example.com", "../admins"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := paths(); len(got) != 2 || got[0] != "GET /users/a%2F..%2Fb@example.com" || got[1] != "DELETE /users/a%2F..%2Fb@example.com/groups/..%2Fadmins" {
		t.Errorf("paths %q", got)
	}
}

func TestEndpointRule(t *testing.T) {
	for raw, ok := range map[string]bool{
		"https://api.example.com/prd":      true,
		"https://10.0.0.1/":                true,
		"http://127.0.0.1:8080/":           true,
		"http://127.1.2.3/":                true,
		"http://[::1]:9000":                true,
		"http://api.example.com/prd":       false,
		"http://10.0.0.1:8080/":            false,
		"http://localhost:8080/":           false, // a name: up to the resolver
		"http://127.0.0.1.example.com/":    false,
		"http://[::ffff:10.0.0.1]/":        false,
		"ftp://127.0.0.1/":                 false,
		"127.0.0.1:8080":                   false,
		"https://":                         false,
		"http://user:secret@example.com/x": false,
	} {
		err := checkEndpoint("--api-url", raw)
		if (err == nil) != ok {
			t.Errorf("%s: %v, want allowed=%v", raw, err, ok)
		}
		if err != nil && strings.Contains(err.Error(), "secret") {
			t.Errorf("%s: the message shows the URL's password: %v", raw, err)
		}
	}
}

// configure refuses plain http:// off the machine, for the API and Cognito
// alike; local mode's 127.0.0.1 is allowed.
func TestConfigureRefusesPlainHTTP(t *testing.T) {
	base := []string{"configure", "--region", "eu-west-1", "--user-pool-id", "eu-west-1_abc", "--client-id", "c"}
	for _, tc := range []struct {
		flags []string
		code  int
	}{
		{[]string{"--api-url", "http://api.example.com/prd"}, ExitUsage},
		{[]string{"--api-url", "https://api.example.com/prd", "--cognito-endpoint", "http://cognito.example.com"}, ExitUsage},
		{[]string{"--api-url", "http://127.0.0.1:8080/", "--cognito-endpoint", "http://127.0.0.1:5000"}, 0},
		{[]string{"--api-url", "https://api.example.com/prd", "--cognito-endpoint", "https://cognito.example.com"}, 0},
	} {
		dir := t.TempDir()
		code, _, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": dir}, "", append(base, tc.flags...)...)
		if code != tc.code {
			t.Errorf("%v: exit %d, want %d: %s", tc.flags, code, tc.code, stderr)
		}
		if tc.code == ExitUsage {
			if !strings.Contains(stderr, "http:// is allowed only to a loopback address") {
				t.Errorf("%v: %s", tc.flags, stderr)
			}
			if _, err := os.Stat(filepath.Join(dir, "config.json")); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("%v: a profile was saved", tc.flags)
			}
		}
	}
}

// A profile edited by hand to plain http:// is refused on use, before any
// request carries the session's token.
func TestProfileWithPlainHTTPRefusedOnUse(t *testing.T) {
	env := signedInProfile(t, "https://api.example.com/prd")
	path := filepath.Join(env["USERADMIN_CONFIG_DIR"], "config.json")
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(strings.ReplaceAll(string(b), "https://api.example.com", "http://api.example.com")), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"users", "get", "a@example.com"}, {"whoami"}, {"login", "--email", "a@example.com", "--password-stdin"}} {
		code, _, stderr := run(t, env, "pw\n", args...)
		if code != ExitUsage || !strings.Contains(stderr, "http:// is allowed only to a loopback address") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}

// Every request goes through the guard, so a redirect from https:// to
// plain http:// elsewhere is not followed with the token.
func TestTransportRefusesPlainHTTP(t *testing.T) {
	sent := false
	c := withLoopbackOnlyHTTP(&http.Client{Transport: roundTripFunc(func(*http.Request) (*http.Response, error) {
		sent = true
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader(""))}, nil
	})})
	req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, "http://api.example.com/users", nil)
	req.Header.Set("Authorization", "token")
	if _, err := c.Do(req); err == nil || !strings.Contains(err.Error(), "http:// is allowed only to a loopback address") || sent {
		t.Errorf("plain http off the machine: %v, sent %v", err, sent)
	}
	for _, u := range []string{"http://127.0.0.1:1/users", "https://api.example.com/users"} {
		sent = false
		req, _ := http.NewRequestWithContext(context.Background(), http.MethodGet, u, nil)
		if resp, err := c.Do(req); err != nil || !sent {
			t.Errorf("%s: %v, sent %v", u, err, sent)
		} else {
			resp.Body.Close()
		}
	}
	// The guard is on the command's client.
	if _, ok := newApp(IO{}).io.HTTPClient.Transport.(loopbackOnlyHTTP); !ok {
		t.Error("the command's HTTP client is not guarded")
	}
	if _, ok := newApp(IO{HTTPClient: &http.Client{}}).io.HTTPClient.Transport.(loopbackOnlyHTTP); !ok {
		t.Error("a given HTTP client is not guarded")
	}
}

type roundTripFunc func(*http.Request) (*http.Response, error)

func (f roundTripFunc) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

// totpServer is srpServer with an authenticator app to set up: it raises
// MFA_SETUP after the password, hands out a secret and accepts any code.
type totpServer struct {
	*srpServer
	associated int
	code       string // the code verified
}

const testTOTPSecret = "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP"

func (s *totpServer) AssociateSoftwareToken(context.Context, *cip.AssociateSoftwareTokenInput, ...func(*cip.Options)) (*cip.AssociateSoftwareTokenOutput, error) {
	s.associated++
	return &cip.AssociateSoftwareTokenOutput{SecretCode: aws.String(testTOTPSecret), Session: aws.String("s2")}, nil
}

func (s *totpServer) VerifySoftwareToken(_ context.Context, in *cip.VerifySoftwareTokenInput, _ ...func(*cip.Options)) (*cip.VerifySoftwareTokenOutput, error) {
	s.code = aws.ToString(in.UserCode)
	return &cip.VerifySoftwareTokenOutput{Status: types.VerifySoftwareTokenResponseTypeSuccess, Session: aws.String("s3")}, nil
}

func newTOTPServer(t *testing.T, password string) *totpServer {
	srv := newSRPServer(t, "eu-west-1_Ab12Cd34", "u", password)
	srv.then = []types.ChallengeNameType{types.ChallengeNameTypeMfaSetup}
	return &totpServer{srpServer: srv}
}

// The TOTP secret of an MFA setup at sign-in goes to a terminal, or to a
// new 0600 file; with neither, the sign-in stops before Cognito makes one,
// and no secret reaches standard error (a CI log).
func TestTOTPSecretOnlyToATerminalOrAFile(t *testing.T) {
	const password = "Correct-Horse-9!"
	signIn := func(terminal bool, file string) (*totpServer, string, error) {
		srv := newTOTPServer(t, password)
		si, stderr := testSignIn(srv, "123456\n")
		si.secret = secretOut{stderr: stderr, terminal: terminal, file: file}
		_, err := si.run(context.Background(), "admin@example.com", password)
		return srv, stderr.String(), err
	}

	t.Run("no terminal, no file", func(t *testing.T) {
		srv, stderr, err := signIn(false, "")
		var ee *exitError
		if !errors.As(err, &ee) || ee.code != ExitUsage || !strings.Contains(err.Error(), "--totp-secret-file") || !strings.Contains(err.Error(), "terminal") {
			t.Fatalf("err %v, want a usage error naming the terminal and --totp-secret-file", err)
		}
		if srv.associated != 0 || strings.Contains(stderr, testTOTPSecret) {
			t.Errorf("a secret was made (%d) or shown: %s", srv.associated, stderr)
		}
	})
	t.Run("terminal", func(t *testing.T) {
		srv, stderr, err := signIn(true, "")
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(stderr, "Secret: "+testTOTPSecret) || !strings.Contains(stderr, "otpauth://totp/") || srv.code != "123456" {
			t.Errorf("stderr %q, code %q", stderr, srv.code)
		}
	})
	t.Run("file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "totp.txt")
		srv, stderr, err := signIn(false, file)
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(stderr, testTOTPSecret) || !strings.Contains(stderr, file) {
			t.Errorf("stderr %q: the secret shown, or the file not named", stderr)
		}
		b, err := os.ReadFile(file)
		if err != nil || !strings.Contains(string(b), "Secret: "+testTOTPSecret) || !strings.Contains(string(b), "otpauth://totp/") || srv.code != "123456" {
			t.Errorf("file %q (%v), code %q", b, err, srv.code)
		}
		assertMode(t, file, 0o600)
	})
	t.Run("existing file", func(t *testing.T) {
		file := filepath.Join(t.TempDir(), "totp.txt")
		if err := os.WriteFile(file, []byte("keep"), 0o644); err != nil {
			t.Fatal(err)
		}
		srv, _, err := signIn(false, file)
		if err == nil || !strings.Contains(err.Error(), "does not exist yet") || srv.associated != 0 {
			t.Fatalf("err %v, secrets made %d", err, srv.associated)
		}
		if b, _ := os.ReadFile(file); string(b) != "keep" {
			t.Errorf("an existing file was overwritten: %q", b)
		}
	})
	t.Run("symlink", func(t *testing.T) {
		dir := t.TempDir()
		target, link := filepath.Join(dir, "elsewhere"), filepath.Join(dir, "totp.txt")
		if err := os.Symlink(target, link); err != nil {
			t.Fatal(err)
		}
		if _, _, err := signIn(false, link); err == nil {
			t.Fatal("the secret was written through a symlink")
		}
		// Created between the check and the write, the symlink is still not followed.
		if err := (secretOut{file: link}).show(testTOTPSecret, "otpauth://totp/x"); err == nil {
			t.Fatal("show wrote through a symlink")
		}
		if _, err := os.Stat(target); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("the symlink's target was created: %v", err)
		}
	})
}

// mfa setup without a terminal refuses before the session is used, so
// Cognito makes no secret; with --totp-secret-file it gets that far.
func TestMFASetupNeedsATerminalOrAFile(t *testing.T) {
	var mu sync.Mutex
	var targets []string
	cognito := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		targets = append(targets, r.Header.Get("X-Amz-Target"))
		mu.Unlock()
		w.Header().Set("Content-Type", "application/x-amz-json-1.1")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprint(w, `{"__type":"NotAuthorizedException","message":"no"}`)
	}))
	defer cognito.Close()
	env := signedInWith(t, Profile{APIURL: "https://api.example.com", Region: "us-east-1", UserPoolID: "us-east-1_x", ClientID: "c", CognitoEndpoint: cognito.URL})
	code, _, stderr := run(t, env, "123456\n", "mfa", "setup", "--code-stdin")
	if code != ExitUsage || !strings.Contains(stderr, "--totp-secret-file") || len(targets) != 0 {
		t.Fatalf("exit %d, Cognito calls %v: %s", code, targets, stderr)
	}
	// With a file, it goes on to Cognito (which refuses here).
	code, _, stderr = run(t, env, "123456\n", "mfa", "setup", "--code-stdin", "--totp-secret-file", filepath.Join(t.TempDir(), "s"))
	if code != ExitAPI || len(targets) != 1 || targets[0] != "AWSCognitoIdentityProviderService.AssociateSoftwareToken" {
		t.Fatalf("exit %d, Cognito calls %v: %s", code, targets, stderr)
	}
}

func TestOTPStdinFlags(t *testing.T) {
	env := signedInProfile(t, "https://api.example.com")
	for _, args := range [][]string{
		{"login", "--email", "a@example.com", "--otp-stdin"},
		{"login", "--email", "a@example.com", "--password-stdin", "--otp-stdin", "--otp", "123456"},
	} {
		if code, _, stderr := run(t, env, "pw\n123456\n", args...); code != ExitUsage || !strings.Contains(stderr, "--otp-stdin") {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
}

// --otp-stdin: the code is the line after the password on standard input.
func TestOTPFromStdin(t *testing.T) {
	const password = "Correct-Horse-9!"
	srv := newSRPServer(t, "eu-west-1_Ab12Cd34", "u", password)
	srv.then = []types.ChallengeNameType{types.ChallengeNameTypeSoftwareTokenMfa}
	si, _ := testSignIn(srv, "654321\n")
	if _, err := si.run(context.Background(), "admin@example.com", password); err != nil {
		t.Fatal(err)
	}
	if got := srv.responses[1]["SOFTWARE_TOKEN_MFA_CODE"]; got != "654321" {
		t.Errorf("code %q", got)
	}
}
