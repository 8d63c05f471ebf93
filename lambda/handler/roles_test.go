package handler

import (
	"encoding/json"
	"log/slog"
	"net/http"
	"net/url"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/cognitoidentityprovider/types"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// devRoleSettings are dev's roles (infra/environments.go), with a second,
// unscoped full role, owners, for the last-holder tests.
func devRoleSettings() settings.Settings {
	s := testSettings()
	s.AdminGroups = []string{"admins", "helpdesk", "auditors", "tenant-a-admins", "owners"}
	s.ManagedGroups = []string{"admins", "helpdesk", "auditors", "tenant-a-admins", "owners", "tenant-a", "support"}
	s.Roles = []access.Role{
		{Name: "helpdesk", Permissions: []access.Permission{access.UsersRead, access.UsersInvite, access.UsersPasswordReset, access.UsersMFA, access.UsersSignOut}},
		{Name: "auditors", Permissions: []access.Permission{access.UsersRead, access.AuditRead}},
		{Name: "tenant-a-admins", Permissions: append(access.UserPermissions(), access.GroupsAssign), Scope: []string{"tenant-a"}},
	}
	return s
}

// callers are the dev roles' members in rolesHarness, by role.
var callers = map[string]string{
	"admins":          "admin@example.com",
	"helpdesk":        "help@example.com",
	"auditors":        "audit@example.com",
	"tenant-a-admins": "ta.admin@example.com",
}

// rolesHarness is a pool with a member of each dev role, users in and out
// of tenant-a, and a second admin inside tenant-a.
func rolesHarness(t testing.TB) *harness {
	t.Helper()
	f := newFake(testPool, "admins", "helpdesk", "auditors", "tenant-a-admins", "owners", "tenant-a", "support")
	f.schema = map[string]bool{"custom:department": true, "custom:level": true}
	admin := f.seed("admin@example.com", types.UserStatusTypeConfirmed, "admins")
	f.seed("help@example.com", types.UserStatusTypeConfirmed, "helpdesk")
	f.seed("audit@example.com", types.UserStatusTypeConfirmed, "auditors")
	f.seed("ta.admin@example.com", types.UserStatusTypeConfirmed, "tenant-a-admins", "tenant-a")
	f.seed("in.a@example.com", types.UserStatusTypeConfirmed, "tenant-a")
	f.seed("pending.a@example.com", types.UserStatusTypeForceChangePassword, "tenant-a")
	f.seed("out@example.com", types.UserStatusTypeConfirmed, "support")
	f.seed("pending.out@example.com", types.UserStatusTypeForceChangePassword, "support")
	f.seed("admin.in.a@example.com", types.UserStatusTypeConfirmed, "admins", "tenant-a")
	logs := &syncBuffer{}
	hs := &harness{h: New(devRoleSettings(), f, slog.New(slog.NewJSONHandler(logs, nil))), fake: f, logs: logs, admin: admin}
	hs.records = withRecords(hs) // the audit routes answer, and every call's record is kept
	return hs
}

// claimsOfUser are the claims of a seeded user's ID token.
func (hs *harness) claimsOf(t testing.TB, email string) string {
	t.Helper()
	hs.fake.mu.Lock()
	u := hs.fake.users[email]
	hs.fake.mu.Unlock()
	if u == nil {
		t.Fatalf("no user %s", email)
		return ""
	}
	b, _ := json.Marshal(map[string]string{
		"sub": u.sub, "cognito:username": u.sub, "email": u.email, "token_use": "id", "aud": testClient,
		"cognito:groups": strings.Join(sortedKeys(u.groups), ","),
	})
	return string(b)
}

func jsonEv(method, resource string, params map[string]string, body string) ev {
	return ev{method: method, resource: resource, params: params, headers: map[string]string{"Content-Type": "application/json"}, body: body}
}

// matrixCase is one request of the matrix and its status for each dev role.
type matrixCase struct {
	name string
	e    ev
	// want is the status by role; a 403 is NotPermitted.
	want map[string]int
}

func all(status int) map[string]int {
	return map[string]int{"admins": status, "helpdesk": status, "auditors": status, "tenant-a-admins": status}
}

func only(status int, roles ...string) map[string]int {
	m := all(http.StatusForbidden)
	for _, r := range roles {
		m[r] = status
	}
	return m
}

// matrix is every route for a target every dev role sees: in.a@, a plain
// member of tenant-a (pending.a@ for the invitation).
func matrix() []matrixCase {
	in := map[string]string{"email": "in.a@example.com"}
	with := func(group string) map[string]string {
		return map[string]string{"email": "in.a@example.com", "group": group}
	}
	return []matrixCase{
		{"create", createEvent(`{"email":"new@example.com"}`), only(201, "admins", "tenant-a-admins")},
		{"list", ev{method: "GET", resource: "/users"}, all(200)},
		{"get", userEvent("GET", "/users/{email}", "in.a@example.com"), all(200)},
		{"delete", userEvent("DELETE", "/users/{email}", "in.a@example.com"), only(204, "admins", "tenant-a-admins")},
		{"resend", userEvent("POST", "/users/{email}/invitation", "pending.a@example.com"), only(200, "admins", "helpdesk", "tenant-a-admins")},
		{"disable", userEvent("POST", "/users/{email}/disable", "in.a@example.com"), only(200, "admins", "tenant-a-admins")},
		{"enable", userEvent("POST", "/users/{email}/enable", "in.a@example.com"), only(200, "admins", "tenant-a-admins")},
		// support is another tenant's group: a tenant admin may not assign it.
		{"add to a group", ev{method: "PUT", resource: "/users/{email}/groups/{group}", params: with("support")}, only(204, "admins")},
		{"add to the scope group", ev{method: "PUT", resource: "/users/{email}/groups/{group}", params: with("tenant-a")}, only(204, "admins", "tenant-a-admins")},
		{"grant a role", ev{method: "PUT", resource: "/users/{email}/groups/{group}", params: with("helpdesk")}, only(204, "admins")},
		// tenant-a is in.a's only scope group: the tenant admin may not remove it.
		{"remove the last scope group", ev{method: "DELETE", resource: "/users/{email}/groups/{group}", params: with("tenant-a")}, only(204, "admins")},
		{"sign out", userEvent("POST", "/users/{email}/sign-out", "in.a@example.com"), only(204, "admins", "helpdesk", "tenant-a-admins")},
		{"groups", ev{method: "GET", resource: "/groups"}, all(200)},
		{"members", ev{method: "GET", resource: "/groups/{group}/users", params: map[string]string{"group": "tenant-a"}}, all(200)},
		{"password reset", jsonEv("POST", "/users/{email}/password", in, `{"mode":"reset"}`), only(200, "admins", "helpdesk", "tenant-a-admins")},
		{"password temporary", jsonEv("POST", "/users/{email}/password", in, `{"mode":"temporary"}`), only(200, "admins", "tenant-a-admins")},
		{"mfa", userEvent("DELETE", "/users/{email}/mfa", "in.a@example.com"), only(200, "admins", "helpdesk", "tenant-a-admins")},
		{"update", jsonEv("PATCH", "/users/{email}", in, `{"givenName":"Ada"}`), only(200, "admins", "tenant-a-admins")},
		{"me", ev{method: "GET", resource: "/me"}, all(200)},
		// audit:read is unscoped only (access.Role.Validate): whoever holds it sees in.a@.
		{"audit", ev{method: "GET", resource: "/audit"}, only(200, "admins", "auditors")},
		{"history", userEvent("GET", "/users/{email}/history", "in.a@example.com"), only(200, "admins", "auditors")},
		{"import preview", previewEvent("email\nnew@example.com\n"), only(200, "admins", "tenant-a-admins")},
	}
}

// TestRoleMatrix: every route, for each dev role, on a user they all see.
// A refusal is 403 NotPermitted naming the permission or rule, and changes nothing.
func TestRoleMatrix(t *testing.T) {
	covered := map[string]bool{}
	for _, tc := range matrix() {
		covered[tc.e.method+" "+tc.e.resource] = true
		for role, want := range tc.want {
			t.Run(tc.name+"/"+role, func(t *testing.T) {
				hs := rolesHarness(t)
				e := tc.e
				e.claims = hs.claimsOf(t, callers[role])
				before := hs.fake.snapshot()
				resp := hs.do(t, e)
				if resp.StatusCode != want {
					t.Fatalf("status = %d, want %d: %s", resp.StatusCode, want, resp.Body)
				}
				if want != http.StatusForbidden {
					return
				}
				got := wantError(t, resp, http.StatusForbidden, "NotPermitted")
				if !strings.Contains(got.Error.Message, ":") && !strings.Contains(got.Error.Message, " ") {
					t.Errorf("message %q says nothing", got.Error.Message)
				}
				if after := hs.fake.snapshot(); after != before {
					t.Errorf("a refused call changed the pool:\n%s\nto\n%s", before, after)
				}
				audit := hs.logs.lines(t, "audit")
				if len(audit) != 1 || audit[0]["outcome"] != "NotPermitted" || audit[0]["rule"] == nil || audit[0]["permission"] == nil {
					t.Errorf("audit = %v, want one NotPermitted line naming the rule and the permission", audit)
				}
			})
		}
	}
	for _, r := range Routes() {
		if !covered[r] {
			t.Errorf("route %s is not in the matrix", r)
		}
	}
}

// A refusal for lack of a permission comes before anything is read, and names it.
func TestNotPermittedNamesThePermission(t *testing.T) {
	hs := rolesHarness(t)
	e := userEvent("POST", "/users/{email}/disable", "in.a@example.com")
	e.claims = hs.claimsOf(t, "help@example.com")
	got := wantError(t, hs.do(t, e), http.StatusForbidden, "NotPermitted")
	if !strings.Contains(got.Error.Message, "users:disable") {
		t.Errorf("message %q does not name users:disable", got.Error.Message)
	}
	if calls := hs.fake.methods(); len(calls) != 0 {
		t.Errorf("the route read %v before refusing", calls)
	}
}

// targetRoutes is one request per route that names a user, at email.
func targetRoutes(email string) []ev {
	p := map[string]string{"email": email}
	g := func(group string) map[string]string { return map[string]string{"email": email, "group": group} }
	return []ev{
		userEvent("GET", "/users/{email}", email),
		userEvent("DELETE", "/users/{email}", email),
		userEvent("POST", "/users/{email}/invitation", email),
		userEvent("POST", "/users/{email}/disable", email),
		userEvent("POST", "/users/{email}/enable", email),
		{method: "PUT", resource: "/users/{email}/groups/{group}", params: g("tenant-a")},
		{method: "DELETE", resource: "/users/{email}/groups/{group}", params: g("tenant-a")},
		userEvent("POST", "/users/{email}/sign-out", email),
		jsonEv("POST", "/users/{email}/password", p, `{"mode":"reset"}`),
		jsonEv("POST", "/users/{email}/password", p, `{"mode":"temporary","sendInvitation":false,"temporaryPassword":"Xx1!xxxxxxxxxx"}`),
		userEvent("DELETE", "/users/{email}/mfa", email),
		jsonEv("PATCH", "/users/{email}", p, `{"givenName":"Ada"}`),
	}
}

// A tenant admin cannot tell a user outside the tenant from one that does
// not exist, by any route that names a user: the answers are the same
// bytes, and nothing changes. Lists, exports and group listings leave them out.
func TestOutOfScopeIsNotFound(t *testing.T) {
	for _, outside := range []string{"out@example.com", "pending.out@example.com", "admin@example.com", "help@example.com"} {
		missing := targetRoutes("nobody@example.com")
		for i, e := range targetRoutes(outside) {
			hs := rolesHarness(t)
			claims := hs.claimsOf(t, "ta.admin@example.com")
			before := hs.fake.snapshot()
			e.claims = claims
			got := hs.do(t, e)
			m := missing[i]
			m.claims = claims
			want := hs.do(t, m)
			if got.StatusCode != http.StatusNotFound || got.Body != want.Body || !reflect.DeepEqual(got.Headers, want.Headers) {
				t.Errorf("%s %s on %s: %d %s; a missing user: %d %s", e.method, e.resource, outside, got.StatusCode, got.Body, want.StatusCode, want.Body)
			}
			if after := hs.fake.snapshot(); after != before {
				t.Errorf("%s %s on %s changed the pool", e.method, e.resource, outside)
			}
		}
	}

	hs := rolesHarness(t)
	claims := hs.claimsOf(t, "ta.admin@example.com")
	// With groups=true each user shows tenant-a; without, the same users are
	// listed (filtered by the groups read for the scope) and no groups field.
	for _, e := range []ev{
		{method: "GET", resource: "/users"},
		{method: "GET", resource: "/users", query: url.Values{"email": {"out"}}},
		{method: "GET", resource: "/users", query: url.Values{"status": {"FORCE_CHANGE_PASSWORD"}}},
		{method: "GET", resource: "/users", query: url.Values{"limit": {"600"}}},
		{method: "GET", resource: "/groups/{group}/users", params: map[string]string{"group": "tenant-a"}},
	} {
		e.claims = claims
		resp := hs.do(t, e)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s: %d %s", e.method, e.resource, resp.StatusCode, resp.Body)
		}
		if strings.Contains(resp.Body, `"groups"`) {
			t.Errorf("%s %s %v without groups=true answers groups: %s", e.method, e.resource, e.query, resp.Body)
		}
		var plain listBody
		decodeStrict(t, resp.Body, &plain)
		g := e
		g.query = url.Values{"groups": {"true"}}
		for k, v := range e.query {
			if k != "limit" {
				g.query[k] = v
			}
		}
		resp = hs.do(t, g)
		if resp.StatusCode != http.StatusOK {
			t.Fatalf("%s %s %v: %d %s", g.method, g.resource, g.query, resp.StatusCode, resp.Body)
		}
		var b listBody
		decodeStrict(t, resp.Body, &b)
		var withGroups, without []string
		for _, u := range b.Users {
			withGroups = append(withGroups, u.Email)
			if !slices.Contains(u.Groups, "tenant-a") {
				t.Errorf("%s %s %v lists %s, outside the tenant", g.method, g.resource, g.query, u.Email)
			}
		}
		for _, u := range plain.Users {
			without = append(without, u.Email)
		}
		if !slices.Equal(withGroups, without) {
			t.Errorf("%s %s %v lists %v without groups, %v with them", e.method, e.resource, e.query, without, withGroups)
		}
	}
	// Another tenant's group, or a role's, does not exist for them either.
	for _, g := range []string{"support", "admins"} {
		e := ev{method: "GET", resource: "/groups/{group}/users", params: map[string]string{"group": g}, claims: claims}
		wantError(t, hs.do(t, e), http.StatusNotFound, "GroupNotFound")
	}
	resp := hs.do(t, ev{method: "GET", resource: "/groups", claims: claims})
	var gb groupsBody
	decodeStrict(t, resp.Body, &gb)
	if len(gb.Groups) != 1 || gb.Groups[0].Name != "tenant-a" {
		t.Errorf("GET /groups for a tenant admin = %+v, want tenant-a only", gb.Groups)
	}
}

