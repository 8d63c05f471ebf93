package infra

import (
	"fmt"

	"github.com/useradmin/cognito-user-admin/lambda/access"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// invitation is the shipped invitation email; {username} and {####} are
// Cognito's placeholders for the username and the temporary password.
var invitation = Invitation{
	Subject: "Your account is ready",
	Body: "<p>An administrator created an account for you.</p>" +
		"<p>Username: {username}<br>Temporary password: {####}</p>" +
		"<p>Sign in within 7 days to choose your own password.</p>",
}

// base holds the values the environments share.
func base(name string) Config {
	return Config{
		Name:                     name,
		LogRetentionDays:         30,
		ThrottleRate:             10,
		ThrottleBurst:            20,
		Invitation:               invitation,
		MFA:                      "optional-totp",
		Password:                 settings.DefaultPasswordPolicy(),
		TempPasswordValidityDays: 7,
		FeaturePlan:              "ESSENTIALS",
		AccessTokenMinutes:       60,
		IDTokenMinutes:           60,
		RefreshTokenDays:         30,
		AdminAccessTokenMinutes:  15,
		AdminIDTokenMinutes:      15,
		AdminRefreshTokenHours:   12,
		AdminAPIClients:          []string{"admin"},
		Roles:                    []access.Role{{Name: "admins", Permissions: access.AllPermissions()}},
		LambdaMemoryMB:           256,
		Tracing:                  true,
		Audit:                    AuditConfig{RetentionDays: 90},
	}
}

// Environments returns the configuration of dev, stg and prd, in that order.
// This is the file to edit: accounts, regions, the SES sender, CORS origins,
// the hosted UI and the first admin.
func Environments() []Config {
	dev := base("dev")
	dev.LogRetentionDays = 7
	dev.MFA = "off"
	dev.AllowPasswordAuth = true // scripts and `make dev` sign in with a password
	dev.CORSOrigins = []string{"http://localhost:3000"}
	// As prd, at Cognito's own ceiling (AdminCreateUser: 50 requests/s per
	// account): dev is where teams rehearse a bulk onboarding, and where the
	// end-to-end tests run, against local mode's copy of this throttling.
	dev.ThrottleRate = 50
	dev.ThrottleBurst = 100
	// An example custom attribute, in dev only: once deployed, a custom
	// attribute can be added to but never removed from a pool without
	// replacing it, so declare stg's and prd's on purpose.
	dev.CustomAttributes = []settings.CustomAttribute{{Name: "department", Type: settings.AttributeString, MaxLength: 64}}
	// Example roles (docs/roles.md), which the end-to-end tests use: a
	// helpdesk that reads, re-invites, resets passwords (reset only), removes
	// MFA and signs out; auditors who only read; and a tenant's own admins,
	// who manage the members of the tenant-a group only.
	dev.ExtraGroups = []string{"tenant-a"}
	dev.Roles = append(dev.Roles,
		access.Role{Name: "helpdesk", Permissions: []access.Permission{access.UsersRead, access.UsersInvite, access.UsersPasswordReset, access.UsersMFA, access.UsersSignOut}},
		access.Role{Name: "auditors", Permissions: []access.Permission{access.UsersRead, access.AuditRead}},
		access.Role{Name: "tenant-a-admins", Permissions: append(access.UserPermissions(), access.GroupsAssign), Scope: []string{"tenant-a"}},
	)
	// SCIM in dev with both ways in, so local mode and the tests exercise
	// both (docs/scim.md). stg and prd have none until an identity provider
	// is connected: set SCIM there with a role of its own (users:* but
	// passwords and MFA, groups:assign), its IdP's name and DeleteMode.
	dev.SCIM = &SCIM{
		Auth:       []string{SCIMClientCredentials, SCIMBearer},
		Role:       "admins",
		IdPName:    "dev-idp",
		DeleteMode: settings.SCIMDelete,
	}

	stg := base("stg")
	stg.Alarms = DefaultAlarms()
	stg.Audit.PointInTimeRecovery = true // as prd, so a restore can be rehearsed
	// The web ACL in stg too: a managed rule that blocks a legitimate call shows up here, before prd.
	stg.WAF = DefaultWAF()

	prd := base("prd")
	prd.Retain = true
	prd.AdminMFARequired = true // administrators without TOTP are refused (403 MFARequired)
	prd.Audit = AuditConfig{RetentionDays: 731, PointInTimeRecovery: true}
	prd.LogRetentionDays = 365
	prd.ThrottleRate = 50
	prd.ThrottleBurst = 100
	prd.Alarms = DefaultAlarms() // set Alarms.Emails to be told
	prd.WAF = DefaultWAF()
	prd.WAF.RateLimit = 15000 // the stage's 50/s for 5 minutes: a bulk import is throttled (429), not blocked

	return []Config{dev, stg, prd}
}

// Environment returns the named environment's configuration.
func Environment(name string) (Config, error) {
	for _, c := range Environments() {
		if c.Name == name {
			return c, nil
		}
	}
	return Config{}, fmt.Errorf("no environment %q (want dev, stg or prd)", name)
}

// CI returns the configuration of the CI stacks, UserAdmin-ci-<env>, that
// let GitHub Actions diff and deploy each environment without stored AWS
// keys. Set GitHubRepo to "owner/name" here, or pass it at synth
// (`cdk synth -c githubRepo=owner/name`, and -c githubSubjectPrefix=… for
// the immutable subject form); until then the app leaves the CI stacks out.
// Each environment's CI stack goes where the environment goes.
func CI() CIConfig {
	return CIConfig{
		GitHubRepo:         "",
		BootstrapQualifier: "hnb659fds",
	}
}
