package infra

import (
	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/awscognito"
	"github.com/aws/constructs-go/constructs/v10"
	"github.com/aws/jsii-runtime-go"
)

// AdminClientProps configures NewAdminClient.
type AdminClientProps struct {
	Pool   awscognito.UserPool
	Config Config
}

// Pinned like the app client: a replaced client gets a new id, which every
// administrator's configured `useradmin` profile holds.
const adminClientLogicalID = "AdminClient"

// NewAdminClient creates the client administrators sign in through (the
// `useradmin` command). Kept apart from the app client so the Lambda can
// refuse an application's tokens, which live in browsers, and so admin
// sessions can be short: SRP and refresh only, no secret (it runs on
// laptops), no OAuth, revocable refresh tokens.
func NewAdminClient(scope constructs.Construct, id string, props *AdminClientProps) awscognito.UserPoolClient {
	c := props.Config
	read, write := clientAttributes(c.CustomAttributes)
	client := props.Pool.AddClient(jsii.String(id), &awscognito.UserPoolClientOptions{
		UserPoolClientName: jsii.String("useradmin-" + c.Name + "-admin"),
		GenerateSecret:     jsii.Bool(false),
		AuthFlows: &awscognito.AuthFlow{
			UserSrp:           jsii.Bool(true),
			UserPassword:      jsii.Bool(false),
			AdminUserPassword: jsii.Bool(false),
			Custom:            jsii.Bool(false),
		},
		DisableOAuth:               jsii.Bool(true),
		ReadAttributes:             read,
		WriteAttributes:            write,
		PreventUserExistenceErrors: jsii.Bool(true),
		EnableTokenRevocation:      jsii.Bool(true),
		AccessTokenValidity:        awscdk.Duration_Minutes(jsii.Number(c.AdminAccessTokenMinutes)),
		IdTokenValidity:            awscdk.Duration_Minutes(jsii.Number(c.AdminIDTokenMinutes)),
		RefreshTokenValidity:       awscdk.Duration_Hours(jsii.Number(c.AdminRefreshTokenHours)),
	})
	client.Node().DefaultChild().(awscdk.CfnResource).OverrideLogicalId(jsii.String(adminClientLogicalID))
	return client
}
