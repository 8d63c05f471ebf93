package access

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

// devRoles are the roles dev ships (infra/environments.go), plus a second
// tenant and a two-tenant role to exercise scopes that combine.
func devRoles() []Role {
	tenantPerms := append(UserPermissions(), GroupsAssign)
	return []Role{
		{Name: "admins", Permissions: AllPermissions()},
		{Name: "helpdesk", Permissions: []Permission{UsersRead, UsersInvite, UsersPasswordReset, UsersMFA, UsersSignOut}},
		{Name: "auditors", Permissions: []Permission{UsersRead, AuditRead}},
		{Name: "tenant-a-admins", Permissions: tenantPerms, Scope: []string{"tenant-a"}},
		{Name: "tenant-b-admins", Permissions: tenantPerms, Scope: []string{"tenant-b"}},
		{Name: "tenant-ab-admins", Permissions: tenantPerms, Scope: []string{"tenant-a", "tenant-b"}},
		{Name: "tenant-a-granters", Permissions: append(slices.Clone(tenantPerms), RolesGrant), Scope: []string{"tenant-a"}},
	}
}

func devPolicy(t *testing.T) *Policy {
	t.Helper()
	p, err := NewPolicy(devRoles())
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// refusal returns err's rule and code, or "" for nil; it fails on any other error.
func refusal(t *testing.T, err error) (Rule, string) {
	t.Helper()
	if err == nil {
		return "", ""
	}
	var r *Refusal
	if !errors.As(err, &r) {
		t.Fatalf("error %v is not a *Refusal", err)
	}
	if r.Message == "" {
		t.Errorf("refusal %+v has no message", r)
	}
	return r.Rule, r.Code
}

func TestNewPolicyRefuses(t *testing.T) {
	for _, tc := range []struct {
		name  string
		roles []Role
		want  string
	}{
		{"no name", []Role{{Permissions: []Permission{UsersRead}}}, "no name"},
		{"no permissions", []Role{{Name: "x"}}, "no permissions"},
		{"unknown permission", []Role{{Name: "x", Permissions: []Permission{"users:everything"}}}, `unknown permission "users:everything"`},
		{"repeated permission", []Role{{Name: "x", Permissions: []Permission{UsersRead, UsersRead}}}, "listed twice"},
		{"empty scope group", []Role{{Name: "x", Permissions: []Permission{UsersRead}, Scope: []string{""}}}, "empty scope group"},
		{"repeated scope group", []Role{{Name: "x", Permissions: []Permission{UsersRead}, Scope: []string{"a", "a"}}}, `"a" is listed twice`},
		{"own scope", []Role{{Name: "x", Permissions: []Permission{UsersRead}, Scope: []string{"x"}}}, "its own scope"},
		{"role declared twice", []Role{{Name: "x", Permissions: []Permission{UsersRead}}, {Name: "x", Permissions: []Permission{UsersRead}}}, "declared twice"},
		{"scoped audit reader", []Role{{Name: "x", Permissions: []Permission{UsersRead, AuditRead}, Scope: []string{"a"}}}, "a scoped role cannot hold audit:read"},
		{"scope names a role", []Role{{Name: "x", Permissions: []Permission{UsersRead}, Scope: []string{"y"}}, {Name: "y", Permissions: []Permission{UsersRead}}}, `scope group "y" is a role`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := NewPolicy(tc.roles)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("NewPolicy = %v, want an error with %q", err, tc.want)
			}
		})
	}
	if _, err := NewPolicy(devRoles()); err != nil {
		t.Fatalf("the dev roles: %v", err)
	}
}

