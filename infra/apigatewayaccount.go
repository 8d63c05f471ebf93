package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// APIGatewayAccountProps configures NewAPIGatewayAccount; it has no options
// today, and nil is accepted.
type APIGatewayAccountProps struct{}

// APIGatewayAccount is what NewAPIGatewayAccount returns.
type APIGatewayAccount interface {
	// Role is the role API Gateway writes every API's logs with, in this account and region.
	Role() awsiam.Role
	// Account is the account-level setting that names Role.
	Account() awsapigateway.CfnAccount
}

type apiGatewayAccount struct {
	role    awsiam.Role
	account awsapigateway.CfnAccount
}

func (a *apiGatewayAccount) Role() awsiam.Role                 { return a.role }
func (a *apiGatewayAccount) Account() awsapigateway.CfnAccount { return a.account }

// NewAPIGatewayAccount sets API Gateway's account-level CloudWatch Logs role,
// which a stage's execution and access logs need: without it, creating a
// stage with logging fails ("CloudWatch Logs role ARN must be set in account
// settings"). Both are kept when they leave the stack (every API in the
// account and region logs through them) except when their first creation
// rolls back. There is no L2 construct for the setting alone: RestApi's
// cloudWatchRole would tie it to one API's stack.
func NewAPIGatewayAccount(scope constructs.Construct, id string, _ *APIGatewayAccountProps) APIGatewayAccount {
	role := awsiam.NewRole(scope, jsii.String(id+"CloudWatchRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("apigateway.amazonaws.com"), nil),
		Description: jsii.String("API Gateway's account-wide role for writing execution and access logs to CloudWatch Logs"),
		ManagedPolicies: &[]awsiam.IManagedPolicy{
			awsiam.ManagedPolicy_FromAwsManagedPolicyName(jsii.String("service-role/AmazonAPIGatewayPushToCloudWatchLogs")),
		},
	})
	role.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE)
	account := awsapigateway.NewCfnAccount(scope, jsii.String(id), &awsapigateway.CfnAccountProps{
		CloudWatchRoleArn: role.RoleArn(),
	})
	account.ApplyRemovalPolicy(awscdk.RemovalPolicy_RETAIN_ON_UPDATE_OR_DELETE, nil)
	return &apiGatewayAccount{role: role, account: account}
}