// A tenant admin's user lands in the tenant; one they name in another is refused.
func TestScopedCreate(t *testing.T) {
	hs := rolesHarness(t)
	claims := hs.claimsOf(t, "ta.admin@example.com")
	e := createEvent(`{"email":"new@example.com"}`)
	e.claims = claims
	u := wantUser(t, hs.do(t, e), http.StatusCreated)
	if !reflect.DeepEqual(u.Groups, []string{"tenant-a"}) || !hs.fake.users["new@example.com"].groups["tenant-a"] {
		t.Errorf("created %+v, want them in tenant-a", u)
	}
	for body, code := range map[string]string{
		`{"email":"b@example.com","groups":["support"]}`:                                           "NotPermitted",
		`{"email":"b@example.com","groups":["helpdesk"]}`:                                          "NotPermitted",
		`{"email":"b@example.com","groups":["tenant-a","tenant-a-admins"],"sendInvitation":false}`: "NotPermitted",
	} {
		e := createEvent(body)
		e.claims = claims
		wantError(t, hs.do(t, e), http.StatusForbidden, code)
		if _, ok := hs.fake.users["b@example.com"]; ok {
			t.Fatalf("%s created the user", body)
		}
	}
}

// The helpdesk, and a tenant admin, cannot touch an administrator, even one
// inside the tenant; an admin can, but never by a password they choose.
func TestNoTakeover(t *testing.T) {
	for _, caller := range []string{"help@example.com", "ta.admin@example.com"} {
		for _, e := range targetRoutes("admin.in.a@example.com") {
			if e.method == "GET" {
				continue
			}
			hs := rolesHarness(t)
			before := hs.fake.snapshot()
			e.claims = hs.claimsOf(t, caller)
			resp := hs.do(t, e)
			got := wantError(t, resp, http.StatusForbidden, "NotPermitted")
			// Refused for the role it would take over, unless it lacks the permission altogether.
			if !strings.Contains(got.Error.Message, "admins") && !strings.Contains(got.Error.Message, "do not grant") {
				t.Errorf("%s %s by %s: %q does not name the protecting role", e.method, e.resource, caller, got.Error.Message)
			}
			if after := hs.fake.snapshot(); after != before {
				t.Errorf("%s %s by %s changed the pool", e.method, e.resource, caller)
			}
		}
	}
	hs := rolesHarness(t)
	victim := hs.fake.users["admin.in.a@example.com"]
	victim.mfa = true
	// MFA removal is allowed (devices get lost), and audited as a role holder's.
	if resp := hs.do(t, userEvent("DELETE", "/users/{email}/mfa", "admin.in.a@example.com")); resp.StatusCode != 200 {
		t.Fatalf("MFA removal: %d %s", resp.StatusCode, resp.Body)
	}
	if a := hs.logs.lines(t, "audit"); len(a) != 1 || a[0]["notice"] != "role_holder_mfa_removed" {
		t.Errorf("audit = %v, want the role-holder notice", a)
	}
	for _, body := range []string{
		`{"mode":"temporary","temporaryPassword":"Xx1!xxxxxxxxxx"}`,
		`{"mode":"temporary","temporaryPassword":"Xx1!xxxxxxxxxx","sendInvitation":false}`,
	} {
		e := jsonEv("POST", "/users/{email}/password", map[string]string{"email": "admin.in.a@example.com"}, body)
		wantError(t, hs.do(t, e), http.StatusForbidden, "NotPermitted")
	}
	if victim.password != "" || victim.status != types.UserStatusTypeConfirmed {
		t.Errorf("the admin's password was set: %+v", victim)
	}
	// A generated, emailed temporary password and a reset stay possible.
	for _, body := range []string{`{"mode":"temporary"}`} {
		e := jsonEv("POST", "/users/{email}/password", map[string]string{"email": "admin.in.a@example.com"}, body)
		wantUser(t, hs.do(t, e), http.StatusOK)
	}
	// Creating into a role follows the same rule.
	e := createEvent(`{"email":"new.admin@example.com","groups":["admins"],"temporaryPassword":"Xx1!xxxxxxxxxx"}`)
	wantError(t, hs.do(t, e), http.StatusForbidden, "NotPermitted")
	wantUser(t, hs.do(t, createEvent(`{"email":"new.admin@example.com","groups":["admins"]}`)), http.StatusCreated)
}

