package infra

import (
	"fmt"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsapigateway"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/aws-cdk-go/awscdk/v2/awsiam"
	"github.com/aws/aws-cdk-go/awscdk/v2/awslambda"
	"github.com/aws/aws-cdk-go/awscdk/v2/awssecretsmanager"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
	"github.com/cdklabs/cdk-nag-go/cdknag/v2"

	"github.com/useradmin/cognito-user-admin/lambda/gobuild"
	"github.com/useradmin/cognito-user-admin/lambda/scimauth"
	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// Pinned like the other clients: a replaced SCIM client gets a new id and
// secret, which the identity provider would have to be given again.
const (
	scimClientLogicalID         = "ScimClient"
	scimResourceServerLogicalID = "ScimResourceServer"
)

// SCIMClientProps configures NewSCIMClient.
type SCIMClientProps struct {
	Pool   awscognito.UserPool
	Config Config
}

// NewSCIMClient creates, where Config.SCIM has client credentials on, the
// resource server `scim` with the scope `provision`, and the SCIM app
// client: with a secret, the client_credentials flow only, that scope only.
// Without HostedUI it adds the Cognito domain whose token endpoint issues
// the tokens. It returns nil where client credentials are off.
func NewSCIMClient(scope constructs.Construct, id string, props *SCIMClientProps) awscognito.UserPoolClient {
	c := props.Config
	if !c.SCIM.Has(SCIMClientCredentials) {
		return nil
	}
	provision := awscognito.NewResourceServerScope(&awscognito.ResourceServerScopeProps{
		ScopeName:        jsii.String("provision"),
		ScopeDescription: jsii.String("Provision users and groups through /scim/v2"),
	})
	server := props.Pool.AddResourceServer(jsii.String(id+"ResourceServer"), &awscognito.UserPoolResourceServerOptions{
		Identifier:                 jsii.String("scim"),
		UserPoolResourceServerName: jsii.String("useradmin-" + c.Name + "-scim"),
		Scopes:                     &[]awscognito.ResourceServerScope{provision},
	})
	server.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(scimResourceServerLogicalID))
	if c.HostedUI == nil {
		// The same logical ID as HostedUI's domain (appclient.go): a pool has
		// one prefix domain, and moving it to HostedUI later keeps it.
		domain := props.Pool.AddDomain(jsii.String(id+"Domain"), &awscognito.UserPoolDomainOptions{
			CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(c.tokenDomainPrefix(*awscdk.Stack_Of(scope).Account()))},
		})
		domain.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(domainLogicalID))
	}
	read, write := clientAttributes(c.CustomAttributes)
	client := props.Pool.AddClient(jsii.String(id), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String("useradmin-" + c.Name + "-scim"),
		// A confidential client: the identity provider holds the secret.
		GenerateSecret: jsii.Bool(true),
		// No user signs in through it: only the refresh flow Cognito always allows.
		AuthFlows: &awscognito.AuthFlow{UserSrp: jsii.Bool(false), UserPassword: jsii.Bool(false), AdminUserPassword: jsii.Bool(false), Custom: jsii.Bool(false)},
		OAuth: &awscognito.OAuthSettings{
			Flows:  &awscognito.OAuthFlows{ClientCredentials: jsii.Bool(true)},
			Scopes: &[]awscognito.OAuthScope{awscognito.OAuthScope_ResourceServer(server, provision)},
		},
		SupportedIdentityProviders: &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()},
		ReadAttributes:             read,
		WriteAttributes:            write,
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(c.AccessTokenMinutes)),
	})
	client.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(scimClientLogicalID))
	return client
}

// scimSettings are the function's SCIM settings; client is nil where
// client credentials are off.
func scimSettings(c Config, client awscognito.IUserPoolClient) settings.SCIM {
	s := c.SCIM
	if s == nil {
		return settings.SCIM{}
	}
	out := settings.SCIM{Enabled: true, Bearer: s.Has(SCIMBearer), Role: s.Role, IdPName: s.IdPName,
		DeleteMode: s.DeleteMode, Invite: s.Invite, AllowRoleGroups: s.AllowRoleGroups}
	if client != nil {
		out.ClientID = *client.UserPoolClientId()
	}
	return out
}

