package cli

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/spf13/cobra"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

func TestEveryCommandHasExamples(t *testing.T) {
	walk(newApp(IO{}).rootCommand(), func(c *cobra.Command) {
		if c.Name() == "help" {
			return
		}
		if !strings.Contains(c.Example, "useradmin") {
			t.Errorf("%s has no example in its help", c.CommandPath())
		}
	})
}

func TestPolicyViolationsNameEveryRule(t *testing.T) {
	p := settings.DefaultPasswordPolicy()
	got := policyViolations(p, "abc")
	if len(got) != 4 {
		t.Fatalf("abc breaks length, upper, digit and symbol; got %q", got)
	}
	for _, want := range []string{"at least 12", "uppercase", "digit", "symbol"} {
		if !strings.Contains(strings.Join(got, "; "), want) {
			t.Errorf("%q lacks %q", got, want)
		}
	}
	if err := policyError(p, "Good-Passw0rd-ok!"); err != nil {
		t.Errorf("a good password refused: %v", err)
	}
}

func TestNearest(t *testing.T) {
	for in, want := range map[string]string{"ADMINS": "admins", "admin": "admins", "edtors": "editors", "zzzzzz": ""} {
		if got := nearest(in, []string{"admins", "editors"}); got != want {
			t.Errorf("nearest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestHintsNameTheProfile(t *testing.T) {
	a := newApp(IO{})
	a.profile = "default"
	if got := a.hint("login"); got != "useradmin login" {
		t.Errorf("default profile: %q", got)
	}
	a.profile = "prd"
	if got := a.hint("login"); got != "useradmin login --profile prd" {
		t.Errorf("prd: %q", got)
	}
	if got := a.translateAdvice("send it with POST /users/{email}/invitation", "a+b@example.com"); got != "send it with useradmin users resend a+b@example.com --profile prd" {
		t.Errorf("advice: %q", got)
	}
}

// The API cannot combine status and prefix: the command asks for the
// prefix and filters the status itself, saying so when more pages remain.
func TestListFiltersCombineClientSide(t *testing.T) {
	var mu sync.Mutex
	var queries []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/me" { // the roles' pre-check, not the listing
			w.WriteHeader(http.StatusNotFound)
			return
		}
		mu.Lock()
		queries = append(queries, r.URL.Path+"?"+r.URL.RawQuery)
		mu.Unlock()
		fmt.Fprint(w, `{"users":[{"email":"ab@example.com","status":"CONFIRMED","enabled":true,"username":"u1","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","attributes":{}},
			{"email":"ac@example.com","status":"FORCE_CHANGE_PASSWORD","enabled":true,"username":"u2","createdAt":"2026-01-01T00:00:00Z","updatedAt":"2026-01-01T00:00:00Z","attributes":{}}],"nextToken":"n1"}`)
	}))
	defer srv.Close()
	env := signedInProfile(t, srv.URL)
	code, stdout, stderr := run(t, env, "", "users", "list", "--status", "confirmed", "--email-prefix", "a", "-o", "csv")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if strings.Contains(stdout, "ac@example.com") || !strings.Contains(stdout, "ab@example.com") {
		t.Errorf("not filtered on status: %s", stdout)
	}
	if !strings.Contains(stderr, "1 of the 2 users read matched") || !strings.Contains(stderr, "--next-token n1") {
		t.Errorf("a filtered page does not say so: %q", stderr)
	}
	if len(queries) != 1 || !strings.Contains(queries[0], "email=a") || strings.Contains(queries[0], "status=") {
		t.Errorf("queries %q", queries)
	}
	// --group reads the group's members and filters the rest here.
	queries = nil
	if code, _, stderr := run(t, env, "", "users", "list", "--group", "staff", "--status", "CONFIRMED"); code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	if len(queries) != 1 || !strings.HasPrefix(queries[0], "/groups/staff/users?") {
		t.Errorf("--group: %q", queries)
	}
}

// Granting an admin group without a terminal needs --yes; a group that is
// not an admin group asks nothing.
func TestAdminGrantNeedsYesWithoutTerminal(t *testing.T) {
	var mu sync.Mutex
	var puts int
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/groups" {
			fmt.Fprint(w, `{"groups":[{"name":"admins","admin":true,"description":""},{"name":"staff","admin":false,"description":""}]}`)
			return
		}
		mu.Lock()
		puts++
		mu.Unlock()
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	env := signedInProfile(t, srv.URL)
	code, _, stderr := run(t, env, "", "groups", "add", "a@example.com", "admins")
	if code != ExitUsage || !strings.Contains(stderr, "--yes") || puts != 0 {
		t.Errorf("admin grant without --yes: exit %d, %d sent, %q", code, puts, stderr)
	}
	if code, _, stderr := run(t, env, "", "groups", "add", "a@example.com", "staff"); code != 0 || puts != 1 {
		t.Errorf("a plain group: exit %d, %d sent, %q", code, puts, stderr)
	}
	if code, _, stderr := run(t, env, "", "groups", "add", "a@example.com", "admins", "--yes"); code != 0 || puts != 2 {
		t.Errorf("--yes: exit %d, %d sent, %q", code, puts, stderr)
	}
}

func TestDidYouMeanSubcommand(t *testing.T) {
	for _, tc := range [][]string{{"users", "lst"}, {"groups", "ad"}, {"profiles", "lsit"}} {
		code, _, stderr := run(t, map[string]string{"USERADMIN_CONFIG_DIR": t.TempDir()}, "", tc...)
		if code != ExitUsage || !strings.Contains(stderr, "did you mean") || (tc[1] == "lst" && !strings.Contains(stderr, `"list"`)) || !strings.Contains(stderr, "Run 'useradmin "+tc[0]+" --help'") {
			t.Errorf("%v: exit %d, %q", tc, code, stderr)
		}
	}
}
