package infra

import (
	"fmt"

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
		AdminGroups:              []string{"admins"},
		LambdaMemoryMB:           256,
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
	// The account's API Gateway logging role is account-wide, and the three
	// environments share an account until Account is set: dev, deployed first,
	// owns it. Turn it on for stg or prd once they have accounts of their own.
	dev.APIGatewayCloudWatchRole = true

	stg := base("stg")

	prd := base("prd")
	prd.Retain = true
	prd.LogRetentionDays = 365
	prd.ThrottleRate = 50
	prd.ThrottleBurst = 100

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

// CI returns the configuration of UserAdmin-ci, the stack that lets GitHub
// Actions diff and deploy without stored AWS keys. Set GitHubRepo to
// "owner/name" to synthesize it (until then the app leaves it out); the
// accounts and regions it deploys to are the environments' own, above.
// Deploy it once, with `make deploy-ci`, in the account the workflows sign
// in to (an account holds one GitHub provider and one set of role names).
func CI() CIConfig {
	return CIConfig{
		GitHubRepo:         "",
		MainBranch:         "main",
		GitHubEnvironments: []string{"stg", "prd"},
		BootstrapQualifier: "hnb659fds",
	}
}
