package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"
)

// NagSuppressions are the cdk-nag AwsSolutions rules that do not fit this
// product, each on the one resource it concerns, with the reason a
// reviewer can check. This is the only place findings are suppressed; a
// test runs the pack over every environment and fails on anything else.
func NagSuppressions(stack awscdk.Stack, c Config) {
	path := func(p string) string { return "/" + *stack.Node().Path() + "/" + p }
	suppress := func(p string, s ...*cdknag.NagPackSuppression) {
		cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String(path(p)), &s, jsii.Bool(false))
	}
	if c.WAF == nil {
		suppress("AdminApi/DeploymentStage."+c.Name+"/Resource", &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-APIG3"),
			Reason: jsii.String("Every method needs a Cognito ID token and an admin group, and the stage is throttled; " +
				"the API serves a handful of administrators, so a web ACL would add cost without a threat it stops. " +
				"Set Config.WAF to attach one (stg and prd ship with it)."),
		})
	}
	operationsNagSuppressions(suppress, c)
	auditNagSuppressions(suppress, c)
	consoleNagSuppressions(suppress, c)
	scimNagSuppressions(suppress, c)
	var pool []*cdknag.NagPackSuppression
	if c.MFA != "required-totp" {
		pool = append(pool, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-COG2"),
			Reason: jsii.String("MFA is set per environment (Config.MFA): optional TOTP lets every user turn it on; " +
				"requiring it (required-totp) needs the application's sign-in to walk new users through TOTP setup."),
		})
	}
	if c.FeaturePlan != "PLUS" {
		pool = append(pool, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-COG8"),
			Reason: jsii.String("Threat protection needs Cognito's Plus feature plan, priced per monthly active user; " +
				"the plan is set per environment (Config.FeaturePlan), and PLUS turns threat protection on."),
		})
	}
	if len(pool) > 0 {
		suppress("UserPool/Resource", pool...)
	}
}

// CINagSuppressions are the suppressions of the CI access stack (see NagSuppressions).
func CINagSuppressions(stack awscdk.Stack) {
	// Both roles read the environment's stack templates (the diff, the deploy guard).
	for _, role := range []string{"CIAccessDiffRole", "CIAccessDeployRole"} {
		cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*stack.Node().Path()+"/"+role), &[]*cdknag.NagPackSuppression{{
			Id:        jsii.String("AwsSolutions-IAM5"),
			Reason:    jsii.String("A stack ARN ends in an id CloudFormation assigns; the wildcard covers that id only, of the environment's named stacks."),
			AppliesTo: &[]any{&cdknag.RegexAppliesTo{Regex: jsii.String(`/^Resource::arn:.*:cloudformation:.*:stack\/UserAdmin-[A-Za-z0-9-]+\/\*$/g`)}},
		}}, jsii.Bool(true))
	}
}

// AccountNagSuppressions are the suppressions of an account stack (see NagSuppressions).
func AccountNagSuppressions(stack awscdk.Stack) {
	cdknag.NagSuppressions_AddResourceSuppressionsByPath(stack, jsii.String("/"+*stack.Node().Path()+"/ApiGatewayAccountCloudWatchRole/Resource"), &[]*cdknag.NagPackSuppression{{
		Id:        jsii.String("AwsSolutions-IAM4"),
		AppliesTo: &[]any{"Policy::arn:<AWS::Partition>:iam::aws:policy/service-role/AmazonAPIGatewayPushToCloudWatchLogs"},
		Reason: jsii.String("This is API Gateway's account-wide logging role, used for every API's logs in the account " +
			"and region; AWS documents this managed policy for it and maintains it as the service changes."),
	}}, jsii.Bool(false))
}

// AppNagSuppressions applies the suppressions of every stack NewApp made
// from envs.
func AppNagSuppressions(app *App, envs []Config) {
	for _, c := range envs {
		NagSuppressions(app.Environments[c.Name], c)
	}
	for _, s := range app.Accounts {
		AccountNagSuppressions(s)
	}
	for _, s := range app.CI {
		CINagSuppressions(s)
	}
}
