package infra

import (
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// scimMethods are the template's methods on /scim/v2 and below, by path.
func scimMethods(t *testing.T, tpl assertions.Template) map[string]map[string]any {
	t.Helper()
	paths := resourcePaths(tpl)
	out := map[string]map[string]any{}
	for _, m := range resources(tpl, "AWS::ApiGateway::Method") {
		p := props(m)
		path := paths[refOrRoot(p["ResourceId"])]
		if strings.HasPrefix(path, "/scim") && p["HttpMethod"] != "OPTIONS" {
			out[p["HttpMethod"].(string)+" "+path] = p
		}
	}
	return out
}

func withSCIM(c Config, auth ...string) Config {
	c.SCIM = &SCIM{Auth: auth, Role: "admins", IdPName: "okta", DeleteMode: settings.SCIMDisable, Invite: true}
	return c
}

// dev has both ways in: the Lambda authorizer on /scim/v2 (a method has
// one authorizer, and it checks both), the SCIM client and its resource
// server, the secret, the externalId attribute and the outputs.
func TestSCIMDev(t *testing.T) {
	tpl := envTemplate(t, "dev")
	methods := scimMethods(t, tpl)
	if got := keys(methods); !slices.Equal(got, []string{"ANY /scim/v2", "ANY /scim/v2/{proxy+}"}) {
		t.Fatalf("SCIM methods = %v", got)
	}
	authorizers := resources(tpl, "AWS::ApiGateway::Authorizer")
	for name, m := range methods {
		if m["AuthorizationType"] != "CUSTOM" {
			t.Errorf("%s: AuthorizationType %v, want CUSTOM", name, m["AuthorizationType"])
		}
		a := authorizers[refOrRoot(m["AuthorizerId"])]
		if a == nil || props(a)["Type"] != "TOKEN" || props(a)["IdentitySource"] != "method.request.header.Authorization" || props(a)["AuthorizerResultTtlInSeconds"] != float64(0) {
			t.Errorf("%s: authorizer %v, want the uncached TOKEN authorizer", name, a)
		}
		// The admins' function, not a second one.
		if !strings.Contains(mustJSONTest(m["Integration"]), "AdminFunction") {
			t.Errorf("%s: integration %v is not the admin function", name, m["Integration"])
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolResourceServer"), map[string]any{
		"Identifier": "scim", "UserPoolId": map[string]any{"Ref": "UserPool"},
		"Scopes": []any{map[string]any{"ScopeName": "provision", "ScopeDescription": assertions.Match_AnyValue()}},
	})
	client := resources(tpl, "AWS::Cognito::UserPoolClient")[scimClientLogicalID]
	if client == nil {
		t.Fatal("no ScimClient")
	}
	cp := props(client)
	if cp["GenerateSecret"] != true || !equalJSON(cp["AllowedOAuthFlows"], []any{"client_credentials"}) ||
		!equalJSON(cp["AllowedOAuthScopes"], []any{map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Ref": scimResourceServerLogicalID}, "/provision"}}}}) ||
		cp["AllowedOAuthFlowsUserPoolClient"] != true {
		t.Errorf("SCIM client: %s", mustJSONTest(cp))
	}
	if !equalJSON(cp["ExplicitAuthFlows"], []any{"ALLOW_REFRESH_TOKEN_AUTH"}) {
		t.Errorf("SCIM client auth flows %v: no user may sign in through it", cp["ExplicitAuthFlows"])
	}
	// The token endpoint's domain, unique per account.
	tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{
		"Domain": map[string]any{"Fn::Join": []any{"", []any{"useradmin-dev-", map[string]any{"Ref": "AWS::AccountId"}}}},
	})
	// The externalId attribute, after the configured one.
	pool := props(resources(tpl, "AWS::Cognito::UserPool")["UserPool"])
	schema := pool["Schema"].([]any)
	if last := schema[len(schema)-1]; !equalJSON(last, map[string]any{"AttributeDataType": "String", "Mutable": true, "Name": "scim_external_id", "StringAttributeConstraints": map[string]any{"MaxLength": "2048"}}) {
		t.Errorf("last schema entry %s, want scim_external_id", mustJSONTest(last))
	}
	// The secret holds no token: a generated placeholder with an empty hash.
	tpl.HasResourceProperties(jsii.String("AWS::SecretsManager::Secret"), map[string]any{
		"GenerateSecretString": map[string]any{"SecretStringTemplate": `{"sha256":""}`, "GenerateStringKey": "placeholder"},
	})
	for _, s := range resources(tpl, "AWS::SecretsManager::Secret") {
		if _, ok := props(s)["SecretString"]; ok {
			t.Error("the secret has a value in the template")
		}
	}
	// The authorizer function: its secret, the client and the pool.
	fns := resources(tpl, "AWS::Lambda::Function")
	fn := fns[withPrefix(t, fns, "ScimAuthorizerFunction")]
	vars := props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
	secretID := keys(resources(tpl, "AWS::SecretsManager::Secret"))
	if len(secretID) != 1 || !equalJSON(vars, map[string]any{"SCIM_TOKEN_SECRET": map[string]any{"Ref": secretID[0]}, "SCIM_CLIENT_ID": map[string]any{"Ref": "ScimClient"}, "USER_POOL_ID": map[string]any{"Ref": "UserPool"}}) {
		t.Errorf("authorizer environment %s", mustJSONTest(vars))
	}
	// The admin function's settings.
	admin := props(fns[withPrefix(t, fns, "AdminFunction")])["Environment"].(map[string]any)["Variables"].(map[string]any)
	for k, want := range map[string]any{"SCIM_ENABLED": "true", "SCIM_BEARER": "true", "SCIM_ROLE": "admins", "SCIM_IDP_NAME": "dev-idp",
		"SCIM_DELETE_MODE": "delete", "SCIM_INVITE": "false", "SCIM_ALLOW_ROLE_GROUPS": "false", "SCIM_CLIENT_ID": map[string]any{"Ref": "ScimClient"}} {
		if !equalJSON(admin[k], want) {
			t.Errorf("admin function %s = %v, want %v", k, admin[k], want)
		}
	}
	outs := *tpl.FindOutputs(jsii.String("*"), nil)
	for _, o := range []string{"ScimUrl", "ScimClientId", "ScimTokenUrl", "ScimTokenSecretArn"} {
		if outs[o] == nil {
			t.Errorf("no output %s", o)
		}
	}
	if u := mustJSONTest((*outs["ScimUrl"])["Value"]); !strings.HasSuffix(u, `"/scim/v2"]]}`) {
		t.Errorf("ScimUrl %s does not end in /scim/v2", u)
	}
	if u := mustJSONTest((*outs["ScimTokenUrl"])["Value"]); !strings.Contains(u, `"https://useradmin-dev-"`) || !strings.Contains(u, ".amazoncognito.com/oauth2/token") {
		t.Errorf("ScimTokenUrl %s", u)
	}
}

// withPrefix is the one logical ID of res that starts with prefix (CDK adds a hash).
func withPrefix(t *testing.T, res map[string]map[string]any, prefix string) string {
	t.Helper()
	var ids []string
	for id := range res {
		if strings.HasPrefix(id, prefix) {
			ids = append(ids, id)
		}
	}
	if len(ids) != 1 {
		t.Fatalf("%d resources named %s… among %v", len(ids), prefix, keys(res))
	}
	return ids[0]
}

// The authorizer may read exactly its secret, and nothing else of Secrets Manager.
func TestSCIMAuthorizerIAM(t *testing.T) {
	tpl := envTemplate(t, "dev")
	var found int
	for id, p := range resources(tpl, "AWS::IAM::Policy") {
		for _, s := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			for _, a := range toStrings(st["Action"]) {
				if !strings.HasPrefix(a, "secretsmanager:") {
					continue
				}
				found++
				if !strings.HasPrefix(id, "ScimAuthorizerRole") || !equalJSON(st["Action"], "secretsmanager:GetSecretValue") ||
					!equalJSON(st["Resource"], map[string]any{"Ref": keys(resources(tpl, "AWS::SecretsManager::Secret"))[0]}) {
					t.Errorf("policy %s: %s", id, mustJSONTest(st))
				}
			}
		}
	}
	if found != 1 {
		t.Errorf("%d Secrets Manager grants, want 1", found)
	}
}

// Client credentials alone: API Gateway's Cognito authorizer takes the
// SCIM client's access tokens (AuthorizationScopes), no Lambda authorizer,
// no secret; a HostedUI domain is reused, not doubled.
func TestSCIMClientCredentialsOnly(t *testing.T) {
	c, _ := Environment("stg")
	c = withSCIM(c, SCIMClientCredentials)
	c.HostedUI = &HostedUI{DomainPrefix: "example-stg", CallbackURLs: []string{"https://app.example.org/cb"}}
	tpl := synth(t, c)
	authorizers := resources(tpl, "AWS::ApiGateway::Authorizer")
	for name, m := range scimMethods(t, tpl) {
		a := authorizers[refOrRoot(m["AuthorizerId"])]
		if m["AuthorizationType"] != "COGNITO_USER_POOLS" || !equalJSON(m["AuthorizationScopes"], []any{"scim/provision"}) || props(a)["Name"] != "scim-access-token" {
			t.Errorf("%s: %s", name, mustJSONTest(m))
		}
	}
	tpl.ResourceCountIs(jsii.String("AWS::SecretsManager::Secret"), jsii.Number(0))
	tpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolDomain"), jsii.Number(1))
	tpl.HasOutput(jsii.String("ScimTokenUrl"), map[string]any{"Value": map[string]any{"Fn::Join": []any{"", []any{"https://example-stg.auth.", map[string]any{"Ref": "AWS::Region"}, ".amazoncognito.com/oauth2/token"}}}})
	if outs := *tpl.FindOutputs(jsii.String("ScimTokenSecretArn"), nil); len(outs) != 0 {
		t.Error("a token secret output without bearer")
	}
	// The API's, the user events publisher and CDK's console deploy handler: no authorizer.
	if fns := resources(tpl, "AWS::Lambda::Function"); len(fns) != 3 {
		t.Errorf("functions %v: an authorizer function without bearer", keys(fns))
	}
}

// Bearer alone: no SCIM client, resource server or domain.
func TestSCIMBearerOnly(t *testing.T) {
	c, _ := Environment("prd")
	tpl := synth(t, withSCIM(c, SCIMBearer))
	for _, typ := range []string{"AWS::Cognito::UserPoolResourceServer", "AWS::Cognito::UserPoolDomain"} {
		tpl.ResourceCountIs(jsii.String(typ), jsii.Number(0))
	}
	if resources(tpl, "AWS::Cognito::UserPoolClient")[scimClientLogicalID] != nil {
		t.Error("a SCIM client without client credentials")
	}
	fns := resources(tpl, "AWS::Lambda::Function")
	vars := props(fns[withPrefix(t, fns, "ScimAuthorizerFunction")])["Environment"].(map[string]any)["Variables"].(map[string]any)
	if _, ok := vars["SCIM_CLIENT_ID"]; ok || len(vars) != 1 {
		t.Errorf("authorizer environment %v, want the secret only", vars)
	}
	// prd retains the secret with the pool.
	for _, s := range resources(tpl, "AWS::SecretsManager::Secret") {
		if p, _ := s["DeletionPolicy"].(string); !strings.HasPrefix(p, "Retain") {
			t.Errorf("prd's secret DeletionPolicy %v", s["DeletionPolicy"])
		}
	}
}

func TestSCIMOffByDefault(t *testing.T) {
	for _, env := range []string{"stg", "prd"} {
		tpl := envTemplate(t, env)
		if len(scimMethods(t, tpl)) != 0 {
			t.Errorf("%s serves /scim", env)
		}
		if strings.Contains(mustJSONTest(tpl.ToJSON()), "scim_external_id") || strings.Contains(mustJSONTest(tpl.ToJSON()), "SCIM_") {
			t.Errorf("%s has SCIM settings or attributes", env)
		}
	}
}

func TestSCIMConfigErrors(t *testing.T) {
	dev, _ := Environment("dev")
	for name, tc := range map[string]struct {
		edit func(*SCIM, *Config)
		want string
	}{
		"no way in":         {func(s *SCIM, _ *Config) { s.Auth = nil }, "SCIM.Auth: at least one"},
		"unknown way in":    {func(s *SCIM, _ *Config) { s.Auth = []string{"basic"} }, `SCIM.Auth: "basic" is not one of client_credentials, bearer`},
		"twice":             {func(s *SCIM, _ *Config) { s.Auth = []string{SCIMBearer, SCIMBearer} }, `"bearer" is listed twice`},
		"role not a role":   {func(s *SCIM, _ *Config) { s.Role = "tenant-a" }, `SCIM.Role: "tenant-a" is not one of Roles (admins, helpdesk, auditors, tenant-a-admins)`},
		"IdP name":          {func(s *SCIM, _ *Config) { s.IdPName = "Okta Prod" }, `SCIM.IdPName: "Okta Prod" is not a short lower-case name`},
		"no IdP name":       {func(s *SCIM, _ *Config) { s.IdPName = "" }, `SCIM.IdPName: ""`},
		"delete mode":       {func(s *SCIM, _ *Config) { s.DeleteMode = "" }, `SCIM.DeleteMode: "" is not delete or disable`},
		"bad domain prefix": {func(s *SCIM, _ *Config) { s.DomainPrefix = "my-cognito" }, `SCIM.DomainPrefix: "my-cognito" is not a valid Cognito domain prefix`},
		"prefix, no client": {func(s *SCIM, _ *Config) { s.Auth = []string{SCIMBearer}; s.DomainPrefix = "acme-dev" }, "only client credentials use the domain"},
		"prefix and hosted": {func(s *SCIM, c *Config) {
			s.DomainPrefix = "acme-dev"
			c.HostedUI = &HostedUI{DomainPrefix: "acme", CallbackURLs: []string{"https://a.example/cb"}}
		}, "HostedUI already gives the pool its domain"},
		"attribute declared": {func(_ *SCIM, c *Config) { c.CustomAttributes = append(c.CustomAttributes, scimExternalIDAttribute) }, `"scim_external_id" is SCIM's own attribute`},
	} {
		t.Run(name, func(t *testing.T) {
			c := dev
			s := *dev.SCIM
			c.SCIM = &s
			tc.edit(&s, &c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
}