// SCIMRoutesProps configures NewSCIMRoutes.
type SCIMRoutesProps struct {
	API     awsapigateway.RestApi
	Pool    awscognito.IUserPool
	Handler awslambda.IFunction
	// Client is the SCIM app client, nil where client credentials are off.
	Client    awscognito.IUserPoolClient
	Config    Config
	ModuleDir string
}

// SCIMRoutes is what NewSCIMRoutes made.
type SCIMRoutes struct {
	// TokenSecret holds the bearer token's hash; nil where bearer is off.
	TokenSecret awssecretsmanager.Secret
	// Authorizer is the bearer authorizer's function; nil where bearer is off.
	Authorizer awslambda.Function
}

// NewSCIMRoutes adds /scim/v2 and /scim/v2/{proxy+} (ANY) to API, proxied
// to Handler (the same function as the admin API: docs/scim.md says why),
// never behind the admins' ID-token authorizer. With bearer on, a Lambda
// TOKEN authorizer checks the bearer token (and, with client credentials
// on too, the SCIM client's access tokens: a method has one authorizer);
// with client credentials alone, API Gateway's Cognito authorizer checks
// the access token's scim/provision scope.
func NewSCIMRoutes(scope constructs.Construct, id string, props *SCIMRoutesProps) SCIMRoutes {
	c := props.Config
	var out SCIMRoutes
	opts := &awsapigateway.MethodOptions{}
	if c.SCIM.Has(SCIMBearer) {
		out.TokenSecret, out.Authorizer = newSCIMAuthorizer(scope, id, props)
		opts.AuthorizationType = awsapigateway.AuthorizationType_CUSTOM
		opts.Authorizer = awsapigateway.NewTokenAuthorizer(scope, jsii.String(id+"Authorizer"), &awsapigateway.TokenAuthorizerProps{
			Handler:        out.Authorizer,
			AuthorizerName: jsii.String("scim-token"),
			IdentitySource: awsapigateway.IdentitySource_Header(jsii.String("Authorization")),
			// No result cache: a rotated token stops working within the
			// function's own minute, not API Gateway's 300 s.
			ResultsCacheTtl: awscdk.Duration_Seconds(jsii.Number(0)),
		})
	} else {
		opts.AuthorizationType = awsapigateway.AuthorizationType_COGNITO
		opts.Authorizer = awsapigateway.NewCognitoUserPoolsAuthorizer(scope, jsii.String(id+"Authorizer"), &awsapigateway.CognitoUserPoolsAuthorizerProps{
			CognitoUserPools: &[]awscognito.IUserPool{props.Pool},
			AuthorizerName:   jsii.String("scim-access-token"),
			IdentitySource:   jsii.String("method.request.header.Authorization"),
			ResultsCacheTtl:  awscdk.Duration_Seconds(jsii.Number(0)),
		})
		// With scopes, the authorizer takes access tokens (not ID tokens) holding one.
		opts.AuthorizationScopes = jsii.Strings(scimauth.Scope)
	}
	integration := awsapigateway.NewLambdaIntegration(props.Handler, &awsapigateway.LambdaIntegrationOptions{
		Proxy: jsii.Bool(true), AllowTestInvoke: jsii.Bool(false),
	})
	base := props.API.Root().ResourceForPath(jsii.String("/scim/v2"))
	for _, r := range []awsapigateway.IResource{base, base.AddResource(jsii.String("{proxy+}"), nil)} {
		o := *opts
		o.OperationName = jsii.String("scim")
		r.AddMethod(jsii.String("ANY"), integration, &o)
	}
	return out
}

