package infra

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

const (
	// GitHubOIDCHost issues the tokens of GitHub Actions; its condition keys are host:claim.
	GitHubOIDCHost = "token.actions.githubusercontent.com"
	// GitHubOIDCAudience is the audience aws-actions/configure-aws-credentials asks for.
	GitHubOIDCAudience = "sts.amazonaws.com"
)

// DiffRoleName and DeployRoleName are the fixed names of an environment's CI
// roles, so the workflows' repository variables stay valid across redeploys
// and environments sharing an account never collide.
func DiffRoleName(env string) string   { return "useradmin-ci-diff-" + env }
func DeployRoleName(env string) string { return "useradmin-ci-deploy-" + env }

// CIAccessProps configures NewCIAccess.
type CIAccessProps struct {
	CI CIConfig
	// Environment is the environment's name, also the name of the GitHub
	// environment its deploy job runs in.
	Environment string
	// Account and Region of the environment; empty means the stack's own.
	Account, Region string
	// Stacks are the CloudFormation stacks the diff role may read: the
	// environment's and the account stack it depends on (deploying the
	// environment deploys both, so a pull request shows both).
	Stacks []string
	// Provider is GitHub's OIDC provider in the environment's account.
	Provider awsiam.IOidcProvider
}

// CIAccess is what NewCIAccess returns.
type CIAccess interface {
	// DiffRole may read the environment's deployed templates, for `cdk diff` on pull requests.
	DiffRole() awsiam.Role
	// DeployRole may assume the CDK bootstrap roles of the environment's account and region.
	DeployRole() awsiam.Role
}

type ciAccess struct{ diffRole, deployRole awsiam.Role }

func (a *ciAccess) DiffRole() awsiam.Role   { return a.diffRole }
func (a *ciAccess) DeployRole() awsiam.Role { return a.deployRole }

// NewCIAccess creates one environment's two CI roles, which only
// CI.GitHubRepo's workflows can assume:
//   - the diff role, for pull requests: cloudformation:GetTemplate and
//     DescribeStacks on the environment's stacks, and nothing else, not even
//     CDK's lookup role (ReadOnlyAccess over the whole account). It lives in
//     the environment's account, so the CDK CLI, refused the lookup role,
//     reads the templates with the role's own credentials (see pr.yml);
//   - the deploy role, for jobs in the environment's GitHub environment
//     only: sts:AssumeRole on the CDK deploy, file-publishing and lookup
//     roles of the environment's account and region, and nothing else. What a
//     deployment may do stays in the bootstrap stack.
func NewCIAccess(scope constructs.Construct, id string, props *CIAccessProps) CIAccess {
	c := props.CI
	stack := awscdk.Stack_Of(scope)
	account, region := cmpToken(props.Account, stack.Account()), cmpToken(props.Region, stack.Region())

	var stackArns []string
	for _, s := range props.Stacks {
		// The suffix of a stack's ARN is an id CloudFormation assigns at creation.
		stackArns = append(stackArns, fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/*", *stack.Partition(), region, account, s))
	}
	var bootstrapRoles []string
	for _, kind := range []string{"deploy", "file-publishing", "lookup"} {
		// Named as CDK's DefaultStackSynthesizer expects: cdk-<qualifier>-<kind>-role-<account>-<region>.
		bootstrapRoles = append(bootstrapRoles, fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-%s-role-%s-%s", *stack.Partition(), account, c.qualifier(), kind, account, region))
	}

	diff := ciRole(scope, id+"DiffRole", DiffRoleName(props.Environment), props.Provider, c.diffSubject(),
		"Pull requests of "+c.GitHubRepo+": reads the "+props.Environment+" stacks' templates for cdk diff; deploys nothing.",
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadStackTemplates"),
			Actions:   jsii.Strings("cloudformation:DescribeStacks", "cloudformation:GetTemplate"),
			Resources: jsii.Strings(stackArns...),
		}),
	)
	deploy := ciRole(scope, id+"DeployRole", DeployRoleName(props.Environment), props.Provider, c.deploySubject(props.Environment),
		"Jobs in the "+props.Environment+" GitHub environment of "+c.GitHubRepo+": deploys through the CDK bootstrap roles of "+props.Environment+"'s account and region only.",
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeCdkBootstrapRoles"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(bootstrapRoles...),
		}),
		// The deploy guard (infra/cmd/deployguard) compares the deployed
		// templates with the new ones before anything is deployed.
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadStackTemplates"),
			Actions:   jsii.Strings("cloudformation:DescribeStacks", "cloudformation:GetTemplate"),
			Resources: jsii.Strings(stackArns...),
		}),
	)
	return &ciAccess{diffRole: diff, deployRole: deploy}
}

// cmpToken is s, or the stack's own value (a token) when s is empty.
func cmpToken(s string, own *string) string {
	if s != "" {
		return s
	}
	return *own
}

// ciRole is a role that only GitHub tokens for sts.amazonaws.com whose sub
// claim is exactly sub can assume, for an hour at most. Exact values: a
// wildcard in sub could admit other repositories, events or environments.
// The one exception is a pull request's number in a customized subject's
// ref (diffSubject), the only * sub may hold, matched with StringLike.
func ciRole(scope constructs.Construct, id, name string, provider awsiam.IOidcProvider, sub, description string, statements ...awsiam.PolicyStatement) awsiam.Role {
	conditions := map[string]any{"StringEquals": map[string]any{GitHubOIDCHost + ":aud": GitHubOIDCAudience, GitHubOIDCHost + ":sub": sub}}
	if strings.Contains(sub, "*") {
		conditions = map[string]any{
			"StringEquals": map[string]any{GitHubOIDCHost + ":aud": GitHubOIDCAudience},
			"StringLike":   map[string]any{GitHubOIDCHost + ":sub": sub},
		}
	}
	principal := awsiam.NewOpenIdConnectPrincipal(provider, &conditions)
	return awsiam.NewRole(scope, jsii.String(id), &awsiam.RoleProps{
		RoleName:           jsii.String(name),
		Description:        jsii.String(description),
		AssumedBy:          principal,
		MaxSessionDuration: awscdk.Duration_Hours(jsii.Number(1)),
		// Inline, in the role itself: what the role may do is read in one place.
		InlinePolicies: &map[string]awsiam.PolicyDocument{
			"ci": awsiam.NewPolicyDocument(&awsiam.PolicyDocumentProps{Statements: &statements}),
		},
	})
}