// The effective grant of one caller: roles add up, implied permissions are
// listed, and the scope is the union of the roles' scopes, absent when any is unscoped.
func TestGrant(t *testing.T) {
	p := devPolicy(t)
	for _, tc := range []struct {
		groups      []string
		roles       []string
		permissions []string
		scope       []string
	}{
		{nil, []string{}, nil, nil},
		{[]string{"tenant-a", "staff"}, []string{}, nil, nil},
		{[]string{"admins"}, []string{"admins"}, []string{"audit:read", "groups:assign", "roles:grant", "users:create", "users:delete", "users:disable", "users:edit", "users:invite", "users:mfa", "users:password", "users:password:reset", "users:read", "users:sign-out"}, nil},
		{[]string{"helpdesk"}, []string{"helpdesk"}, []string{"users:invite", "users:mfa", "users:password:reset", "users:read", "users:sign-out"}, nil},
		{[]string{"auditors", "helpdesk"}, []string{"auditors", "helpdesk"}, []string{"audit:read", "users:invite", "users:mfa", "users:password:reset", "users:read", "users:sign-out"}, nil},
		{[]string{"tenant-a-admins", "tenant-a"}, []string{"tenant-a-admins"}, []string{"groups:assign", "users:create", "users:delete", "users:disable", "users:edit", "users:invite", "users:mfa", "users:password", "users:password:reset", "users:read", "users:sign-out"}, []string{"tenant-a"}},
		{[]string{"tenant-b-admins", "tenant-a-admins"}, []string{"tenant-a-admins", "tenant-b-admins"}, []string{"groups:assign", "users:create", "users:delete", "users:disable", "users:edit", "users:invite", "users:mfa", "users:password", "users:password:reset", "users:read", "users:sign-out"}, []string{"tenant-a", "tenant-b"}},
		{[]string{"tenant-a-admins", "auditors"}, []string{"auditors", "tenant-a-admins"}, []string{"audit:read", "groups:assign", "users:create", "users:delete", "users:disable", "users:edit", "users:invite", "users:mfa", "users:password", "users:password:reset", "users:read", "users:sign-out"}, nil},
	} {
		g := p.Grant(tc.groups)
		if got := g.Roles(); !slices.Equal(got, tc.roles) {
			t.Errorf("%v: roles = %v, want %v", tc.groups, got, tc.roles)
		}
		if got := g.Permissions(); !slices.Equal(got, tc.permissions) {
			t.Errorf("%v: permissions = %v, want %v", tc.groups, got, tc.permissions)
		}
		if got := g.Scope(); !slices.Equal(got, tc.scope) {
			t.Errorf("%v: scope = %v, want %v", tc.groups, got, tc.scope)
		}
		if g.Any() != (len(tc.roles) > 0) {
			t.Errorf("%v: Any = %v", tc.groups, g.Any())
		}
	}
}

// A permission reaches where the roles granting it reach, never further:
// an unscoped reader with a tenant-scoped admin role reads everyone and
// disables the tenant only.
func TestReachDoesNotTravelBetweenPermissions(t *testing.T) {
	g := devPolicy(t).Grant([]string{"auditors", "tenant-a-admins"})
	if r := g.Reach(UsersRead); !r.All {
		t.Errorf("users:read reach = %+v, want everyone (auditors is unscoped)", r)
	}
	if r := g.Reach(UsersDisable); r.All || !slices.Equal(r.Groups, []string{"tenant-a"}) {
		t.Errorf("users:disable reach = %+v, want tenant-a only", r)
	}
	if err := g.Act(UsersDisable, []string{"tenant-b"}); err == nil {
		t.Fatal("disabled a tenant-b user")
	} else if rule, code := refusal(t, err); rule != RuleScope || code != CodeNotPermitted {
		// Seen (auditors reads everyone), so 403 rather than 404: nothing is revealed.
		t.Errorf("refusal = %s %s, want scope NotPermitted", rule, code)
	}
	if err := g.Act(UsersDisable, []string{"tenant-a"}); err != nil {
		t.Errorf("disabling a tenant-a user: %v", err)
	}
}

