package infra

import (
	"strings"
	"testing"
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
		"AdminGroups":             func(c *Config) { c.AdminGroups = nil },
		"AdminGroups/ExtraGroups": func(c *Config) { c.ExtraGroups = []string{"Admins"} },
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

// Only one environment per account and region may own API Gateway's
// account-wide logging role.
func TestOneLoggingRoleOwnerPerAccount(t *testing.T) {
	envs := Environments()
	envs[2].APIGatewayCloudWatchRole = true // prd, sharing dev's (unset) account
	err := ValidateEnvironments(envs)
	if err == nil || !strings.Contains(err.Error(), "config prd: APIGatewayCloudWatchRole: dev already sets") {
		t.Fatalf("err = %v", err)
	}
	envs[2].Account, envs[2].Region = "123456789012", "eu-west-1" // prd in its own account
	if err := ValidateEnvironments(envs); err != nil {
		t.Fatalf("separate accounts: %v", err)
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
