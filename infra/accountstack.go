package infra

import (
	"strings"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AccountStackProps configures NewAccountStack.
type AccountStackProps struct {
	// Account and Region as the environments' configs name them (empty: the
	// CLI's default, as for the environments).
	Account, Region string
	// Environments are the names of the environments deployed here, for the description.
	Environments []string
}

// AccountStackName is the stack that owns the account-level settings of one
// account and region, named after them as the config names them:
// UserAdmin-account, then -<Account> and -<Region> where the config sets
// them. So the shipped environments, which leave both to the CLI, share
// UserAdmin-account, deployed in whatever account and region they are, and
// the name never changes when environments are added or removed.
func AccountStackName(account, region string) string {
	parts := []string{"UserAdmin-account"}
	for _, p := range []string{account, region} {
		if p != "" {
			parts = append(parts, p)
		}
	}
	return strings.Join(parts, "-")
}

// NewAccountStack composes the settings that belong to an account and
// region rather than to one environment: API Gateway's CloudWatch Logs role.
// Each environment stack depends on the account stack of its account and
// region, so deploying any environment (`cdk deploy UserAdmin-prd`) deploys
// this first, in an empty account, in any order.
func NewAccountStack(scope constructs.Construct, props *AccountStackProps) awscdk.Stack {
	stack := awscdk.NewStack(scope, jsii.String(AccountStackName(props.Account, props.Region)), &awscdk.StackProps{
		Env: stackEnv(props.Account, props.Region),
		Description: jsii.String("Account-level settings for the UserAdmin environments here (" +
			strings.Join(props.Environments, ", ") + "): API Gateway's CloudWatch Logs role"),
		Tags: &map[string]*string{"app": jsii.String("useradmin"), "env": jsii.String("account")},
	})
	NewAPIGatewayAccount(stack, "ApiGatewayAccount", nil)
	return stack
}