// Every route's permission for every role: held, or refused naming it.
func TestNeedMatrix(t *testing.T) {
	p := devPolicy(t)
	held := map[string][]Permission{
		"admins":          AllPermissions(),
		"helpdesk":        {UsersRead, UsersInvite, UsersPasswordReset, UsersMFA, UsersSignOut},
		"auditors":        {UsersRead, AuditRead},
		"tenant-a-admins": append(UserPermissions(), GroupsAssign),
		"":                nil,
	}
	for role, perms := range held {
		g := p.Grant([]string{role})
		for _, perm := range AllPermissions() {
			err := g.Need(perm)
			if want := slices.Contains(perms, perm) || (perm == UsersPasswordReset && slices.Contains(perms, UsersPassword)); want != (err == nil) {
				t.Errorf("%q needs %s: %v", role, perm, err)
			}
			if err != nil {
				var r *Refusal
				if !errors.As(err, &r) || r.Code != CodeNotPermitted || r.Rule != RulePermission || r.Permission != perm || !strings.Contains(r.Message, string(perm)) || r.Status() != 403 {
					t.Errorf("%q needs %s: %+v, want 403 NotPermitted naming it", role, perm, err)
				}
			}
		}
	}
}

func TestActAndRead(t *testing.T) {
	p := devPolicy(t)
	for _, tc := range []struct {
		caller []string
		perm   Permission
		target []string
		rule   Rule
		code   string
	}{
		{[]string{"admins"}, UsersDisable, nil, "", ""},
		{[]string{"admins"}, UsersDisable, []string{"admins"}, "", ""},
		{[]string{"admins"}, UsersDisable, []string{"helpdesk", "tenant-a-admins", "tenant-a"}, "", ""},
		// A tenant admin: members of tenant-a only; anyone else does not exist.
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"tenant-a"}, "", ""},
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"tenant-a", "tenant-b"}, "", ""},
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"tenant-b"}, RuleHidden, CodeUserNotFound},
		{[]string{"tenant-a-admins"}, UsersDisable, nil, RuleHidden, CodeUserNotFound},
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"admins"}, RuleHidden, CodeUserNotFound},
		{[]string{"tenant-a-admins"}, UsersRead, []string{"staff"}, RuleHidden, CodeUserNotFound},
		// A tenant admin sees an admin in the tenant but cannot touch them.
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"tenant-a", "admins"}, RuleTakeover, CodeNotPermitted},
		{[]string{"tenant-a-admins"}, UsersSignOut, []string{"tenant-a", "helpdesk"}, RuleTakeover, CodeNotPermitted},
		// A peer in the same tenant, holding no more than the caller: allowed.
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"tenant-a", "tenant-a-admins"}, "", ""},
		// A two-tenant admin is more than a one-tenant admin holds.
		{[]string{"tenant-a-admins"}, UsersDisable, []string{"tenant-a", "tenant-ab-admins"}, RuleTakeover, CodeNotPermitted},
		{[]string{"tenant-ab-admins"}, UsersDisable, []string{"tenant-a", "tenant-a-admins"}, "", ""},
		// The helpdesk: no takeover of any role holder, even a helpdesk peer is fine.
		{[]string{"helpdesk"}, UsersMFA, []string{"admins"}, RuleTakeover, CodeNotPermitted},
		{[]string{"helpdesk"}, UsersMFA, []string{"auditors"}, RuleTakeover, CodeNotPermitted},
		{[]string{"helpdesk"}, UsersMFA, []string{"helpdesk"}, "", ""},
		{[]string{"helpdesk"}, UsersMFA, []string{"tenant-b"}, "", ""},
		{[]string{"helpdesk"}, UsersDisable, []string{"tenant-b"}, RulePermission, CodeNotPermitted},
		{[]string{"auditors"}, UsersSignOut, nil, RulePermission, CodeNotPermitted},
		{nil, UsersRead, nil, RulePermission, CodeNotPermitted},
	} {
		rule, code := refusal(t, p.Grant(tc.caller).Act(tc.perm, tc.target))
		if rule != tc.rule || code != tc.code {
			t.Errorf("%v %s on %v: %q %q, want %q %q", tc.caller, tc.perm, tc.target, rule, code, tc.rule, tc.code)
		}
	}
	// Reading has no takeover rule: the helpdesk reads an admin.
	if err := p.Grant([]string{"helpdesk"}).Read([]string{"admins"}); err != nil {
		t.Errorf("helpdesk reading an admin: %v", err)
	}
	if rule, code := refusal(t, p.Grant([]string{"tenant-a-admins"}).Read([]string{"admins"})); rule != RuleHidden || code != CodeUserNotFound {
		t.Errorf("tenant admin reading an admin: %s %s, want hidden", rule, code)
	}
	hiddenErr := p.Grant([]string{"tenant-a-admins"}).Act(UsersDelete, nil)
	var r *Refusal
	if !errors.As(hiddenErr, &r) || r.Message != NotFoundMessage || r.Status() != 404 {
		t.Errorf("hidden = %+v, want the not-found message of a missing user", hiddenErr)
	}
}

