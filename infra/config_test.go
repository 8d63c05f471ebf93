package infra

import (
	"slices"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/lambda/access"
)

func TestShippedEnvironmentsValidate(t *testing.T) {
	if err := ValidateEnvironments(Environments()); err != nil {
		t.Error(err)
	}
	names := []string{}
	for _, c := range Environments() {
		if err := c.Validate(); err != nil {
			t.Errorf("%s: %v", c.Name, err)
		}
		names = append(names, c.StackName())
	}
	if got := strings.Join(names, ","); got != "UserAdmin-dev,UserAdmin-stg,UserAdmin-prd" {
		t.Errorf("stacks = %s", got)
	}
	if _, err := Environment("qa"); err == nil {
		t.Error("unknown environment accepted")
	}
}

// Each bad value fails validation with a message naming its field.
func TestValidateNamesTheField(t *testing.T) {
	for field, mutate := range map[string]func(*Config){
		"Name":                     func(c *Config) { c.Name = "test" },
		"Account":                  func(c *Config) { c.Account = "12345" },
		"Region":                   func(c *Config) { c.Region = "Europe" },
		"Retain":                   func(c *Config) { c.Name, c.Retain = "prd", false },
		"LogRetentionDays":         func(c *Config) { c.LogRetentionDays = 10 },
		"ThrottleRate":             func(c *Config) { c.ThrottleRate = 0 },
		"ThrottleBurst":            func(c *Config) { c.ThrottleBurst = 0 },
		"CORSOrigins":              func(c *Config) { c.CORSOrigins = []string{"http://app.example.org"} },
		"Invitation.Subject":       func(c *Config) { c.Invitation.Subject = " " },
		"Invitation.Body":          func(c *Config) { c.Invitation.Body = "Hello {username}" },
		"SES.FromEmail":            func(c *Config) { c.Region = "eu-west-1"; c.SES = &SESSender{FromEmail: "Admin <a@b.org>"} },
		"SES.Region":               func(c *Config) { c.SES = &SESSender{FromEmail: "a@b.org"} },
		"CognitoReplyTo":           func(c *Config) { c.CognitoReplyTo = "not-an-address" },
		"MFA":                      func(c *Config) { c.MFA = "sms" },
		"Password":                 func(c *Config) { c.Password.MinLength = 4 },
		"TempPasswordValidityDays": func(c *Config) { c.TempPasswordValidityDays = 0 },
		"FeaturePlan":              func(c *Config) { c.FeaturePlan = "GOLD" },
		"AccessTokenMinutes":       func(c *Config) { c.AccessTokenMinutes = 2 },
		"IDTokenMinutes":           func(c *Config) { c.IDTokenMinutes = 2000 },
		"RefreshTokenDays":         func(c *Config) { c.RefreshTokenDays = 0 },
		"HostedUI.DomainPrefix": func(c *Config) {
			c.HostedUI = &HostedUI{DomainPrefix: "my-cognito", CallbackURLs: []string{"https://a.org/cb"}}
		},
		"HostedUI.CallbackURLs": func(c *Config) { c.HostedUI = &HostedUI{DomainPrefix: "acme"} },
		"HostedUI": func(c *Config) {
			c.HostedUI = &HostedUI{DomainPrefix: "acme", CallbackURLs: []string{"http://a.org/cb"}}
		},
		"Roles":                   func(c *Config) { c.Roles = nil },
		"Roles/ExtraGroups":       func(c *Config) { c.ExtraGroups = []string{"Admins"} },
		"ExtraGroups":             func(c *Config) { c.ExtraGroups = []string{`"support"`} },
		"FirstAdminEmail":         func(c *Config) { c.FirstAdminEmail = "Boss@Example.org" },
		"LambdaMemoryMB":          func(c *Config) { c.LambdaMemoryMB = 64 },
		"AdminAccessTokenMinutes": func(c *Config) { c.AdminAccessTokenMinutes = 4 },
		"AdminIDTokenMinutes":     func(c *Config) { c.AdminIDTokenMinutes = 1441 },
		"AdminRefreshTokenHours":  func(c *Config) { c.AdminRefreshTokenHours = 0 },
		"AdminAPIClients":         func(c *Config) { c.AdminAPIClients = nil },
	} {
		t.Run(field, func(t *testing.T) {
			c, _ := Environment("dev")
			mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), field+":") {
				t.Fatalf("Validate() = %v, want an error naming %s", err, field)
			}
		})
	}
}

