// Command app is the CDK app: one UserAdmin-<env> stack per environment,
// and UserAdmin-ci for GitHub Actions once a repository is configured.
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
	if err := infra.ValidateEnvironments(infra.Environments()); err != nil {
		return err
	}
	app := awscdk.NewApp(nil)
	for _, c := range infra.Environments() {
		if _, err := infra.NewUserAdminStack(app, &infra.UserAdminStackProps{Config: c}); err != nil {
			return err
		}
	}
	// The CI access stack trusts one GitHub repository, so it exists only
	// once infra.CI() names it.
	if ci := infra.CI(); ci.Enabled() {
		if _, err := infra.NewCIStack(app, &infra.CIStackProps{CI: ci, Environments: infra.Environments()}); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(os.Stderr, "%s not synthesized: set GitHubRepo in CI() (infra/environments.go) to create GitHub Actions' OIDC roles\n", infra.CIStackName)
	}
	app.Synth(nil)
	return nil
}