func TestAssignAndUnassign(t *testing.T) {
	p := devPolicy(t)
	for _, tc := range []struct {
		caller []string
		remove bool
		group  string
		target []string
		rule   Rule
	}{
		{[]string{"admins"}, false, "admins", nil, ""},
		{[]string{"admins"}, true, "admins", []string{"admins"}, ""},
		{[]string{"admins"}, false, "tenant-b", []string{"tenant-a"}, ""},
		{[]string{"admins"}, true, "tenant-a", []string{"tenant-a"}, ""}, // unscoped: may leave a user in no tenant
		// No escalation: a role is granted or removed only by who holds it in full.
		{[]string{"tenant-a-admins"}, false, "admins", []string{"tenant-a"}, RulePermission},
		{[]string{"tenant-a-granters"}, false, "admins", []string{"tenant-a"}, RuleEscalation},
		{[]string{"tenant-a-granters"}, false, "tenant-ab-admins", []string{"tenant-a"}, RuleEscalation},
		{[]string{"tenant-a-granters"}, false, "tenant-a-admins", []string{"tenant-a"}, ""},
		{[]string{"tenant-a-granters"}, true, "tenant-a-admins", []string{"tenant-a", "tenant-a-admins"}, ""},
		{[]string{"tenant-a-granters"}, false, "tenant-a-admins", []string{"tenant-b"}, RuleHidden},
		{[]string{"helpdesk"}, false, "helpdesk", nil, RulePermission},
		// A scoped admin assigns only their scope groups.
		{[]string{"tenant-a-admins"}, false, "tenant-a", []string{"tenant-a", "tenant-b"}, ""},
		{[]string{"tenant-a-admins"}, false, "tenant-b", []string{"tenant-a"}, RuleScopeGroup},
		{[]string{"tenant-a-admins"}, false, "staff", []string{"tenant-a"}, RuleScopeGroup},
		{[]string{"tenant-a-admins"}, true, "tenant-b", []string{"tenant-a", "tenant-b"}, RuleScopeGroup},
		{[]string{"tenant-a-admins"}, false, "tenant-a", []string{"tenant-b"}, RuleHidden},
		// …and never removes a user's last scope group.
		{[]string{"tenant-a-admins"}, true, "tenant-a", []string{"tenant-a"}, RuleLastScopeGroup},
		{[]string{"tenant-a-admins"}, true, "tenant-a", []string{"tenant-a", "tenant-b"}, RuleLastScopeGroup},
		{[]string{"tenant-ab-admins"}, true, "tenant-a", []string{"tenant-a", "tenant-b"}, ""},
		{[]string{"tenant-ab-admins"}, true, "tenant-b", []string{"tenant-b"}, RuleLastScopeGroup},
		// The target's own roles protect them from a group change too.
		{[]string{"tenant-a-admins"}, false, "tenant-a", []string{"tenant-a", "helpdesk"}, RuleTakeover},
	} {
		g := p.Grant(tc.caller)
		err := g.Assign(tc.group, tc.target)
		if tc.remove {
			err = g.Unassign(tc.group, tc.target)
		}
		if rule, _ := refusal(t, err); rule != tc.rule {
			t.Errorf("%v remove=%v %s on %v: %q (%v), want %q", tc.caller, tc.remove, tc.group, tc.target, rule, err, tc.rule)
		}
	}
}

