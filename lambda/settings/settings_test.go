package settings

import (
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

func TestEnvRoundTrip(t *testing.T) {
	in := Settings{
		UserPoolID:       "eu-west-1_abc",
		AdminGroups:      []string{"admins", "owners"},
		ManagedGroups:    []string{"admins", "owners", "support"},
		AllowedOrigins:   []string{"https://app.example.org"},
		Password:         PasswordPolicy{MinLength: 14, RequireUppercase: true, RequireSymbols: true},
		APIClientIDs:     []string{"4adminclient", "5appclient"},
		Roles:            []access.Role{{Name: "owners", Permissions: []access.Permission{access.UsersRead, access.UsersPasswordReset}, Scope: []string{"support"}}},
		AdminMFARequired: true,
		// The audit table's name and the records' retention reach the function.
		AuditTable:         "UserAdmin-dev-AuditTable",
		AuditRetentionDays: 400,
	}
	env := in.Env()
	out, err := FromEnv(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(in, out) {
		t.Fatalf("round trip changed settings:\n in %+v\nout %+v", in, out)
	}
}

func TestFromEnvErrors(t *testing.T) {
	good := Settings{UserPoolID: "p", AdminGroups: []string{"admins"}, Password: DefaultPasswordPolicy(), APIClientIDs: []string{"c"}, AuditTable: "t"}.Env()
	for name, tc := range map[string]struct{ key, value, want string }{
		"no pool":        {EnvUserPoolID, " ", EnvUserPoolID},
		"no admin group": {EnvAdminGroups, ",", EnvAdminGroups},
		"bad length":     {EnvPasswordMinLength, "twelve", EnvPasswordMinLength},
		"short policy":   {EnvPasswordMinLength, "4", "MinLength"},
		"bad rule":       {EnvPasswordRequire, "digits,emoji", "emoji"},
		"no API client":  {EnvAPIClientIDs, " , ", EnvAPIClientIDs},
		// Names the group claim parser reads as syntax: "[admins]" would pass as admins.
		"bracketed admin group":    {EnvAdminGroups, "[admins]", EnvAdminGroups},
		"admin group with quotes":  {EnvAdminGroups, `"admins"`, EnvAdminGroups},
		"admin group with a space": {EnvAdminGroups, "site admins", EnvAdminGroups},
		"admin group with a tab":   {EnvAdminGroups, "admins,ops\tteam", `"ops\tteam"`},
		"managed group bracket":    {EnvManagedGroups, "admins,support]", EnvManagedGroups},
		"roles not JSON":           {EnvRoles, "admins", EnvRoles},
		"role field unknown":       {EnvRoles, `[{"name":"admins","permissions":["users:read"],"scopes":["x"]}]`, "scopes"},
		"role not an admin group":  {EnvRoles, `[{"name":"helpdesk","permissions":["users:read"]}]`, `"helpdesk" is not one of the admin groups`},
		"role unknown permission":  {EnvRoles, `[{"name":"admins","permissions":["users:all"]}]`, `unknown permission "users:all"`},
		"role scope not managed":   {EnvRoles, `[{"name":"admins","permissions":["users:read"],"scope":["tenant-z"]}]`, `"tenant-z" is not a managed group`},
		"MFA switch":               {EnvAdminMFARequired, "yes", EnvAdminMFARequired},
		"audit retention":          {EnvAuditRetentionDays, "forever", EnvAuditRetentionDays},
	} {
		t.Run(name, func(t *testing.T) {
			env := map[string]string{}
			for k, v := range good {
				env[k] = v
			}
			env[tc.key] = tc.value
			_, err := FromEnv(func(k string) string { return env[k] })
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want one naming %q", err, tc.want)
			}
		})
	}
}

func TestPasswordCheck(t *testing.T) {
	p := DefaultPasswordPolicy()
	for pw, want := range map[string]string{
		"Aa1!aaaaaaaa":             "",
		"Aa1!aaaa":                 "at least 12",
		"AA1!AAAAAAAA":             "lowercase",
		"aa1!aaaaaaaa":             "uppercase",
		"Aa!!aaaaaaaa":             "digit",
		"Aa11aaaaaaaa":             "symbol",
		" Aa1!aaaaaaa":             "space",
		"Aa1!aaaa\x00aaa":          "control",
		"Aa1!aaaa\naaa":            "control",
		"Aa1!aaaa\u202eaaa":        "invisible",
		"Aa1!aaaa\u200baaa":        "invisible",
		"Aa1!aaaa\u00e9aaa":        "",
		strings.Repeat("Aa1!", 65): "at most 256",
	} {
		err := p.Check(pw)
		if want == "" {
			if err != nil {
				t.Errorf("Check(%q) = %v, want nil", pw, err)
			}
			continue
		}
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check(%q) = %v, want an error naming %q", pw, err, want)
		}
		if err != nil && strings.Contains(err.Error(), pw) {
			t.Errorf("error message echoes the password")
		}
	}
	// Classes that are not required are not enforced.
	if err := (PasswordPolicy{MinLength: 8}).Check("abcdefgh"); err != nil {
		t.Errorf("relaxed policy: %v", err)
	}
}

func TestIsAPIClient(t *testing.T) {
	s := Settings{APIClientIDs: []string{"4adminclient"}}
	if !s.IsAPIClient("4adminclient") || s.IsAPIClient("5appclient") || s.IsAPIClient("") {
		t.Error("IsAPIClient admits exactly the listed client ids")
	}
}

func TestHasGroupClaimSyntax(t *testing.T) {
	for g, want := range map[string]bool{
		"admins": false, "support-staff": false, "ops_2": false, "été": false,
		"[admins]": true, "admins]": true, "[": true, `"admins"`: true, "a,b": true,
		"a b": true, "a\tb": true, "a\u00a0b": true, "a\nb": true,
	} {
		if got := HasGroupClaimSyntax(g); got != want {
			t.Errorf("HasGroupClaimSyntax(%q) = %t, want %t", g, got, want)
		}
	}
}

// An admin group that Roles does not declare holds every permission,
// unscoped: how every deployment before roles keeps working.
func TestPolicy(t *testing.T) {
	s := Settings{
		AdminGroups:   []string{"admins", "helpdesk"},
		ManagedGroups: []string{"admins", "helpdesk", "tenant-a"},
		Roles:         []access.Role{{Name: "helpdesk", Permissions: []access.Permission{access.UsersRead}, Scope: []string{"tenant-a"}}},
	}
	p, err := s.Policy()
	if err != nil {
		t.Fatal(err)
	}
	if g := p.Grant([]string{"admins"}); len(g.Permissions()) != len(access.AllPermissions()) || g.Scope() != nil {
		t.Errorf("admins = %v %v, want every permission, unscoped", g.Permissions(), g.Scope())
	}
	if g := p.Grant([]string{"helpdesk"}); !slices.Equal(g.Permissions(), []string{"users:read"}) || !slices.Equal(g.Scope(), []string{"tenant-a"}) {
		t.Errorf("helpdesk = %v %v", g.Permissions(), g.Scope())
	}
	// A role scoped to a role group is refused: scopes are groups of users.
	s.Roles[0].Scope = []string{"admins"}
	if _, err := s.Policy(); err == nil || !strings.Contains(err.Error(), "is a role") {
		t.Errorf("Policy = %v, want the scope naming a role refused", err)
	}
}
