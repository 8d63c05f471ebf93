package cli

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"
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
	dir := t.TempDir()
	a := newApp(IO{})
	a.confDir, a.profile = dir, "default"
	if err := a.saveProfile(Profile{APIURL: api.URL, Region: "us-east-1", UserPoolID: "us-east-1_x", ClientID: "c"}); err != nil {
		t.Fatal(err)
	}
	exp := time.Now().Add(time.Hour)
	if err := a.saveSession(&Session{IDToken: fakeIDToken(1, exp), AccessToken: "a", RefreshToken: "r", ExpiresAt: exp, ClientID: "c"}); err != nil {
		t.Fatal(err)
	}
	return map[string]string{"USERADMIN_CONFIG_DIR": dir}, func() []string {
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
