package infra

import (
	"fmt"
	"slices"

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
	// The role names are fixed so the workflows' repository variables stay valid across redeploys.
	DiffRoleName   = "useradmin-ci-diff"
	DeployRoleName = "useradmin-ci-deploy"
)

// CITarget is one environment's stack as CI sees it. An empty Account or
// Region means the CI stack's own, like an environment-agnostic stack
// deployed with the CI credentials.
type CITarget struct {
	StackName       string
	Account, Region string
}

// CIAccessProps configures NewCIAccess.
type CIAccessProps struct {
	CI CIConfig
	// Targets are the stacks the deploy role may deploy and the diff role may read.
	Targets []CITarget
}

// CIAccess is what NewCIAccess returns.
type CIAccess interface {
	// Provider is GitHub's OIDC identity provider, created or imported.
	Provider() awsiam.IOidcProvider
	// DiffRole may read the targets' deployed templates, for `cdk diff` on pull requests.
	DiffRole() awsiam.Role
	// DeployRole may assume CDK's bootstrap roles of the targets, for `cdk deploy` from the main branch.
	DeployRole() awsiam.Role
}

type ciAccess struct {
	provider             awsiam.IOidcProvider
	diffRole, deployRole awsiam.Role
}

func (a *ciAccess) Provider() awsiam.IOidcProvider { return a.provider }
func (a *ciAccess) DiffRole() awsiam.Role          { return a.diffRole }
func (a *ciAccess) DeployRole() awsiam.Role        { return a.deployRole }

// NewCIAccess creates GitHub's OIDC provider (unless CI names one) and two
// roles that only CI.GitHubRepo's workflows can assume: the diff role for
// pull requests, which can deploy nothing, and the deploy role for the main
// branch and the GitHub environments, which can do nothing but hand over to
// the roles `cdk bootstrap` made. No role holds deploy permissions itself:
// what a deployment may do stays in the bootstrap stack of each account.
func NewCIAccess(scope constructs.Construct, id string, props *CIAccessProps) CIAccess {
	c := props.CI
	stack := awscdk.Stack_Of(scope)
	provider := githubProvider(scope, id+"GitHubProvider", c)

	repo := "repo:" + c.GitHubRepo + ":"
	deploySubs := []string{repo + "ref:refs/heads/" + c.mainBranch()}
	for _, e := range c.GitHubEnvironments {
		deploySubs = append(deploySubs, repo+"environment:"+e)
	}

	targets := resolveTargets(stack, props.Targets)
	var lookupRoles, deployRoles, stacks []string
	for _, t := range targets {
		lookupRoles = append(lookupRoles, bootstrapRoleArn(stack, c, "lookup", t))
		for _, kind := range []string{"deploy", "file-publishing", "lookup"} {
			deployRoles = append(deployRoles, bootstrapRoleArn(stack, c, kind, t))
		}
		// The suffix of a stack's ARN is an id CloudFormation assigns at creation.
		stacks = append(stacks, fmt.Sprintf("arn:%s:cloudformation:%s:%s:stack/%s/*", *stack.Partition(), t.Region, t.Account, t.StackName))
	}

	diff := ciRole(scope, id+"DiffRole", DiffRoleName, provider, []string{repo + "pull_request"},
		"Pull requests of "+c.GitHubRepo+": reads the deployed templates for cdk diff; deploys nothing.",
		// The CDK CLI reads the deployed template through the lookup role (read-only in the target account) ...
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeCdkLookupRole"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(dedupe(lookupRoles)...),
		}),
		// ... and with these two calls when it cannot assume it (same account only).
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("ReadUserAdminStacks"),
			Actions:   jsii.Strings("cloudformation:DescribeStacks", "cloudformation:GetTemplate"),
			Resources: jsii.Strings(stacks...),
		}),
	)
	deploy := ciRole(scope, id+"DeployRole", DeployRoleName, provider, deploySubs,
		"Branch "+c.mainBranch()+" and the GitHub environments of "+c.GitHubRepo+": deploys through the CDK bootstrap roles only.",
		awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
			Sid:       jsii.String("AssumeCdkBootstrapRoles"),
			Actions:   jsii.Strings("sts:AssumeRole"),
			Resources: jsii.Strings(dedupe(deployRoles)...),
		}),
	)
	return &ciAccess{provider: provider, diffRole: diff, deployRole: deploy}
}

// githubProvider imports CI.OIDCProviderArn, or creates the provider: the
// native AWS::IAM::OIDCProvider, no custom resource. No thumbprints: IAM
// trusts GitHub's certificate authority itself.
func githubProvider(scope constructs.Construct, id string, c CIConfig) awsiam.IOidcProvider {
	if c.OIDCProviderArn != "" {
		return awsiam.OidcProviderNative_FromOidcProviderArn(scope, jsii.String(id), jsii.String(c.OIDCProviderArn))
	}
	return awsiam.NewOidcProviderNative(scope, jsii.String(id), &awsiam.OidcProviderNativeProps{
		Url:       jsii.String("https://" + GitHubOIDCHost),
		ClientIds: jsii.Strings(GitHubOIDCAudience),
	})
}

// ciRole is a role that only GitHub tokens for sts.amazonaws.com with one of
// subs as their sub claim can assume, for an hour at most.
func ciRole(scope constructs.Construct, id, name string, provider awsiam.IOidcProvider, subs []string, description string, statements ...awsiam.PolicyStatement) awsiam.Role {
	principal := awsiam.NewOpenIdConnectPrincipal(provider, &map[string]any{
		// Exact values, no StringLike: a wildcard in sub would admit other branches or repositories.
		"StringEquals": map[string]any{
			GitHubOIDCHost + ":aud": GitHubOIDCAudience,
			GitHubOIDCHost + ":sub": subs,
		},
	})
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

// resolveTargets fills in the stack's own account and region where a target has none.
func resolveTargets(stack awscdk.Stack, targets []CITarget) []CITarget {
	out := make([]CITarget, 0, len(targets))
	for _, t := range targets {
		if t.Account == "" {
			t.Account = *stack.Account()
		}
		if t.Region == "" {
			t.Region = *stack.Region()
		}
		out = append(out, t)
	}
	return out
}

// bootstrapRoleArn is the ARN of a role `cdk bootstrap` creates, named as
// CDK's DefaultStackSynthesizer expects: cdk-<qualifier>-<kind>-role-<account>-<region>.
func bootstrapRoleArn(stack awscdk.Stack, c CIConfig, kind string, t CITarget) string {
	return fmt.Sprintf("arn:%s:iam::%s:role/cdk-%s-%s-role-%s-%s", *stack.Partition(), t.Account, c.qualifier(), kind, t.Account, t.Region)
}

// dedupe keeps the first of equal strings, in order: environments sharing an
// account and region share its bootstrap roles.
func dedupe(s []string) []string {
	var out []string
	for _, v := range s {
		if !slices.Contains(out, v) {
			out = append(out, v)
		}
	}
	return out
}