func TestSynthRefusesBadConfig(t *testing.T) {
	c, _ := Environment("dev")
	c.MFA = "always"
	if _, err := NewUserAdminStack(nil, &UserAdminStackProps{Config: c}); err == nil || !strings.Contains(err.Error(), "MFA") {
		t.Fatalf("err = %v, want one naming MFA", err)
	}
}

func TestGroupLogicalID(t *testing.T) {
	for in, want := range map[string]string{"admins": "GroupAdmins", "support-staff": "GroupSupportStaff", "ops_2": "GroupOps2"} {
		if got := groupLogicalID(in); got != want {
			t.Errorf("groupLogicalID(%q) = %q, want %q", in, got, want)
		}
	}
}

// Account (and Region) is set on every environment or on none: one left to
// the CLI's default could land in a pinned one's account under another name,
// and give the account-wide settings two owners.
func TestOneOwnerPerAccountAndRegion(t *testing.T) {
	envs := Environments()
	if err := ValidateEnvironments(envs); err != nil {
		t.Fatalf("shipped: %v", err)
	}
	envs[2].Account, envs[2].Region = "111111111111", "eu-west-1"
	err := ValidateEnvironments(envs)
	if err == nil || !strings.Contains(err.Error(), "config dev, stg: Account: set on prd but not on dev, stg") ||
		!strings.Contains(err.Error(), "config dev, stg: Region: set on prd but not on dev, stg") {
		t.Fatalf("err = %v, want Account and Region named", err)
	}
	for i := range envs[:2] {
		envs[i].Account = "111111111111"
		envs[i].Region = ""
	}
	err = ValidateEnvironments(envs)
	if err == nil || strings.Contains(err.Error(), "Account:") || !strings.Contains(err.Error(), "Region: set on prd") {
		t.Fatalf("err = %v, want Region alone named", err)
	}
	envs[2].Region = ""
	if err := ValidateEnvironments(envs); err != nil {
		t.Fatalf("every Account set, no Region: %v", err)
	}
}

// The admin client's settings: refresh tokens must outlive the others, and
// AdminAPIClients holds known, distinct names.
func TestValidateAdminClient(t *testing.T) {
	for name, tc := range map[string]struct {
		mutate func(*Config)
		want   string
	}{
		"refresh shorter than ID token": {func(c *Config) { c.AdminIDTokenMinutes, c.AdminRefreshTokenHours = 120, 1 }, "AdminRefreshTokenHours: refresh tokens must outlive"},
		"unknown client":                {func(c *Config) { c.AdminAPIClients = []string{"admin", "web"} }, `AdminAPIClients: "web" is not one of admin, app`},
		"listed twice":                  {func(c *Config) { c.AdminAPIClients = []string{"admin", "admin"} }, `AdminAPIClients: "admin" is listed twice`},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := Environment("prd")
			tc.mutate(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want an error containing %q", err, tc.want)
			}
		})
	}
	c, _ := Environment("prd")
	c.AdminAPIClients = []string{"admin", "app"}
	if err := c.Validate(); err != nil {
		t.Errorf("both clients: %v", err)
	}
}

// A group named "[admins]" must never pass the Lambda's claim check as admins:
// names holding the claim's syntax are refused, with the field that holds them.
func TestValidateRefusesGroupClaimSyntax(t *testing.T) {
	for _, tc := range []struct {
		field        string
		admin, extra []string
	}{
		{"Roles", []string{"[admins]"}, nil},
		{"Roles", []string{"admins]"}, nil},
		{"Roles", []string{`"admins"`}, nil},
		{"Roles", []string{"admins,ops"}, nil},
		{"Roles", []string{"site admins"}, nil},
		{"Roles", []string{"admins\u00a0"}, nil},
		{"ExtraGroups", []string{"admins"}, []string{"[support"}},
		{"ExtraGroups", []string{"admins"}, []string{"help\tdesk"}},
	} {
		c, _ := Environment("dev")
		c.Roles, c.ExtraGroups = fullRoles(tc.admin...), tc.extra
		err := c.Validate()
		if err == nil || !strings.Contains(err.Error(), tc.field+": ") || !strings.Contains(err.Error(), "syntax") {
			t.Errorf("groups %q %q: Validate() = %v, want an error naming %s and the claim syntax", tc.admin, tc.extra, err, tc.field)
		}
	}
	c, _ := Environment("dev")
	c.Roles, c.ExtraGroups = fullRoles("admins", "owners"), []string{"support-staff", "ops_2"}
	if err := c.Validate(); err != nil {
		t.Errorf("plain group names refused: %v", err)
	}
}

