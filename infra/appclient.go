package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AppClientProps configures NewAppClient.
type AppClientProps struct {
	Pool   awscognito.UserPool
	Config Config
}

// Pinned for the same reason as the pool: a replaced client gets a new id,
// which breaks every app configured with the old one.
const (
	appClientLogicalID = "UserPoolClient"
	domainLogicalID    = "UserPoolDomain"
)

// NewAppClient creates the pool's public app client (no secret: it runs in
// browsers and CLIs), and the Cognito domain when the hosted UI is configured.
func NewAppClient(scope constructs.Construct, id string, props *AppClientProps) awscognito.UserPoolClient {
	c := props.Config
	read, write := clientAttributes(c.CustomAttributes)
	opts := &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String("useradmin-" + c.Name),
		GenerateSecret:     jsii.Bool(false),
		AuthFlows: &awscognito.AuthFlow{
			UserSrp:      jsii.Bool(true),
			UserPassword: jsii.Bool(c.AllowPasswordAuth),
			// The admin flow would let anything holding IAM credentials sign in as any user.
			AdminUserPassword: jsii.Bool(false),
		},
		ReadAttributes:             read,
		WriteAttributes:            write,
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(c.AccessTokenMinutes)),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(c.IDTokenMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Days(jsii.Number(c.RefreshTokenDays)),
	}
	if h := c.HostedUI; h != nil {
		opts.OAuth = &awscognito.OAuthSettings{
			Flows:        &awscognito.OAuthFlows{AuthorizationCodeGrant: jsii.Bool(true)},
			Scopes:       &[]awscognito.OAuthScope{awscognito.OAuthScope_OPENID(), awscognito.OAuthScope_EMAIL(), awscognito.OAuthScope_PROFILE()},
			CallbackUrls: jsii.Strings(h.CallbackURLs...),
			LogoutUrls:   jsii.Strings(h.LogoutURLs...),
		}
		opts.SupportedIdentityProviders = &[]awscognito.UserPoolClientIdentityProvider{awscognito.UserPoolClientIdentityProvider_COGNITO()}
		domain := props.Pool.AddDomain(jsii.String(id+"Domain"), &awscognito.UserPoolDomainOptions{
			CognitoDomain: &awscognito.CognitoDomainOptions{DomainPrefix: jsii.String(h.DomainPrefix)},
		})
		domain.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(domainLogicalID))
	} else {
		opts.DisableOAuth = jsii.Bool(true)
	}
	client := props.Pool.AddClient(jsii.String(id), opts)
	client.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(appClientLogicalID))
	return client
}