// newSCIMAuthorizer creates the secret for the bearer token's hash (no
// token in the template: `useradmin scim rotate-token` writes the first)
// and the authorizer function, which may read that secret only.
func newSCIMAuthorizer(scope constructs.Construct, id string, props *SCIMRoutesProps) (awssecretsmanager.Secret, awslambda.Function) {
	c := props.Config
	secret := awssecretsmanager.NewSecret(scope, jsii.String(id+"TokenHash"), &awssecretsmanager.SecretProps{
		Description: jsii.String("The SHA-256 of the " + c.Name + " SCIM bearer token (never the token): written by useradmin scim rotate-token"),
		// Generated once at creation, a placeholder with an empty hash: every
		// token is refused until the first rotation. Changing this would
		// generate it again and drop the stored hash.
		GenerateSecretString: &awssecretsmanager.SecretStringGenerator{
			SecretStringTemplate: jsii.String(`{"sha256":""}`),
			GenerateStringKey:    jsii.String("placeholder"),
		},
		RemovalPolicy: removalPolicy(c),
	})
	logs := newLogGroup(scope, id+"AuthorizerLogs", c)
	role := awsiam.NewRole(scope, jsii.String(id+"AuthorizerRole"), &awsiam.RoleProps{
		AssumedBy:   awsiam.NewServicePrincipal(jsii.String("lambda.amazonaws.com"), nil),
		Description: jsii.String("The " + c.Name + " SCIM authorizer: its log group and the token hash's secret only"),
	})
	logs.GrantWrite(role)
	// Exactly the one read, not grantRead's DescribeSecret too.
	role.AddToPrincipalPolicy(awsiam.NewPolicyStatement(&awsiam.PolicyStatementProps{
		Actions:   jsii.Strings("secretsmanager:GetSecretValue"),
		Resources: jsii.Strings(*secret.SecretArn()),
	}))
	env := map[string]*string{scimauth.EnvSecretID: secret.SecretArn()}
	if props.Client != nil {
		env[scimauth.EnvClientID] = props.Client.UserPoolClientId()
		env[scimauth.EnvUserPoolID] = props.Pool.UserPoolId()
	}
	fn := awslambda.NewFunction(scope, jsii.String(id+"AuthorizerFunction"), &awslambda.FunctionProps{
		Role:          role,
		Description:   jsii.String(fmt.Sprintf("Checks the %s SCIM routes' bearer tokens", c.Name)),
		Runtime:       awslambda.Runtime_PROVIDED_AL2023(),
		Architecture:  awslambda.Architecture_ARM_64(),
		Handler:       jsii.String("bootstrap"),
		Code:          goFunctionCode(props.ModuleDir, gobuild.SCIMAuthPackage),
		Timeout:       awscdk.Duration_Seconds(jsii.Number(5)),
		MemorySize:    jsii.Number(128),
		LoggingFormat: awslambda.LoggingFormat_JSON,
		LogGroup:      logs,
		Environment:   &env,
		Tracing:       lambdaTracing(c),
	})
	return secret, fn
}

// scimNagSuppressions are the cdk-nag suppressions SCIM needs; NagSuppressions calls it.
func scimNagSuppressions(suppress func(path string, s ...*cdknag.NagPackSuppression), c Config) {
	if !c.SCIM.Has(SCIMBearer) {
		return
	}
	for _, p := range []string{"AdminApi/Default/scim/v2/ANY/Resource", "AdminApi/Default/scim/v2/{proxy+}/ANY/Resource"} {
		suppress(p, &cdknag.NagPackSuppression{
			Id: jsii.String("AwsSolutions-COG4"),
			Reason: jsii.String("The SCIM routes admit an identity provider, not a user: its long-lived bearer token (Entra ID's Secret Token, " +
				"Okta's HTTP header) is checked by the SCIM Lambda authorizer against a SHA-256 hash in Secrets Manager, and, with client " +
				"credentials on too, the SCIM client's access tokens by the same authorizer (a method has one authorizer)."),
		})
	}
	suppress("ScimTokenHash/Resource", &cdknag.NagPackSuppression{
		Id: jsii.String("AwsSolutions-SMG4"),
		Reason: jsii.String("The secret holds the hash of a token the identity provider's administrator pastes into the IdP: " +
			"rotating it is `useradmin scim rotate-token` followed by updating the IdP, which an automatic rotation could not do without cutting provisioning off."),
	})
	xrayNagSuppression(suppress, "ScimAuthorizerRole/DefaultPolicy/Resource", c)
}