func TestCreate(t *testing.T) {
	p := devPolicy(t)
	for _, tc := range []struct {
		name   string
		caller []string
		req    CreateRequest
		groups []string
		rule   Rule
		code   string
	}{
		{"admin, no groups", []string{"admins"}, CreateRequest{SendInvitation: true}, []string{}, "", ""},
		{"admin, chosen password, no email", []string{"admins"}, CreateRequest{ChosenPassword: true}, []string{}, "", ""},
		{"admin into a role, emailed", []string{"admins"}, CreateRequest{Groups: []string{"helpdesk"}, SendInvitation: true}, []string{"helpdesk"}, "", ""},
		{"admin into a role, chosen password", []string{"admins"}, CreateRequest{Groups: []string{"helpdesk"}, ChosenPassword: true, SendInvitation: true}, nil, RuleRoleHolderPassword, CodeNotPermitted},
		{"admin into a role, not emailed", []string{"admins"}, CreateRequest{Groups: []string{"admins"}}, nil, RuleRoleHolderPassword, CodeNotPermitted},
		{"tenant admin, put into the scope", []string{"tenant-a-admins"}, CreateRequest{SendInvitation: true}, []string{"tenant-a"}, "", ""},
		{"tenant admin, names the scope", []string{"tenant-a-admins"}, CreateRequest{Groups: []string{"tenant-a"}}, []string{"tenant-a"}, "", ""},
		{"tenant admin, another tenant", []string{"tenant-a-admins"}, CreateRequest{Groups: []string{"tenant-b"}}, nil, RuleScopeGroup, CodeNotPermitted},
		{"tenant admin, a role", []string{"tenant-a-admins"}, CreateRequest{Groups: []string{"admins"}, SendInvitation: true}, nil, RulePermission, CodeNotPermitted},
		{"tenant granter, own role", []string{"tenant-a-granters"}, CreateRequest{Groups: []string{"tenant-a-admins"}, SendInvitation: true}, []string{"tenant-a", "tenant-a-admins"}, "", ""},
		{"tenant granter, a wider role", []string{"tenant-a-granters"}, CreateRequest{Groups: []string{"tenant-ab-admins"}, SendInvitation: true}, nil, RuleEscalation, CodeNotPermitted},
		{"two tenants, none named", []string{"tenant-ab-admins"}, CreateRequest{SendInvitation: true}, nil, RuleScopeGroup, CodeScopeGroupRequired},
		{"two tenants, one named", []string{"tenant-ab-admins"}, CreateRequest{Groups: []string{"tenant-b"}}, []string{"tenant-b"}, "", ""},
		{"two roles, two tenants", []string{"tenant-a-admins", "tenant-b-admins"}, CreateRequest{Groups: []string{"tenant-a", "tenant-b"}}, []string{"tenant-a", "tenant-b"}, "", ""},
		{"helpdesk", []string{"helpdesk"}, CreateRequest{SendInvitation: true}, nil, RulePermission, CodeNotPermitted},
		{"no role", nil, CreateRequest{SendInvitation: true}, nil, RulePermission, CodeNotPermitted},
	} {
		t.Run(tc.name, func(t *testing.T) {
			groups, err := p.Grant(tc.caller).Create(tc.req)
			rule, code := refusal(t, err)
			if rule != tc.rule || code != tc.code {
				t.Fatalf("Create = %v, want %q %q", err, tc.rule, tc.code)
			}
			if err == nil && !slices.Equal(groups, tc.groups) {
				t.Errorf("groups = %v, want %v", groups, tc.groups)
			}
		})
	}
}