// GET /me for each dev role; a caller with no role is refused.
func TestMe(t *testing.T) {
	for role, want := range map[string]meBody{
		"admins":   {Email: "admin@example.com", Roles: []string{"admins"}, Permissions: []string{"audit:read", "groups:assign", "roles:grant", "users:create", "users:delete", "users:disable", "users:edit", "users:invite", "users:mfa", "users:password", "users:password:reset", "users:read", "users:sign-out"}},
		"helpdesk": {Email: "help@example.com", Roles: []string{"helpdesk"}, Permissions: []string{"users:invite", "users:mfa", "users:password:reset", "users:read", "users:sign-out"}},
		"auditors": {Email: "audit@example.com", Roles: []string{"auditors"}, Permissions: []string{"audit:read", "users:read"}},
		"tenant-a-admins": {Email: "ta.admin@example.com", Roles: []string{"tenant-a-admins"}, Scope: []string{"tenant-a"},
			Permissions: []string{"groups:assign", "users:create", "users:delete", "users:disable", "users:edit", "users:invite", "users:mfa", "users:password", "users:password:reset", "users:read", "users:sign-out"}},
	} {
		hs := rolesHarness(t)
		resp := hs.do(t, ev{method: "GET", resource: "/me", claims: hs.claimsOf(t, callers[role])})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", role, resp.StatusCode, resp.Body)
		}
		var got meBody
		decodeStrict(t, resp.Body, &got)
		want.Sub = hs.fake.users[callers[role]].sub
		policy, _ := devRoleSettings().Policy()
		def, _ := policy.Role(role)
		want.RoleDefinitions = []access.Role{def}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: /me = %+v, want %+v", role, got, want)
		}
		if role != "tenant-a-admins" && strings.Contains(resp.Body, `"scope"`) {
			t.Errorf("%s: an unscoped caller's scope must be absent: %s", role, resp.Body)
		}
	}
	hs := rolesHarness(t)
	e := ev{method: "GET", resource: "/me", claims: hs.claimsOf(t, "in.a@example.com")}
	wantError(t, hs.do(t, e), http.StatusForbidden, "Forbidden")
}

