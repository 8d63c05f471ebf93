package infra

import (
	"errors"
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsssm"
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
	// NoAccountStack: the environment has no account stack (another stack
	// owns API Gateway's account setting), so its roles name none.
	NoAccountStack bool
}

// CIPlacementParameter is the one fixed-name resource every CI stack owns
// in its account and region. SSM parameter names are unique per account and
// region, so deploying a second environment's CI stack where one already
// is fails: environments whose configs leave Account unset cannot end up
// sharing CDK's bootstrap roles, where either's deploy role could deploy
// the other. Its value names the environment that holds the place.
const CIPlacementParameter = "/useradmin/ci/one-environment-per-account-and-region"

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
	stacks := []string{e.StackName()}
	if !props.NoAccountStack {
		stacks = append(stacks, AccountStackName(e.Account, e.Region))
	}
	awsssm.NewStringParameter(stack, jsii.String("Placement"), &awsssm.StringParameterProps{
		ParameterName: jsii.String(CIPlacementParameter),
		StringValue:   jsii.String(e.Name),
		Description: jsii.String("Held by " + CIStackName(e.Name) + ": one environment's CI roles per account and region, " +
			"since CDK's bootstrap roles there are shared. Give each environment its own account (Config.Account)."),
	})
	access := NewCIAccess(stack, "CIAccess", &CIAccessProps{
		CI:          c,
		Environment: e.Name,
		Account:     e.Account,
		Region:      e.Region,
		Stacks:      stacks,
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
