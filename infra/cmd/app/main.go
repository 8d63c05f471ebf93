// Command app is the CDK app: one UserAdmin-<env> stack per environment,
// the account stacks they depend on, and the CI stacks once a GitHub
// repository is configured (infra.CI() or `cdk synth -c githubRepo=owner/name`).
package main

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/infra"
)

func main() {
	err := run()
	jsii.Close()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}

func run() error {
	app := awscdk.NewApp(nil)
	ci, err := infra.CI().WithContext(app.Node())
	if err != nil {
		return err
	}
	apiGatewayAccountExists, err := infra.ContextBool(app.Node(), infra.APIGatewayAccountExistsContext)
	if err != nil {
		return err
	}
	if _, err := infra.NewApp(app, &infra.AppProps{Environments: infra.Environments(), CI: ci, APIGatewayAccountExists: apiGatewayAccountExists}); err != nil {
		return err
	}
	if !ci.Enabled() {
		fmt.Fprintln(os.Stderr, "CI stacks not synthesized: pass -c githubRepo=owner/name, or set GitHubRepo in CI() (infra/environments.go), to create GitHub Actions' OIDC roles")
	}
	app.Synth(nil)
	return nil
}