// With MFA required, an administrator without TOTP is refused on every
// route, told how to set it up; with TOTP set up they pass.
func TestMFARequired(t *testing.T) {
	s := devRoleSettings()
	s.AdminMFARequired = true
	for _, e := range everyRoute() {
		hs := rolesHarness(t)
		hs.h = New(s, hs.fake, hs.h.log)
		got := wantError(t, hs.do(t, e), http.StatusForbidden, "MFARequired")
		if !strings.Contains(got.Error.Message, "useradmin mfa setup") {
			t.Errorf("%s %s: %q does not say how to set MFA up", e.method, e.resource, got.Error.Message)
		}
		if calls := hs.fake.methods(); len(calls) != 0 {
			t.Errorf("%s %s ran the route: %v", e.method, e.resource, calls)
		}
	}
	hs := rolesHarness(t)
	hs.h = New(s, hs.fake, hs.h.log)
	hs.admin.mfa = true
	if resp := hs.do(t, ev{method: "GET", resource: "/me"}); resp.StatusCode != 200 {
		t.Errorf("an admin with TOTP: %d %s", resp.StatusCode, resp.Body)
	}
}

// ownersHarness has one enabled admin, one disabled, and a caller in
// owners, a second full role: the only way a caller other than the last
// admin themselves can reach the last admin.
func ownersHarness(t *testing.T) (*harness, string) {
	hs := rolesHarness(t)
	owner := hs.fake.seed("owner@example.com", types.UserStatusTypeConfirmed, "owners")
	hs.fake.seed("gone.admin@example.com", types.UserStatusTypeConfirmed, "admins").enabled = false
	delete(hs.fake.users["admin.in.a@example.com"].groups, "admins")
	return hs, hs.claimsOf(t, owner.email)
}

