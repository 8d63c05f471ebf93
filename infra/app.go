package infra

import (
	"cmp"
	"errors"
	"fmt"
	"slices"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AppProps configures NewApp.
type AppProps struct {
	Environments []Config
	// CI, when enabled, adds each environment's CI stack.
	CI CIConfig
	// ModuleDir is the repository root; empty means found from the working directory.
	ModuleDir string
	// APIGatewayAccountExists says another stack already owns API Gateway's
	// account-level CloudWatch Logs role (AWS::ApiGateway::Account) in every
	// account and region the environments deploy to: the app then makes no
	// account stacks, since a second owner would overwrite the logging role
	// of every API there. Set with -c apiGatewayAccountExists=true.
	APIGatewayAccountExists bool
}

// APIGatewayAccountExistsContext is the context key of AppProps.APIGatewayAccountExists.
const APIGatewayAccountExistsContext = "apiGatewayAccountExists"

// App is every stack NewApp made, by name.
type App struct {
	// Environments are the UserAdmin-<env> stacks, by environment name.
	Environments map[string]awscdk.Stack
	// Accounts are the account stacks (accountstack.go), by stack name.
	Accounts map[string]awscdk.Stack
	// CI are the UserAdmin-ci-<env> stacks, by environment name; GitHubOIDC
	// the provider stacks, by stack name. Both empty unless CI is enabled.
	CI, GitHubOIDC map[string]awscdk.Stack
}

// NewApp composes the whole CDK app in scope: for every distinct account and
// region among the environments (as their configs name them), one account
// stack; for every environment, its stack, which depends on its account
// stack, so that deploying an environment deploys what it needs first in
// any account and region, in any order. With CI enabled, each environment's
// CI stack too, depending on the GitHub OIDC stack of its account (unless
// the provider exists already).
func NewApp(scope constructs.Construct, props *AppProps) (*App, error) {
	envs := props.Environments
	if len(envs) == 0 {
		return nil, errors.New("config: no environments")
	}
	if err := ValidateEnvironments(envs); err != nil {
		return nil, err
	}
	app := &App{
		Environments: map[string]awscdk.Stack{}, Accounts: map[string]awscdk.Stack{},
		CI: map[string]awscdk.Stack{}, GitHubOIDC: map[string]awscdk.Stack{},
	}
	// In config order, so the first environment of each place names where the shared stack goes.
	for _, c := range envs {
		stack, err := NewUserAdminStack(scope, &UserAdminStackProps{Config: c, ModuleDir: props.ModuleDir})
		if err != nil {
			return nil, err
		}
		app.Environments[c.Name] = stack
		if props.APIGatewayAccountExists {
			continue
		}
		name := AccountStackName(c.Account, c.Region)
		if _, ok := app.Accounts[name]; !ok {
			app.Accounts[name] = NewAccountStack(scope, &AccountStackProps{Account: c.Account, Region: c.Region, Environments: namesAt(envs, c, true)})
		}
		stack.AddStackDependency(app.Accounts[name], jsii.String("the stage's logging needs API Gateway's account-level CloudWatch Logs role"))
	}
	if !props.CI.Enabled() {
		return app, nil
	}
	if err := ciPlacement(envs); err != nil {
		return nil, err
	}
	for _, c := range envs {
		stack, err := NewCIStack(scope, &CIStackProps{CI: props.CI, Environment: c, NoAccountStack: props.APIGatewayAccountExists})
		if err != nil {
			return nil, err
		}
		app.CI[c.Name] = stack
		if props.CI.OIDCProviderExists {
			continue
		}
		name := GitHubOIDCStackName(c.Account)
		if _, ok := app.GitHubOIDC[name]; !ok {
			app.GitHubOIDC[name] = NewGitHubOIDCStack(scope, &GitHubOIDCStackProps{Account: c.Account, Region: c.Region, Environments: namesAt(envs, c, false)})
		}
		stack.AddStackDependency(app.GitHubOIDC[name], jsii.String("the roles trust the account's GitHub OIDC provider"))
	}
	return app, nil
}

// namesAt lists the environments in c's account (and region, when
// withRegion), as their configs name them.
func namesAt(envs []Config, c Config, withRegion bool) []string {
	var out []string
	for _, e := range envs {
		if e.Account == c.Account && (!withRegion || e.Region == c.Region) {
			out = append(out, e.Name)
		}
	}
	return out
}

// ciPlacement refuses environments pinned to one account and region: CDK's
// bootstrap roles there are shared, so one environment's deploy role could
// deploy the other, and the per-environment gates would mean nothing.
func ciPlacement(envs []Config) error {
	var errs []error
	for i, c := range envs {
		// An unset Account is each environment's deploying account, which
		// synth cannot know; an unset Region next to a shared Account is one
		// region, unless deployed from different CLI defaults.
		if c.Account == "" {
			continue
		}
		if j := slices.IndexFunc(envs[:i], func(o Config) bool { return o.Account == c.Account && o.Region == c.Region }); j >= 0 {
			errs = append(errs, fmt.Errorf("config ci: %s and %s both deploy to %s/%s, where they share CDK's bootstrap roles, so either's CI deploy role "+
				"could deploy the other: give each environment its own account or region", envs[j].Name, c.Name, c.Account, cmp.Or(c.Region, "(the CLI's region)")))
		}
	}
	return errors.Join(errs...)
}
