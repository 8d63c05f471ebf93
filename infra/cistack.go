package infra

import (
	"errors"
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// qualifierContext is the context key that sets the stacks' bootstrap qualifier.
const qualifierContext = "@aws-cdk/core:bootstrapQualifier"

// CIStackProps configures NewCIStack.
type CIStackProps struct {
	CI CIConfig
	// Environments are the stacks CI may diff and deploy, each where its
	// config puts it (or, unpinned, where UserAdmin-ci is).
	Environments []Config
}

// NewCIStack composes UserAdmin-ci: GitHub's OIDC provider and the diff and
// deploy roles, whose ARNs it outputs for the workflows' repository
// variables. A config that does not validate is an error.
func NewCIStack(scope constructs.Construct, props *CIStackProps) (awscdk.Stack, error) {
	c := props.CI
	errs := []error{c.Validate()}
	if len(props.Environments) == 0 {
		errs = append(errs, errors.New("config ci: no environments to diff or deploy"))
	}
	var targets []CITarget
	for _, e := range props.Environments {
		errs = append(errs, e.Validate())
		targets = append(targets, CITarget{StackName: e.StackName(), Account: e.Account, Region: e.Region})
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	// The stacks deploy through the bootstrap roles of cdk.json's qualifier, if
	// it sets one; roles that trust another qualifier's would never work.
	if q, ok := scope.Node().TryGetContext(jsii.String(qualifierContext)).(string); ok && q != c.qualifier() {
		return nil, fmt.Errorf("config ci: BootstrapQualifier: %q, but cdk.json's %s is %q", c.qualifier(), qualifierContext, q)
	}
	stack := awscdk.NewStack(scope, jsii.String(CIStackName), &awscdk.StackProps{
		// Same fallbacks as the environments' stacks.
		Env:         stackEnv(c.Account, c.Region),
		Description: jsii.String("GitHub Actions access for " + c.GitHubRepo + ": OIDC provider, diff and deploy roles"),
		Tags:        &map[string]*string{"app": jsii.String("useradmin"), "env": jsii.String("ci")},
	})
	access := NewCIAccess(stack, "CIAccess", &CIAccessProps{CI: c, Targets: targets})
	for _, out := range []struct {
		name, description string
		value             *string
	}{
		{"DiffRoleArn", "the DIFF_ROLE_ARN repository variable", access.DiffRole().RoleArn()},
		{"DeployRoleArn", "the DEPLOY_ROLE_ARN repository variable", access.DeployRole().RoleArn()},
	} {
		awscdk.NewCfnOutput(stack, jsii.String(out.name), &awscdk.CfnOutputProps{
			Value:       out.value,
			Description: jsii.String(out.description),
		})
	}
	return stack, nil
}
