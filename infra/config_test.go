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

// Two environments that name one account and region differently (one
// pinned, one left to the CLI's default) would give account-wide settings
// two owners: refused once the default is known, as in `cdk deploy`.
func TestOneOwnerPerAccountAndRegion(t *testing.T) {
	envs := Environments()
	if err := checkLocations(envs, "", ""); err != nil {
		t.Fatalf("shipped, offline: %v", err)
	}
	if err := checkLocations(envs, "111111111111", "eu-west-1"); err != nil {
		t.Fatalf("shipped, all in the CLI's account: %v", err)
	}
	envs[2].Account, envs[2].Region = "111111111111", "eu-west-1" // prd pinned where dev and stg land by default
	if err := checkLocations(envs, "", ""); err != nil {
		t.Fatalf("offline, the default is unknown: %v", err)
	}
	if err := checkLocations(envs, "222222222222", "eu-west-1"); err != nil {
		t.Fatalf("prd in another account: %v", err)
	}
	err := checkLocations(envs, "111111111111", "eu-west-1")
	if err == nil || !strings.Contains(err.Error(), "config prd: Account/Region: deploys to 111111111111/eu-west-1, as dev does") {
		t.Fatalf("err = %v, want one naming prd's Account/Region", err)
	}
	// Another region of the same account: one API Gateway setting each, but one OIDC provider.
	err = checkLocations(envs, "111111111111", "us-east-1")
	if err == nil || strings.Contains(err.Error(), "Account/Region:") || !strings.Contains(err.Error(), "config prd: Account: deploys to account 111111111111, as dev does") {
		t.Fatalf("err = %v, want one naming prd's Account only", err)
	}
	t.Setenv("CDK_DEFAULT_ACCOUNT", "111111111111")
	t.Setenv("CDK_DEFAULT_REGION", "eu-west-1")
	if err := ValidateEnvironments(envs); err == nil {
		t.Error("ValidateEnvironments does not check where the environments go")
	}
}