// fullRoles are roles with every permission, unscoped: admin groups as they were before roles.
func fullRoles(names ...string) []access.Role {
	var out []access.Role
	for _, n := range names {
		out = append(out, access.Role{Name: n, Permissions: access.AllPermissions()})
	}
	return out
}

// Roles that the Lambda could not enforce as written fail at synth, each
// with a message naming the problem.
func TestValidateRoles(t *testing.T) {
	read := []access.Permission{access.UsersRead}
	for _, tc := range []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"unknown permission", func(c *Config) {
			c.Roles = append(c.Roles, access.Role{Name: "ops", Permissions: []access.Permission{"users:all"}})
		}, `unknown permission "users:all"`},
		{"scope not a managed group", func(c *Config) {
			c.Roles = append(c.Roles, access.Role{Name: "ops", Permissions: read, Scope: []string{"tenant-z"}})
		}, `scope group "tenant-z" is not one of ExtraGroups`},
		{"scope names a role", func(c *Config) {
			c.Roles = append(c.Roles, access.Role{Name: "ops", Permissions: read, Scope: []string{"helpdesk"}})
		}, `scope group "helpdesk" is a role`},
		{"role also an extra group", func(c *Config) { c.ExtraGroups = append(c.ExtraGroups, "helpdesk") }, `"helpdesk" is also in ExtraGroups`},
		{"role declared twice", func(c *Config) { c.Roles = append(c.Roles, access.Role{Name: "auditors", Permissions: read}) }, `"auditors" is declared twice`},
		// The audit trail is not filtered by scope: a tenant's admins reading it would learn of other tenants' users.
		{"scoped audit reader", func(c *Config) {
			c.Roles[3].Permissions = append(c.Roles[3].Permissions, access.AuditRead)
		}, `role "tenant-a-admins": a scoped role cannot hold audit:read`},
		{"role without permissions", func(c *Config) { c.Roles = append(c.Roles, access.Role{Name: "ops"}) }, `"ops" has no permissions`},
		{"first role limited", func(c *Config) { c.Roles[0], c.Roles[1] = c.Roles[1], c.Roles[0] }, `the first role, "helpdesk", must hold every permission`},
		{"first role scoped", func(c *Config) { c.Roles[0].Scope = []string{"tenant-a"} }, `the first role, "admins", must hold every permission, unscoped`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, _ := Environment("dev")
			tc.mutate(&c)
			if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "config dev: Roles: ") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want a Roles error with %q", err, tc.want)
			}
		})
	}
}

// dev ships the example roles; stg and prd admins only, prd with MFA for administrators.
func TestShippedRoles(t *testing.T) {
	want := map[string][]string{"dev": {"admins", "helpdesk", "auditors", "tenant-a-admins"}, "stg": {"admins"}, "prd": {"admins"}}
	for _, c := range Environments() {
		if !slices.Equal(c.AdminGroups(), want[c.Name]) {
			t.Errorf("%s roles = %v, want %v", c.Name, c.AdminGroups(), want[c.Name])
		}
		if c.AdminMFARequired != (c.Name == "prd") {
			t.Errorf("%s AdminMFARequired = %v, want it on in prd only", c.Name, c.AdminMFARequired)
		}
	}
	dev, _ := Environment("dev")
	if got := dev.limitedRoles(); len(got) != 3 || got[0].Name != "helpdesk" {
		t.Errorf("dev's settings roles = %+v, want the three limited ones", got)
	}
}