// The last enabled holder of a role with roles:grant is never disabled,
// deleted or demoted; each attempt is undone and refused 409.
func TestLastHolderRemains(t *testing.T) {
	for _, e := range []ev{
		userEvent("POST", "/users/{email}/disable", "admin@example.com"),
		userEvent("DELETE", "/users/{email}", "admin@example.com"),
		groupEvent("DELETE", "admin@example.com", "admins"),
	} {
		t.Run(e.method+" "+e.resource, func(t *testing.T) {
			hs, claims := ownersHarness(t)
			before := hs.fake.snapshot()
			e.claims = claims
			got := wantError(t, hs.do(t, e), http.StatusConflict, "LastRoleHolder")
			if !strings.Contains(got.Error.Message, "admins") {
				t.Errorf("message %q does not name the role", got.Error.Message)
			}
			if after := hs.fake.snapshot(); after != before {
				t.Errorf("the pool changed:\n%s\nto\n%s", before, after)
			}
			if a := hs.logs.lines(t, "audit"); len(a) != 1 || a[0]["rule"] != "last_holder" {
				t.Errorf("audit = %v", a)
			}
		})
	}
	// With a second enabled admin, each goes through.
	hs, claims := ownersHarness(t)
	hs.fake.users["gone.admin@example.com"].enabled = true
	e := groupEvent("DELETE", "admin@example.com", "admins")
	e.claims = claims
	if resp := hs.do(t, e); resp.StatusCode != http.StatusNoContent {
		t.Errorf("demoting one of two admins: %d %s", resp.StatusCode, resp.Body)
	}
}

