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
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spf13/cobra"
)

// signedInProfile saves a profile for apiURL with a valid session, and
// returns the environment that runs the command with it.
func signedInProfile(t *testing.T, apiURL string) map[string]string {
	t.Helper()
	dir := t.TempDir()
	a := newApp(IO{})
	a.confDir, a.profile = dir, "default"
	if err := a.saveProfile(Profile{APIURL: apiURL, Region: "us-east-1", UserPoolID: "us-east-1_x", ClientID: "c"}); err != nil {
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
		fmt.Fprint(w, `{"user":{"email":"a@example.com","groups":[]}}`)
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
	if got, want := len(paths()), len(pathCommands(t)); got != want {
		t.Errorf("%d requests, want one per command with valid arguments (%d): %v", got, want, paths())
	}
}

// Characters that a URL gives a meaning stay inside their segment.
func TestPathArgumentsAreEscaped(t *testing.T) {
	srv, paths := recordingAPI(t)
	env := signedInProfile(t, srv.URL)
	if code, _, stderr := run(t, env, "", "groups", "remove", "a/../b@example.com", "../admins"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if got := paths(); len(got) != 1 || got[0] != "DELETE /users/a%2F..%2Fb@example.com/groups/..%2Fadmins" {
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
