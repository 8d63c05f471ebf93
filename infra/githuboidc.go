package infra

import (
	"fmt"
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// GitHubOIDCStackProps configures NewGitHubOIDCStack.
type GitHubOIDCStackProps struct {
	// Account as the environments' configs name it (empty: the CLI's default);
	// Region is where the stack goes (the provider itself is global).
	Account, Region string
	// Environments are the names of the environments whose CI roles trust it.
	Environments []string
}

// GitHubOIDCStackName is the stack that owns GitHub's OIDC provider in one
// account: UserAdmin-github-oidc, then -<Account> where the config sets it.
// An account holds one provider per URL, so one stack per account creates it
// and every environment's CI stack there imports it.
func GitHubOIDCStackName(account string) string {
	if account == "" {
		return "UserAdmin-github-oidc"
	}
	return "UserAdmin-github-oidc-" + account
}

// NewGitHubOIDCStack creates GitHub's OIDC identity provider: the native
// AWS::IAM::OIDCProvider, no custom resource, no thumbprints (IAM trusts
// GitHub's certificate authority itself).
func NewGitHubOIDCStack(scope constructs.Construct, props *GitHubOIDCStackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(GitHubOIDCStackName(props.Account)), &awscdk.StackProps{
		Env: stackEnv(props.Account, props.Region),
		Description: jsii.String("GitHub Actions' OIDC identity provider for the UserAdmin CI roles of " +
			strings.Join(props.Environments, ", ")),
		Tags: &map[string]*string{"app": jsii.String("useradmin"), "env": jsii.String("ci")},
	})
	awsiam.NewOidcProviderNative(stack, jsii.String("GitHubProvider"), &awsiam.OidcProviderNativeProps{
		Url:       jsii.String("https://" + GitHubOIDCHost),
		ClientIds: jsii.Strings(GitHubOIDCAudience),
	})
	return stack
}

// importGitHubProvider names the account's provider by its ARN, which IAM
// derives from the URL alone, so no cross-stack reference is needed.
func importGitHubProvider(scope constructs.Construct, id, account string) awsiam.IOidcProvider {
	stack := awscdk.Stack_Of(scope)
	arn := fmt.Sprintf("arn:%s:iam::%s:oidc-provider/%s", *stack.Partition(), cmpToken(account, stack.Account()), GitHubOIDCHost)
	return awsiam.OidcProviderNative_FromOidcProviderArn(scope, jsii.String(id), jsii.String(arn))
}