// barrier releases its waiters together once n have arrived.
type barrier struct {
	mu sync.Mutex
	n  int
	ch chan struct{}
}

func newBarrier(n int) *barrier { return &barrier{n: n, ch: make(chan struct{})} }

func (b *barrier) wait() {
	b.mu.Lock()
	if b.n--; b.n == 0 {
		close(b.ch)
	}
	b.mu.Unlock()
	<-b.ch
}

// Two admins, the only enabled ones, demote (or disable, or delete) each
// other at once. The fake holds both requests until both are about to
// change, then until both have made their change, and both verifications
// until both have read: each sees no admin
// left, each undoes its own change, and both are refused. This is the
// interleaving that could empty the role; in any other, the change verified
// last sees a holder that no later change removes (see guard).
func TestLastHolderRace(t *testing.T) {
	for _, tc := range []struct {
		name   string
		method string
		e      func(target string) ev
	}{
		{"demote", "AdminRemoveUserFromGroup", func(target string) ev { return groupEvent("DELETE", target, "admins") }},
		{"disable", "AdminDisableUser", func(target string) ev { return userEvent("POST", "/users/{email}/disable", target) }},
		{"delete", "AdminDisableUser", func(target string) ev { return userEvent("DELETE", "/users/{email}", target) }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			hs := rolesHarness(t)
			delete(hs.fake.users["admin.in.a@example.com"].groups, "admins")
			hs.fake.seed("second@example.com", types.UserStatusTypeConfirmed, "admins")
			ready, changed, verify := newBarrier(2), newBarrier(2), newBarrier(2)
			hs.fake.gate = func(method string) {
				switch method {
				case "before " + tc.method:
					ready.wait() // both callers passed their checks before either changes
				case tc.method:
					changed.wait() // both changes are made before either verifies
				case "ListUsersInGroup":
					verify.wait() // both have verified, after both changes, before either acts on what it saw
				}
			}
			pairs := [][2]string{{"admin@example.com", "second@example.com"}, {"second@example.com", "admin@example.com"}}
			resps := make([]events.APIGatewayProxyResponse, 2)
			var wg sync.WaitGroup
			for i, p := range pairs {
				e := tc.e(p[1])
				e.claims = hs.claimsOf(t, p[0])
				wg.Go(func() {
					r, _ := hs.h.Handle(t.Context(), e.request(t))
					resps[i] = r
				})
			}
			wg.Wait()
			for i, r := range resps {
				if r.StatusCode != http.StatusConflict || !strings.Contains(r.Body, "LastRoleHolder") {
					t.Errorf("%s of %s: %d %s, want 409 LastRoleHolder", tc.name, pairs[i][1], r.StatusCode, r.Body)
				}
			}
			for _, email := range []string{"admin@example.com", "second@example.com"} {
				u := hs.fake.users[email]
				if u == nil || !u.enabled || !u.groups["admins"] {
					t.Errorf("%s is no longer an enabled admin: %+v", email, u)
				}
			}
		})
	}
}

