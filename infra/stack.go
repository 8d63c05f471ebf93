package infra

import (
	"fmt"
	"os"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/api"
)

// UserAdminStackProps configures NewUserAdminStack.
type UserAdminStackProps struct {
	Config Config
	// ModuleDir is the repository root; empty means found from the working directory.
	ModuleDir string
}

// NewUserAdminStack composes one environment: the user pool, its client and
// groups, the admin Lambda and the REST API in front of it, the web
// console (unless Config.Console.Disabled), and publishes
// the outputs callers need. A config that does not validate is an error.
func NewUserAdminStack(scope constructs.Construct, props *UserAdminStackProps) (awscdk.Stack, error) {
	c := props.Config
	if err := c.Validate(); err != nil {
		return nil, err
	}
	spec, err := api.Load()
	if err != nil {
		return nil, err
	}
	spec = withAttributes(spec, c.CustomAttributes)
	moduleDir := props.ModuleDir
	if moduleDir == "" {
		if moduleDir, err = ModuleDir(); err != nil {
			return nil, err
		}
	}
	stack := awscdk.NewStack(scope, jsii.String(c.StackName()), &awscdk.StackProps{
		Env:         stackEnv(c.Account, c.Region),
		Description: jsii.String(fmt.Sprintf("Admin-only user provisioning on Amazon Cognito (%s)", c.Name)),
		Tags:        &map[string]*string{"app": jsii.String("useradmin"), "env": jsii.String(c.Name)},
		// Where the users are retained (prd), deleting the stack by mistake
		// is refused too: CloudFormation asks for the protection to be
		// turned off first.
		TerminationProtection: jsii.Bool(c.Retain),
	})
	pool := NewUserPool(stack, "UserPool", &UserPoolProps{Config: c})
	client := NewAppClient(stack, "AppClient", &AppClientProps{Pool: pool, Config: c})
	adminClient := NewAdminClient(stack, "AdminClient", &AdminClientProps{Pool: pool, Config: c})
	NewGroups(stack, "Groups", &GroupsProps{Pool: pool, Config: c})
	// AdminAPIClients names clients; Validate has checked each name.
	byName := map[string]awscognito.IUserPoolClient{"admin": adminClient, "app": client}
	var apiClients []awscognito.IUserPoolClient
	for _, name := range c.AdminAPIClients {
		apiClients = append(apiClients, byName[name])
	}
	scimClient := NewSCIMClient(stack, "ScimClient", &SCIMClientProps{Pool: pool, Config: c})
	auditTable := NewAuditTable(stack, "AuditTable", &AuditTableProps{Config: c})
	// The console's origin comes first in the API's CORS. Without a custom
	// domain it is the distribution's domain, and the distribution is made
	// after the API (its CSP names the API): CDK reads it at synth.
	var webConsole Console
	consoleOrigin := ""
	if !c.Console.Disabled {
		if consoleOrigin = c.Console.customOrigin(); consoleOrigin == "" {
			consoleOrigin = *awscdk.Lazy_String(&lazyString{func() *string { return webConsole.Origin() }}, nil)
		}
	}
	origins := apiOrigins(consoleOrigin, c)
	fn := NewAdminFunction(stack, "AdminFunction", &AdminFunctionProps{Pool: pool, Config: c, ModuleDir: moduleDir, APIClients: apiClients, AuditTable: auditTable, CORSOrigins: origins, SCIMClient: scimClient})
	userEvents := NewUserEvents(stack, "UserEvents", &UserEventsProps{Table: auditTable, Config: c, ModuleDir: moduleDir})
	restAPI := NewAdminAPI(stack, "AdminApi", &AdminAPIProps{Pool: pool, Handler: fn, Spec: spec, Config: c, CORSOrigins: origins})
	if !c.Console.Disabled {
		webConsole = NewConsole(stack, "Console", &ConsoleProps{Config: c, ModuleDir: moduleDir, API: restAPI, Pool: pool, AdminClient: adminClient})
	}
	var scim SCIMRoutes
	if c.SCIM != nil {
		scim = NewSCIMRoutes(stack, "Scim", &SCIMRoutesProps{API: restAPI, Pool: pool, Handler: fn, Client: scimClient, Config: c, ModuleDir: moduleDir})
	}
	topic := addOperations(stack, fn, restAPI.DeploymentStage(), origins, c)
	NewAuditAlarms(stack, "Alarm", &AuditAlarmsProps{LogGroup: fn.LogGroup(), DeadLetters: userEvents.DeadLetterQueue(), Publisher: userEvents.Publisher(), Topic: topic, Config: c})

	// The stage's URL without RestApi.Url()'s trailing slash, so "$API_URL/users" is a valid path.
	apiURL := fmt.Sprintf("https://%s.execute-api.%s.%s/%s",
		*restAPI.RestApiId(), *stack.Region(), *stack.UrlSuffix(), *restAPI.DeploymentStage().StageName())
	type output struct {
		name  string
		value *string
	}
	// A slice, not a map: output order must not vary between synths.
	outputs := []output{
		{"ApiUrl", jsii.String(apiURL)},
		{"UserPoolId", pool.UserPoolId()},
		{"UserPoolClientId", client.UserPoolClientId()},
		{"AdminClientId", adminClient.UserPoolClientId()},
		{"Region", stack.Region()},
		// Where other teams subscribe to user events (docs/audit.md).
		{"EventBusName", userEvents.Bus().EventBusName()},
		{"EventBusArn", userEvents.Bus().EventBusArn()},
	}
	// What an identity provider is given (docs/scim.md).
	if c.SCIM != nil {
		outputs = append(outputs, output{"ScimUrl", jsii.String(apiURL + "/scim/v2")})
	}
	if scimClient != nil {
		outputs = append(outputs,
			output{"ScimClientId", scimClient.UserPoolClientId()},
			output{"ScimTokenUrl", jsii.String(fmt.Sprintf("https://%s.auth.%s.amazoncognito.com/oauth2/token", c.tokenDomainPrefix(*stack.Account()), *stack.Region()))})
	}
	if scim.TokenSecret != nil {
		// Where `useradmin scim rotate-token --from-stack` writes the hash.
		outputs = append(outputs, output{"ScimTokenSecretArn", scim.TokenSecret.SecretArn()})
	}
	for _, out := range outputs {
		awscdk.NewCfnOutput(stack, jsii.String(out.name), &awscdk.CfnOutputProps{Value: out.value})
	}
	if webConsole != nil {
		awscdk.NewCfnOutput(stack, jsii.String("ConsoleUrl"), &awscdk.CfnOutputProps{
			Value: webConsole.Origin(), Description: jsii.String("The web console"),
		})
		if c.Console.DomainName != "" {
			// Where the custom domain's DNS record points.
			awscdk.NewCfnOutput(stack, jsii.String("ConsoleDistributionDomainName"), &awscdk.CfnOutputProps{
				Value: webConsole.Distribution().DistributionDomainName(), Description: jsii.String("Point Console.DomainName's DNS record (CNAME or alias) here"),
			})
		}
	}
	return stack, nil
}

// stackEnv pins account and region from the config, falling back to the CDK
// CLI's defaults; with neither the stack is environment-agnostic, which
// still synthesizes offline.
func stackEnv(account, region string) *awscdk.Environment {
	if account == "" {
		account = os.Getenv("CDK_DEFAULT_ACCOUNT")
	}
	if region == "" {
		region = os.Getenv("CDK_DEFAULT_REGION")
	}
	return &awscdk.Environment{Account: optional(account), Region: optional(region)}
}
