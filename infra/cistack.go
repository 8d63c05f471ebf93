package infra

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// qualifierContext is the context key that sets the stacks' bootstrap qualifier.
const qualifierContext = "@aws-cdk/core:bootstrapQualifier"

// CIStackProps configures NewCIStack.
type CIStackProps struct {
	CI CIConfig
	// Environment is the environment whose CI roles the stack holds; the
	// stack goes where the environment goes.
	Environment Config
}

// NewCIStack composes UserAdmin-ci-<env>: the environment's diff and deploy
// roles (ciaccess.go), trusting GitHub's provider in the environment's
// account, and their ARNs as outputs for the workflows' repository
// variables. A config that does not validate is an error.
func NewCIStack(scope constructs.Construct, props *CIStackProps) (awscdk.Stack, error) {
	c, e := props.CI, props.Environment
	if err := errors.Join(c.Validate(), e.Validate()); err != nil {
		return nil, err
	}
	// The stacks deploy through the bootstrap roles of cdk.json's qualifier, if
	// it sets one; roles that trust another qualifier's would never work.
	if scope != nil {
		if q, ok := scope.Node().TryGetContext(jsii.String(qualifierContext)).(string); ok && q != c.qualifier() {
			return nil, fmt.Errorf("config ci: BootstrapQualifier: %q, but cdk.json's %s is %q", c.qualifier(), qualifierContext, q)
		}
	}
	stack := awscdk.NewStack(scope, jsii.String(CIStackName(e.Name)), &awscdk.StackProps{
		Env:         stackEnv(e.Account, e.Region),
		Description: jsii.String("GitHub Actions access to " + e.StackName() + " for " + c.GitHubRepo + ": diff and deploy roles"),
		Tags:        &map[string]*string{"app": jsii.String("useradmin"), "env": jsii.String("ci")},
	})
	access := NewCIAccess(stack, "CIAccess", &CIAccessProps{
		CI:          c,
		Environment: e.Name,
		Account:     e.Account,
		Region:      e.Region,
		Stacks:      []string{e.StackName(), AccountStackName(e.Account, e.Region)},
		Provider:    importGitHubProvider(stack, "GitHubProvider", e.Account),
	})
	for _, out := range []struct {
		name, variable string
		value          *string
	}{
		{"DiffRoleArn", "DIFF_ROLE_ARN_", access.DiffRole().RoleArn()},
		{"DeployRoleArn", "DEPLOY_ROLE_ARN_", access.DeployRole().RoleArn()},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(out.name), &awscdk.CfnOutputProps{
			Value:       out.value,
			Description: jsii.String("the " + out.variable + strings.ToUpper(e.Name) + " repository variable"),
		})
	}
	return stack, nil
}
