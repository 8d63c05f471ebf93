package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsdynamodb"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// CognitoActions are exactly the Cognito API calls the Lambda makes; its role
// may call these and nothing else, on its own pool only. A test holds this
// list equal to the methods of the handler's Cognito interface.
var CognitoActions = []string{
	"cognito-idp:AdminAddUserToGroup",
	"cognito-idp:AdminCreateUser",
	"cognito-idp:AdminDeleteUser",
	"cognito-idp:AdminDisableUser",
	"cognito-idp:AdminEnableUser",
	"cognito-idp:AdminGetUser",
	"cognito-idp:AdminListGroupsForUser",
	"cognito-idp:AdminRemoveUserFromGroup",
	"cognito-idp:AdminResetUserPassword",
	"cognito-idp:AdminSetUserMFAPreference",
	"cognito-idp:AdminSetUserPassword",
	"cognito-idp:AdminUpdateUserAttributes",
	"cognito-idp:AdminUserGlobalSignOut",
	"cognito-idp:ListGroups",
	"cognito-idp:ListUsers",
	"cognito-idp:ListUsersInGroup",
}

// AdminFunctionProps configures NewAdminFunction.
type AdminFunctionProps struct {
	Pool   awscognito.IUserPool
	Config Config
	// ModuleDir is the repository root (where go.mod is); the binary is built from there.
	ModuleDir string
	// APIClients are the app clients whose ID tokens the function accepts.
	APIClients []awscognito.IUserPoolClient
	// AuditTable is where the function writes and reads audit records.
	AuditTable awsdynamodb.Table
	// CORSOrigins are the origins the function answers browsers from
	// (apiOrigins: the console's first).
	CORSOrigins []string
	// SCIMClient is the SCIM app client, nil where client credentials are off.
	SCIMClient awscognito.IUserPoolClient
}

// NewAdminFunction creates the Go Lambda behind the API, with its log group
// and a role that may call only CognitoActions on Pool.
func NewAdminFunction(scope constructs.Construct, id string, props *AdminFunctionProps) awslambda.Function {
	c := props.Config
	logs := newLogGroup(scope, id+"Logs", c)
	env := settings.Settings{
		UserPoolID:     *props.Pool.UserPoolId(),
		AdminGroups:    c.AdminGroups(),
		ManagedGroups:  c.ManagedGroups(),
		AllowedOrigins: props.CORSOrigins,
		Password:       c.Password,
		APIClientIDs:   clientIDs(props.APIClients),
		// The same declaration as the pool's schema, so the Lambda allows exactly those.
		CustomAttributes: c.CustomAttributes,
		// Roles with every permission, unscoped, need no entry: the settings give them that.
		Roles:            c.limitedRoles(),
		AdminMFARequired: c.AdminMFARequired,
		AuditTable:       *props.AuditTable.TableName(),
		// The TTL the function sets on each record.
		AuditRetentionDays: c.Audit.RetentionDays,
		SCIM:               scimSettings(c, props.SCIMClient),
	}.Env()
	// The function's own role, not AWSLambdaBasicExecutionRole: that managed
	// policy lets a function write to every log group in the account.
	role := awsiam.NewRole(scope, jsii.String(id+"Role"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("The " + c.Name + " admin API function: its log group and its user pool only"),
	})
	logs.GrantWrite(role)
	fn := awslambda.NewFunction(scope, jsii.String(id), &awslambda.FunctionProps{
		Role:         role,
		Description:  jsii.String("Admin-only user provisioning for the " + c.Name + " user pool"),
		Runtime:      awslambda.Runtime_PROVIDED_AL2023(),
		Architecture: awslambda.Architecture_ARM_64(),
		Handler:      jsii.String("bootstrap"),
		Code:         goFunctionCode(props.ModuleDir, gobuild.Package),
		// Well under API Gateway's 29 s, so the caller gets our error, not the gateway's.
		Timeout:       awscdk.Duration_Seconds(jsii.Number(10)),
		MemorySize:    jsii.Number(c.LambdaMemoryMB),
		LoggingFormat: awslambda.LoggingFormat_JSON,
		LogGroup:      logs,
		Environment:   toStringMap(env),
		Tracing:       lambdaTracing(c),
	})
	props.Pool.Grant(fn, *jsii.Strings(CognitoActions...)...)
	grantAudit(fn, props.AuditTable)
	return fn
}

func clientIDs(clients []awscognito.IUserPoolClient) []string {
	ids := make([]string, len(clients))
	for i, cl := range clients {
		ids[i] = *cl.UserPoolClientId()
	}
	return ids
}

func toStringMap(m map[string]string) *map[string]*string {
	out := make(map[string]*string, len(m))
	for k, v := range m {
		out[k] = jsii.String(v)
	}
	return &out
}