func TestPassword(t *testing.T) {
	p := devPolicy(t)
	for _, tc := range []struct {
		caller       []string
		mode         PasswordMode
		chosen, send bool
		target       []string
		rule         Rule
	}{
		{[]string{"helpdesk"}, PasswordReset, false, false, nil, ""},
		{[]string{"helpdesk"}, PasswordTemporary, false, true, nil, RulePermission},
		{[]string{"helpdesk"}, PasswordReset, false, false, []string{"admins"}, RuleTakeover},
		{[]string{"admins"}, PasswordTemporary, true, true, nil, ""},
		{[]string{"admins"}, PasswordTemporary, true, false, nil, ""},
		{[]string{"admins"}, PasswordReset, false, false, []string{"admins"}, ""},
		{[]string{"admins"}, PasswordTemporary, false, true, []string{"admins"}, ""},
		{[]string{"admins"}, PasswordTemporary, true, true, []string{"admins"}, RuleRoleHolderPassword},
		{[]string{"admins"}, PasswordTemporary, true, false, []string{"helpdesk"}, RuleRoleHolderPassword},
		{[]string{"tenant-a-admins"}, PasswordTemporary, true, true, []string{"tenant-a"}, ""},
		{[]string{"tenant-a-admins"}, PasswordTemporary, true, true, []string{"tenant-a", "tenant-a-admins"}, RuleRoleHolderPassword},
		{[]string{"tenant-a-admins"}, PasswordReset, false, false, []string{"tenant-b"}, RuleHidden},
	} {
		rule, _ := refusal(t, p.Grant(tc.caller).Password(tc.mode, tc.chosen, tc.send, tc.target))
		if rule != tc.rule {
			t.Errorf("%v %s chosen=%v send=%v on %v: %q, want %q", tc.caller, tc.mode, tc.chosen, tc.send, tc.target, rule, tc.rule)
		}
	}
}

func TestGuardedAndHolders(t *testing.T) {
	p := devPolicy(t)
	if got := p.Guarded([]string{"tenant-a", "helpdesk", "admins", "tenant-a-granters"}); !slices.Equal(got, []string{"admins", "tenant-a-granters"}) {
		t.Errorf("Guarded = %v", got)
	}
	if got := p.Guarded([]string{"helpdesk", "tenant-a-admins"}); got != nil {
		t.Errorf("Guarded = %v, want none", got)
	}
	err := LastHolder(UsersDisable, "admins")
	if rule, code := refusal(t, err); rule != RuleLastHolder || code != CodeLastRoleHolder || err.(*Refusal).Status() != 409 {
		t.Errorf("LastHolder = %+v", err)
	}
}

func TestRequireMFA(t *testing.T) {
	if RequireMFA(false, false) != nil || RequireMFA(true, true) != nil {
		t.Error("refused where MFA is not required or set up")
	}
	err := RequireMFA(true, false)
	var r *Refusal
	if !errors.As(err, &r) || r.Code != CodeMFARequired || r.Status() != 403 || !strings.Contains(r.Message, "useradmin mfa setup") {
		t.Errorf("RequireMFA = %+v, want 403 MFARequired naming useradmin mfa setup", err)
	}
}

func TestVisibleGroups(t *testing.T) {
	p := devPolicy(t)
	managed := []string{"admins", "helpdesk", "tenant-b", "tenant-a", "staff"}
	if got := p.Grant([]string{"helpdesk"}).VisibleGroups(managed); !slices.Equal(got, managed) {
		t.Errorf("unscoped sees %v", got)
	}
	if got := p.Grant([]string{"tenant-a-admins"}).VisibleGroups(managed); !slices.Equal(got, []string{"tenant-a"}) {
		t.Errorf("tenant admin sees %v, want tenant-a", got)
	}
	if got := p.Grant([]string{"tenant-ab-admins"}).VisibleGroups(managed); !slices.Equal(got, []string{"tenant-b", "tenant-a"}) {
		t.Errorf("two-tenant admin sees %v, in the configuration's order", got)
	}
	g := p.Grant([]string{"tenant-a-admins"})
	if !g.SeesGroup("tenant-a") || g.SeesGroup("tenant-b") || g.SeesGroup("admins") {
		t.Error("SeesGroup")
	}
}

func TestPasswordPermission(t *testing.T) {
	if PasswordPermission(PasswordReset) != UsersPasswordReset || PasswordPermission(PasswordTemporary) != UsersPassword {
		t.Error("PasswordPermission")
	}
	// A reset-only role is covered by a full password role, not the other way round.
	full := Role{Name: "f", Permissions: []Permission{UsersPassword}}
	reset := Role{Name: "r", Permissions: []Permission{UsersPasswordReset}}
	p, err := NewPolicy([]Role{full, reset})
	if err != nil {
		t.Fatal(err)
	}
	if !p.Grant([]string{"f"}).Covers(reset) || p.Grant([]string{"r"}).Covers(full) {
		t.Error("users:password must cover users:password:reset, and not the reverse")
	}
}
