package cli

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// helpdeskMe is GET /me for dev's helpdesk role.
const helpdeskMe = `{"email":"help@example.com","sub":"s-help","roles":["helpdesk"],
	"permissions":["users:invite","users:mfa","users:password:reset","users:read","users:sign-out"],
	"roleDefinitions":[{"name":"helpdesk","permissions":["users:read","users:invite","users:password:reset","users:mfa","users:sign-out"]}]}`

// roleAPI serves GET /me as me and answers any other request with an
// empty user, recording the paths sent.
func roleAPI(t *testing.T, me string) (env map[string]string, sent func() []string) {
	t.Helper()
	var mu sync.Mutex
	var paths []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/me" {
			fmt.Fprint(w, me)
			return
		}
		mu.Lock()
		paths = append(paths, r.Method+" "+r.URL.Path)
		mu.Unlock()
		fmt.Fprint(w, `{"user":{"username":"u","email":"a@example.com","status":"CONFIRMED","enabled":true,"createdAt":"2025-01-01T00:00:00Z","updatedAt":"2025-01-01T00:00:00Z","groups":[],"attributes":{}}}`)
	}))
	t.Cleanup(api.Close)
	return signedInProfile(t, api.URL), func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), paths...)
	}
}

// A command the caller's roles do not allow is refused before it is sent,
// saying which permission is missing; an allowed one goes.
func TestPrecheckRefusesBeforeSending(t *testing.T) {
	env, sent := roleAPI(t, helpdeskMe)
	for _, args := range [][]string{
		{"users", "disable", "a@example.com"},
		{"users", "delete", "--yes", "a@example.com"},
		{"users", "create", "a@example.com"},
		{"users", "password", "--temporary", "a@example.com"},
		{"users", "update", "a@example.com", "--given-name", "Ada"},
	} {
		code, _, stderr := run(t, env, "", args...)
		if code != ExitAPI || !strings.Contains(stderr, "not sent") || !strings.Contains(stderr, "do not grant users:") {
			t.Errorf("%v: exit %d, stderr %q; want 1, not sent, naming the permission", args, code, stderr)
		}
	}
	if got := sent(); len(got) != 0 {
		t.Fatalf("refused commands were sent: %v", got)
	}
	for _, args := range [][]string{{"users", "password", "--reset", "a@example.com"}, {"users", "resend", "a@example.com"}, {"users", "get", "a@example.com"}} {
		if code, _, stderr := run(t, env, "", args...); code != 0 {
			t.Errorf("%v: exit %d: %s", args, code, stderr)
		}
	}
	if got := sent(); len(got) != 3 {
		t.Errorf("sent %v, want the three allowed commands", got)
	}
}

// whoami shows the roles, permissions and scope the API reports.
func TestWhoamiShowsRoles(t *testing.T) {
	me := `{"email":"ta@example.com","sub":"s-ta","roles":["tenant-a-admins"],"permissions":["groups:assign","users:read"],"scope":["tenant-a"],
		"roleDefinitions":[{"name":"tenant-a-admins","permissions":["users:read","groups:assign"],"scope":["tenant-a"]}]}`
	env, _ := roleAPI(t, me)
	code, stdout, stderr := run(t, env, "", "--output", "json", "whoami")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, stderr)
	}
	var got struct {
		Roles, Permissions, Scope []string
	}
	if err := json.Unmarshal([]byte(stdout), &got); err != nil {
		t.Fatal(err)
	}
	if strings.Join(got.Roles, ",") != "tenant-a-admins" || strings.Join(got.Permissions, ",") != "groups:assign,users:read" || strings.Join(got.Scope, ",") != "tenant-a" {
		t.Errorf("whoami = %s", stdout)
	}
	code, stdout, _ = run(t, env, "", "--output", "table", "whoami")
	if code != 0 || !strings.Contains(stdout, "tenant-a-admins") || !strings.Contains(stdout, "members of tenant-a") {
		t.Errorf("whoami table = %s", stdout)
	}
}

// Granting any role's group asks first (or needs --yes), naming what the
// role allows: GET /groups marks a role by its permissions, even one not
// flagged admin, and however narrow its scope.
func TestRoleGrantNeedsConfirmation(t *testing.T) {
	var mu sync.Mutex
	var puts []string
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/me":
			w.WriteHeader(http.StatusNotFound) // no pre-check: the confirmation is what is tested
		case r.URL.Path == "/groups":
			fmt.Fprint(w, `{"groups":[{"name":"tenant-a","admin":false,"description":""},`+
				`{"name":"tenant-a-admins","admin":false,"description":"","permissions":["users:read","users:disable"],"scope":["tenant-a"]}]}`)
		case r.Method == http.MethodPut:
			mu.Lock()
			puts = append(puts, r.URL.Path)
			mu.Unlock()
			w.WriteHeader(http.StatusNoContent)
		default:
			w.WriteHeader(http.StatusNotFound)
		}
	}))
	t.Cleanup(api.Close)
	env := signedInProfile(t, api.URL)
	code, _, stderr := run(t, env, "", "groups", "add", "a@example.com", "tenant-a-admins")
	if code == 0 || !strings.Contains(stderr, "--yes") || !strings.Contains(stderr, "users:disable") || !strings.Contains(stderr, "members of tenant-a") {
		t.Errorf("without --yes: exit %d, %q; want a refusal naming the role's permissions, scope and --yes", code, stderr)
	}
	if len(puts) != 0 {
		t.Fatalf("sent without confirmation: %v", puts)
	}
	if code, _, stderr := run(t, env, "", "groups", "add", "a@example.com", "tenant-a"); code != 0 {
		t.Errorf("a plain group: exit %d: %s", code, stderr)
	}
	if code, _, stderr := run(t, env, "", "groups", "add", "a@example.com", "tenant-a-admins", "--yes"); code != 0 {
		t.Errorf("with --yes: exit %d: %s", code, stderr)
	}
	if len(puts) != 2 {
		t.Errorf("PUTs %v, want the plain group's and the confirmed role's", puts)
	}
}

// login keeps the session of a role holder the API refuses for a reason of
// their roles (an administrator without the TOTP the environment requires
// needs it to run mfa setup; a role without users:read is still a role),
// and drops only a caller who is not an administrator at all.
func TestLoginAdministratorCheckWithRoles(t *testing.T) {
	for code, admin := range map[string]bool{"MFARequired": true, "NotPermitted": true, "Forbidden": false} {
		api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusForbidden)
			fmt.Fprintf(w, `{"error":{"code":%q,"message":"no"},"requestId":"r"}`, code)
		}))
		a := newApp(IO{Stdout: io.Discard, Stderr: io.Discard, Getenv: func(string) string { return "" }, HTTPClient: api.Client()})
		a.profile = "default"
		got, err := a.isAdministrator(context.Background(), Profile{APIURL: api.URL}, &Session{IDToken: "t"})
		api.Close()
		if err != nil || got != admin {
			t.Errorf("403 %s: administrator = %v, %v; want %v", code, got, err, admin)
		}
	}
}