// The audit record's actor carries the caller's roles, live from the pool,
// and the permission the route used, or lacked when refused.
func TestRecordActorRolesAndPermission(t *testing.T) {
	hs := rolesHarness(t)
	e := userEvent("POST", "/users/{email}/sign-out", "in.a@example.com")
	e.claims = hs.claimsOf(t, "help@example.com")
	if resp := hs.do(t, e); resp.StatusCode != http.StatusNoContent {
		t.Fatalf("%d %s", resp.StatusCode, resp.Body)
	}
	e = userEvent("DELETE", "/users/{email}", "in.a@example.com")
	e.claims = hs.claimsOf(t, "help@example.com")
	wantError(t, hs.do(t, e), http.StatusForbidden, "NotPermitted")
	recs := hs.records.recs
	if len(recs) != 2 {
		t.Fatalf("%d records, want 2: %+v", len(recs), recs)
	}
	for i, want := range []struct{ permission, outcome string }{{"users:sign-out", "success"}, {"users:delete", "NotPermitted"}} {
		r := recs[i]
		if !slices.Equal(r.Actor.Roles, []string{"helpdesk"}) || r.Actor.Permission != want.permission || r.Outcome != want.outcome || r.Actor.Email != "help@example.com" {
			t.Errorf("record %d: actor %+v, outcome %s; want helpdesk using %s, %s", i, r.Actor, r.Outcome, want.permission, want.outcome)
		}
	}
}
