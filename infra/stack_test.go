package infra

import (
	"encoding/json"
	"maps"
	"os"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2"
	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/api"
)

// testApp is an App carrying cdk.json's feature flags, as `cdk synth`
// builds it, writing to a temporary directory; and the repository root.
func testApp(t *testing.T) (awscdk.App, string) {
	t.Helper()
	dir, err := ModuleDir()
	if err != nil {
		t.Fatal(err)
	}
	ctx, err := AppContext(dir)
	if err != nil {
		t.Fatal(err)
	}
	return awscdk.NewApp(&awscdk.AppProps{Context: &ctx, Outdir: jsii.String(t.TempDir())}), dir
}

// synth builds the stack of c and returns its template.
func synth(t *testing.T, c Config) assertions.Template {
	t.Helper()
	app, dir := testApp(t)
	stack, err := NewUserAdminStack(app, &UserAdminStackProps{Config: c, ModuleDir: dir})
	if err != nil {
		t.Fatal(err)
	}
	return assertions.Template_FromStack(stack, nil)
}

var templates = map[string]assertions.Template{}

// envTemplate synthesizes each shipped environment once per test run.
func envTemplate(t *testing.T, name string) assertions.Template {
	t.Helper()
	if tpl, ok := templates[name]; ok {
		return tpl
	}
	c, err := Environment(name)
	if err != nil {
		t.Fatal(err)
	}
	templates[name] = synth(t, c)
	return templates[name]
}

func TestMain(m *testing.M) {
	// Account and region would otherwise come from the caller's shell.
	os.Unsetenv("CDK_DEFAULT_ACCOUNT")
	os.Unsetenv("CDK_DEFAULT_REGION")
	code := m.Run()
	jsii.Close()
	os.Exit(code)
}

func resources(tpl assertions.Template, typ string) map[string]map[string]any {
	out := map[string]map[string]any{}
	for id, r := range *tpl.FindResources(jsii.String(typ), nil) {
		out[id] = *r
	}
	return out
}

func props(r map[string]any) map[string]any { return r["Properties"].(map[string]any) }

func TestUserPool(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			tpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPool"), jsii.Number(1))
			tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
				"UsernameAttributes":    []any{"email"},
				"UsernameConfiguration": map[string]any{"CaseSensitive": false},
				"AdminCreateUserConfig": map[string]any{
					"AllowAdminCreateUserOnly": true,
					"InviteMessageTemplate": map[string]any{
						"EmailSubject": assertions.Match_AnyValue(),
						"EmailMessage": assertions.Match_StringLikeRegexp(jsii.String(`\{username\}.*\{####\}`)),
					},
				},
				"AutoVerifiedAttributes":      []any{"email"},
				"UserAttributeUpdateSettings": map[string]any{"AttributesRequireVerificationBeforeUpdate": []any{"email"}},
				"Policies": map[string]any{"PasswordPolicy": map[string]any{
					"MinimumLength": 12, "RequireLowercase": true, "RequireUppercase": true,
					"RequireNumbers": true, "RequireSymbols": true, "TemporaryPasswordValidityDays": 7,
				}},
				"AccountRecoverySetting": map[string]any{"RecoveryMechanisms": []any{map[string]any{"Name": "verified_email", "Priority": 1}}},
				"UserPoolTier":           "ESSENTIALS",
			})
			// The pool's logical ID is pinned: any other ID means a new pool and lost users.
			pools := resources(tpl, "AWS::Cognito::UserPool")
			if _, ok := pools["UserPool"]; !ok {
				t.Fatalf("user pool logical ID is not pinned to UserPool: %v", keys(pools))
			}
			pool := pools["UserPool"]
			wantMFA := map[string]string{"dev": "OFF", "stg": "OPTIONAL", "prd": "OPTIONAL"}[env]
			if got := props(pool)["MfaConfiguration"]; got != wantMFA {
				t.Errorf("MfaConfiguration = %v, want %s", got, wantMFA)
			}
			if wantMFA == "OPTIONAL" && !slices.Equal(toStrings(props(pool)["EnabledMfas"]), []string{"SOFTWARE_TOKEN_MFA"}) {
				t.Errorf("EnabledMfas = %v, want TOTP only", props(pool)["EnabledMfas"])
			}
			wantRetain := env == "prd"
			if got := props(pool)["DeletionProtection"] == "ACTIVE"; got != wantRetain {
				t.Errorf("DeletionProtection = %v, want active=%v", props(pool)["DeletionProtection"], wantRetain)
			}
			// Retained in prd, except when its first create rolls back (RetainExceptOnCreate).
			deletion := map[bool]string{true: "RetainExceptOnCreate", false: "Delete"}[wantRetain]
			replace := map[bool]string{true: "Retain", false: "Delete"}[wantRetain]
			if pool["DeletionPolicy"] != deletion || pool["UpdateReplacePolicy"] != replace {
				t.Errorf("DeletionPolicy/UpdateReplacePolicy = %v/%v, want %s/%s", pool["DeletionPolicy"], pool["UpdateReplacePolicy"], deletion, replace)
			}
		})
	}
}

func TestAppClient(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			clients := resources(tpl, "AWS::Cognito::UserPoolClient")
			delete(clients, scimClientLogicalID) // dev's SCIM client (TestSCIMDev)
			client, ok := clients["UserPoolClient"]
			if _, admin := clients["AdminClient"]; !ok || !admin || len(clients) != 2 {
				t.Fatalf("want the app and admin clients with the pinned logical IDs UserPoolClient and AdminClient, got %v", keys(clients))
			}
			p := props(client)
			flows := toStrings(p["ExplicitAuthFlows"])
			sort.Strings(flows)
			want := []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}
			if env == "dev" {
				want = []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_PASSWORD_AUTH", "ALLOW_USER_SRP_AUTH"}
			}
			if !slices.Equal(flows, want) {
				t.Errorf("ExplicitAuthFlows = %v, want %v", flows, want)
			}
			for k, v := range map[string]any{
				"GenerateSecret": false, "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": true,
				"AccessTokenValidity": 60.0, "IdTokenValidity": 60.0, "RefreshTokenValidity": 30 * 24 * 60.0,
				"AllowedOAuthFlowsUserPoolClient": false,
			} {
				if p[k] != v {
					t.Errorf("%s = %v, want %v", k, p[k], v)
				}
			}
			if p["CallbackURLs"] != nil || p["AllowedOAuthFlows"] != nil {
				t.Errorf("OAuth is configured without a hosted UI: %v %v", p["CallbackURLs"], p["AllowedOAuthFlows"])
			}
			// No hosted UI, so no domain, but for SCIM's token endpoint in dev (TestSCIMDev).
			tpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolDomain"), jsii.Number(map[bool]float64{true: 1, false: 0}[env == "dev"]))
		})
	}
}

func TestHostedUI(t *testing.T) {
	c, _ := Environment("stg")
	c.HostedUI = &HostedUI{DomainPrefix: "acme-users-stg", CallbackURLs: []string{"https://app.example.org/callback"}, LogoutURLs: []string{"https://app.example.org/"}}
	tpl := synth(t, c)
	tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolClient"), map[string]any{
		"AllowedOAuthFlows":               []any{"code"},
		"AllowedOAuthFlowsUserPoolClient": true,
		"CallbackURLs":                    []any{"https://app.example.org/callback"},
		"LogoutURLs":                      []any{"https://app.example.org/"},
		"AllowedOAuthScopes":              assertions.Match_ArrayWith(&[]any{"openid", "email"}),
	})
	if _, ok := resources(tpl, "AWS::Cognito::UserPoolDomain")["UserPoolDomain"]; !ok {
		t.Fatal("no UserPoolDomain with the pinned logical ID")
	}
	tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPoolDomain"), map[string]any{"Domain": "acme-users-stg"})
}

func TestSESSender(t *testing.T) {
	c, _ := Environment("prd")
	c.Region = "eu-west-1"
	c.SES = &SESSender{FromEmail: "no-reply@example.org", FromName: "Example", ReplyTo: "help@example.org", ConfigurationSet: "useradmin"}
	tpl := synth(t, c)
	tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
		"EmailConfiguration": map[string]any{
			"EmailSendingAccount": "DEVELOPER",
			"From":                "Example <no-reply@example.org>",
			"ReplyToEmailAddress": "help@example.org",
			"ConfigurationSet":    "useradmin",
			"SourceArn":           assertions.Match_AnyValue(),
		},
	})
}

func TestGroupsAndFirstAdmin(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		tpl := envTemplate(t, env)
		groups := resources(tpl, "AWS::Cognito::UserPoolGroup")
		c, _ := Environment(env)
		if g, ok := groups["GroupAdmins"]; !ok || props(g)["GroupName"] != "admins" || len(groups) != len(c.ManagedGroups()) {
			t.Errorf("%s: want the admins group as GroupAdmins and one group per role and extra group, got %v", env, groups)
		}
		for _, name := range c.ManagedGroups() {
			if g, ok := groups[groupLogicalID(name)]; !ok || props(g)["GroupName"] != name {
				t.Errorf("%s: group %s missing or not pinned as %s", env, name, groupLogicalID(name))
			}
		}
		if want := map[bool]string{true: "RetainExceptOnCreate", false: "Delete"}[env == "prd"]; groups["GroupAdmins"]["DeletionPolicy"] != want {
			t.Errorf("%s: admins group DeletionPolicy = %v, want %s (as the pool's)", env, groups["GroupAdmins"]["DeletionPolicy"], want)
		}
		if want := map[bool]string{true: "Retain", false: "Delete"}[env == "prd"]; groups["GroupAdmins"]["UpdateReplacePolicy"] != want {
			t.Errorf("%s: admins group UpdateReplacePolicy = %v, want %s (as the pool's)", env, groups["GroupAdmins"]["UpdateReplacePolicy"], want)
		}
		// The shipped config names no first admin.
		tpl.ResourceCountIs(jsii.String("AWS::Cognito::UserPoolUser"), jsii.Number(0))
	}

	c, _ := Environment("prd")
	c.FirstAdminEmail = "first.admin@example.org"
	c.ExtraGroups = []string{"support-staff"}
	tpl := synth(t, c)
	tpl.HasResource(jsii.String("AWS::Cognito::UserPoolUser"), map[string]any{
		"Properties": map[string]any{
			"UserPoolId":             map[string]any{"Ref": "UserPool"},
			"Username":               "first.admin@example.org",
			"DesiredDeliveryMediums": []any{"EMAIL"},
			"UserAttributes": []any{
				map[string]any{"Name": "email", "Value": "first.admin@example.org"},
				map[string]any{"Name": "email_verified", "Value": "true"},
			},
		},
		"DeletionPolicy":      "RetainExceptOnCreate",
		"UpdateReplacePolicy": "Retain",
	})
	tpl.HasResource(jsii.String("AWS::Cognito::UserPoolUserToGroupAttachment"), map[string]any{
		"Properties": map[string]any{
			"UserPoolId": map[string]any{"Ref": "UserPool"},
			"GroupName":  map[string]any{"Ref": "GroupAdmins"},
			"Username":   map[string]any{"Ref": "FirstAdminUser"},
		},
		"DeletionPolicy":      "RetainExceptOnCreate",
		"UpdateReplacePolicy": "Retain",
	})
	if _, ok := resources(tpl, "AWS::Cognito::UserPoolGroup")["GroupSupportStaff"]; !ok {
		t.Error("extra group missing or not pinned as GroupSupportStaff")
	}
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"ADMIN_GROUPS": "admins", "MANAGED_GROUPS": "admins,support-staff",
		})},
	})
}

func TestFunction(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			c, _ := Environment(env)
			vars := map[string]any{
				"USER_POOL_ID":        map[string]any{"Ref": "UserPool"},
				"ADMIN_GROUPS":        strings.Join(c.AdminGroups(), ","),
				"MANAGED_GROUPS":      strings.Join(c.ManagedGroups(), ","),
				"ALLOWED_ORIGINS":     assertions.Match_AnyValue(),
				"PASSWORD_MIN_LENGTH": "12",
				"PASSWORD_REQUIRE":    "lowercase,uppercase,digits,symbols",
				"API_CLIENT_IDS":      map[string]any{"Ref": "AdminClient"},
			}
			switch env {
			case "dev":
				vars["CUSTOM_ATTRIBUTES"] = assertions.Match_AnyValue()
				// The roles short of everything; admins, holding every permission, needs no entry.
				vars["ROLES"] = `[{"name":"helpdesk","permissions":["users:read","users:invite","users:password:reset","users:mfa","users:sign-out"]},` +
					`{"name":"auditors","permissions":["users:read","audit:read"]},` +
					`{"name":"tenant-a-admins","permissions":["users:read","users:create","users:invite","users:disable","users:sign-out","users:delete","users:password","users:password:reset","users:mfa","users:edit","groups:assign"],"scope":["tenant-a"]}]`
				// SCIM's settings: TestSCIMDev.
				for _, k := range []string{"SCIM_ENABLED", "SCIM_CLIENT_ID", "SCIM_BEARER", "SCIM_ROLE", "SCIM_IDP_NAME", "SCIM_DELETE_MODE", "SCIM_INVITE", "SCIM_ALLOW_ROLE_GROUPS"} {
					vars[k] = assertions.Match_AnyValue()
				}
			case "prd":
				vars["ADMIN_MFA_REQUIRED"] = "true"
			}
			// The API's function, the user events publisher (TestUserEvents)
			// and CDK's handler copying the console's files (TestConsoleFiles);
			// in dev, SCIM's authorizer too.
			tpl.ResourceCountIs(jsii.String("AWS::Lambda::Function"), jsii.Number(map[bool]float64{true: 4, false: 3}[env == "dev"]))
			tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
				"Runtime":       "provided.al2023",
				"Architectures": []any{"arm64"},
				"Handler":       "bootstrap",
				"Timeout":       10,
				"MemorySize":    256,
				"LoggingConfig": map[string]any{"LogFormat": "JSON", "LogGroup": assertions.Match_AnyValue()},
				"Environment":   map[string]any{"Variables": vars},
			})
			days := map[string]float64{"dev": 7, "stg": 30, "prd": 365}[env]
			for id, lg := range resources(tpl, "AWS::Logs::LogGroup") {
				if props(lg)["RetentionInDays"] != days {
					t.Errorf("log group %s retention = %v, want %v", id, props(lg)["RetentionInDays"], days)
				}
			}
		})
	}
}

// TestLeastPrivilege: the function's role may call exactly CognitoActions on
// this pool's ARN, and no policy anywhere grants a wildcard Cognito action.
func TestLeastPrivilege(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			var cognito []any
			for id, p := range resources(tpl, "AWS::IAM::Policy") {
				for _, s := range props(p)["PolicyDocument"].(map[string]any)["Statement"].([]any) {
					st := s.(map[string]any)
					acts := toStrings(st["Action"])
					for _, a := range acts {
						if a == "*" || strings.HasSuffix(a, ":*") {
							t.Errorf("policy %s grants wildcard action %s", id, a)
						}
					}
					// X-Ray's two write actions have no resource-level permissions (TestTracing pins them),
					// nor has dynamodb:ListStreams, which the L2 DynamoDB event source grants (TestUserEvents).
					if st["Resource"] == "*" && slices.ContainsFunc(acts, func(a string) bool {
						return !slices.Contains(xrayActions, a) && a != "dynamodb:ListStreams"
					}) {
						t.Errorf("policy %s grants on Resource *: %v", id, acts)
					}
					if strings.HasPrefix(acts[0], "cognito-idp:") {
						cognito = append(cognito, st)
					}
				}
			}
			if len(cognito) != 1 {
				t.Fatalf("want one Cognito statement, got %v", cognito)
			}
			st := cognito[0].(map[string]any)
			if got := toStrings(st["Action"]); !slices.Equal(got, CognitoActions) {
				t.Errorf("Cognito actions = %v, want %v", got, CognitoActions)
			}
			if !equalJSON(st["Resource"], map[string]any{"Fn::GetAtt": []any{"UserPool", "Arn"}}) {
				t.Errorf("Cognito statement resource = %v, want the pool's ARN", st["Resource"])
			}
			for id, role := range resources(tpl, "AWS::IAM::Role") {
				for _, m := range toStrings(props(role)["ManagedPolicyArns"]) {
					if strings.Contains(strings.ToLower(m), "cognito") {
						t.Errorf("role %s has a managed Cognito policy %s", id, m)
					}
				}
			}
		})
	}
}

func TestAPI(t *testing.T) {
	spec, err := api.Load()
	if err != nil {
		t.Fatal(err)
	}
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			tpl := envTemplate(t, env)
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RestApi"), map[string]any{
				"EndpointConfiguration": map[string]any{"Types": []any{"REGIONAL"}},
			})
			authorizers := resources(tpl, "AWS::ApiGateway::Authorizer")
			// The SCIM routes' own authorizer (TestSCIMDev) is not the admins'.
			maps.DeleteFunc(authorizers, func(_ string, a map[string]any) bool { return strings.HasPrefix(props(a)["Name"].(string), "scim-") })
			if len(authorizers) != 1 {
				t.Fatalf("want one authorizer, got %d", len(authorizers))
			}
			var authID string
			for id, a := range authorizers {
				authID = id
				p := props(a)
				if p["Type"] != "COGNITO_USER_POOLS" || p["IdentitySource"] != "method.request.header.Authorization" ||
					!equalJSON(p["ProviderARNs"], []any{map[string]any{"Fn::GetAtt": []any{"UserPool", "Arn"}}}) {
					t.Errorf("authorizer = %v", p)
				}
			}

			// Every route of the OpenAPI document is a method behind the
			// authorizer; only CORS preflight is open; nothing else exists.
			paths := resourcePaths(tpl)
			var got []string
			var scim int
			for id, m := range resources(tpl, "AWS::ApiGateway::Method") {
				p := props(m)
				if p["HttpMethod"] == "OPTIONS" {
					if p["AuthorizationType"] != "NONE" {
						t.Errorf("preflight %s requires auth", id)
					}
					continue
				}
				key := p["HttpMethod"].(string) + " " + paths[refOrRoot(p["ResourceId"])]
				if strings.HasPrefix(paths[refOrRoot(p["ResourceId"])], "/scim/") {
					scim++
					continue // TestSCIMDev
				}
				got = append(got, key)
				if p["AuthorizationType"] != "COGNITO_USER_POOLS" || !equalJSON(p["AuthorizerId"], map[string]any{"Ref": authID}) {
					t.Errorf("%s is not behind the Cognito authorizer: %v %v", key, p["AuthorizationType"], p["AuthorizerId"])
				}
				if p["RequestValidatorId"] == nil {
					t.Errorf("%s has no request validator", key)
				}
				integ := p["Integration"].(map[string]any)
				if integ["Type"] != "AWS_PROXY" {
					t.Errorf("%s integration = %v", key, integ["Type"])
				}
			}
			sort.Strings(got)
			if !slices.Equal(got, spec.Keys()) {
				t.Errorf("methods:\n got %v\nwant %v", got, spec.Keys())
			}
			// API Gateway's account-wide logging role belongs to the account
			// stack (TestAccountStack), never to an environment.
			tpl.ResourceCountIs(jsii.String("AWS::ApiGateway::Account"), jsii.Number(0))
			for id, r := range resources(tpl, "AWS::IAM::Role") {
				if strings.Contains(mustJSONTest(props(r)["AssumeRolePolicyDocument"]), "apigateway.amazonaws.com") {
					t.Errorf("%s: role %s is for API Gateway; the account stack owns that one", env, id)
				}
			}
			// The console's origin: every environment answers browsers.
			hasCORS := true
			if n := len(resources(tpl, "AWS::ApiGateway::Method")) - len(got) - scim; (n > 0) != hasCORS {
				t.Errorf("%d preflight methods; CORS configured: %v", n, hasCORS)
			}

			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Method"), map[string]any{
				"HttpMethod":    "POST",
				"RequestModels": map[string]any{"application/json": map[string]any{"Ref": assertions.Match_StringLikeRegexp(jsii.String("CreateUserRequest"))}},
			})
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Model"), map[string]any{
				"Name": "CreateUserRequest", "ContentType": "application/json",
				"Schema": assertions.Match_ObjectLike(&map[string]any{
					"$schema": "http://json-schema.org/draft-04/schema#", "type": "object",
					"additionalProperties": false, "required": []any{"email"},
				}),
			})
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::RequestValidator"), map[string]any{
				"ValidateRequestBody": true, "ValidateRequestParameters": true,
			})
			rate := map[string]float64{"dev": 50, "stg": 10, "prd": 50}[env]
			burst := map[string]float64{"dev": 100, "stg": 20, "prd": 100}[env]
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::Stage"), map[string]any{
				"StageName": env,
				"MethodSettings": assertions.Match_ArrayWith(&[]any{assertions.Match_ObjectLike(&map[string]any{
					"ThrottlingRateLimit": rate, "ThrottlingBurstLimit": burst, "DataTraceEnabled": false,
					"LoggingLevel": "ERROR", "MetricsEnabled": true,
				})}),
				"AccessLogSetting": map[string]any{
					"DestinationArn": assertions.Match_AnyValue(),
					"Format":         assertions.Match_StringLikeRegexp(jsii.String(`^\{"caller":"\$context.authorizer.claims.sub".*"requestId":"\$context.requestId"`)),
				},
			})
			// Gateway errors are valid JSON in the API's shape, and never quote the request back.
			for _, gr := range resources(tpl, "AWS::ApiGateway::GatewayResponse") {
				p := props(gr)
				body := p["ResponseTemplates"].(map[string]any)["application/json"].(string)
				if strings.Contains(body, "validationErrorString") || strings.Contains(body, "escapeJavaScript") {
					t.Errorf("%s template passes request data on: %s", p["ResponseType"], body)
				}
				rendered := strings.NewReplacer("$context.error.messageString", `"Invalid request body"`, "$context.requestId", "r-1").Replace(body)
				var v map[string]any
				if err := json.Unmarshal([]byte(rendered), &v); err != nil {
					t.Errorf("%s template does not render to JSON: %s", p["ResponseType"], rendered)
				}
			}
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
				"ResponseType": "BAD_REQUEST_BODY", "StatusCode": "400",
				"ResponseTemplates": map[string]any{"application/json": assertions.Match_StringLikeRegexp(jsii.String(`"code":"InvalidRequest"`))},
			})
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
				"ResponseType": "THROTTLED", "StatusCode": "429",
				"ResponseParameters": assertions.Match_ObjectLike(&map[string]any{"gatewayresponse.header.Retry-After": "'1'"}),
			})
			tpl.HasResourceProperties(jsii.String("AWS::ApiGateway::GatewayResponse"), map[string]any{
				"ResponseType": "UNAUTHORIZED", "StatusCode": "401",
				"ResponseTemplates": map[string]any{"application/json": `{"message":"Unauthorized"}`},
			})
		})
	}
}

func TestOutputs(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		tpl := envTemplate(t, env)
		outs := *tpl.FindOutputs(jsii.String("*"), nil)
		var names []string
		for k := range outs {
			names = append(names, k)
		}
		sort.Strings(names)
		want := []string{"AdminClientId", "ApiUrl", "ConsoleUrl", "EventBusArn", "EventBusName", "Region", "UserPoolClientId", "UserPoolId"}
		if env == "dev" {
			// SCIM with both ways in (TestSCIMDev).
			want = []string{"AdminClientId", "ApiUrl", "ConsoleUrl", "EventBusArn", "EventBusName", "Region", "ScimClientId", "ScimTokenSecretArn", "ScimTokenUrl", "ScimUrl", "UserPoolClientId", "UserPoolId"}
		}
		if !slices.Equal(names, want) {
			t.Errorf("%s outputs = %v, want %v", env, names, want)
		}
		tpl.HasOutput(jsii.String("UserPoolId"), map[string]any{"Value": map[string]any{"Ref": "UserPool"}})
		url := (*outs["ApiUrl"])["Value"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
		// …/<stage>, the stage by reference, and no trailing slash.
		stage, _ := url[len(url)-1].(map[string]any)["Ref"].(string)
		if !strings.HasPrefix(stage, "AdminApiDeploymentStage"+env) || url[len(url)-2] != "/" {
			t.Errorf("%s ApiUrl does not end in /<stage>: %v", env, url)
		}
		tpl.HasOutput(jsii.String("UserPoolClientId"), map[string]any{"Value": map[string]any{"Ref": "UserPoolClient"}})
		tpl.HasOutput(jsii.String("AdminClientId"), map[string]any{"Value": map[string]any{"Ref": "AdminClient"}})
	}
}

// resourcePaths maps each API Gateway resource's logical ID to its full path.
func resourcePaths(tpl assertions.Template) map[string]string {
	res := resources(tpl, "AWS::ApiGateway::Resource")
	paths := map[string]string{"": "/"}
	var path func(id string) string
	path = func(id string) string {
		if p, ok := paths[id]; ok {
			return p
		}
		p := props(res[id])
		parent := path(refOrRoot(p["ParentId"]))
		paths[id] = strings.TrimSuffix(parent, "/") + "/" + p["PathPart"].(string)
		return paths[id]
	}
	for id := range res {
		path(id)
	}
	return paths
}

// refOrRoot is the logical ID a {"Ref": …} points at, or "" for the API's root resource (a GetAtt).
func refOrRoot(v any) string {
	if m, ok := v.(map[string]any); ok {
		if r, ok := m["Ref"].(string); ok {
			return r
		}
	}
	return ""
}

// The function's role has no managed policy (AWSLambdaBasicExecutionRole
// would let it write to every log group): it writes to its own log group only.
func TestFunctionRoleLogsOnly(t *testing.T) {
	tpl := envTemplate(t, "prd")
	_, f := adminFunction(t, tpl)
	roleID := props(f)["Role"].(map[string]any)["Fn::GetAtt"].([]any)[0].(string)
	role := resources(tpl, "AWS::IAM::Role")[roleID]
	if role == nil {
		t.Fatalf("function role %s not found", roleID)
	}
	if m := props(role)["ManagedPolicyArns"]; m != nil {
		t.Errorf("function role has managed policies: %v", m)
	}
	var logGroup string
	for id := range resources(tpl, "AWS::Logs::LogGroup") {
		if strings.HasPrefix(id, "AdminFunctionLogs") {
			logGroup = id
		}
	}
	tpl.HasResourceProperties(jsii.String("AWS::IAM::Policy"), map[string]any{
		"Roles": []any{map[string]any{"Ref": roleID}},
		"PolicyDocument": map[string]any{"Statement": assertions.Match_ArrayWith(&[]any{map[string]any{
			"Action":   []any{"logs:CreateLogStream", "logs:PutLogEvents"},
			"Effect":   "Allow",
			"Resource": map[string]any{"Fn::GetAtt": []any{logGroup, "Arn"}},
		}})},
	})
}

func TestRequiredMFAAndThreatProtection(t *testing.T) {
	c, _ := Environment("stg")
	c.MFA, c.FeaturePlan = "required-totp", "PLUS"
	tpl := synth(t, c)
	tpl.HasResourceProperties(jsii.String("AWS::Cognito::UserPool"), map[string]any{
		"MfaConfiguration": "ON",
		"EnabledMfas":      []any{"SOFTWARE_TOKEN_MFA"},
		"UserPoolTier":     "PLUS",
		"UserPoolAddOns":   map[string]any{"AdvancedSecurityMode": "ENFORCED"},
	})
}

// TestAdminClient: the client administrators sign in through, in every
// environment: SRP and refresh only, no secret, no OAuth, short tokens.
func TestAdminClient(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			client, ok := resources(envTemplate(t, env), "AWS::Cognito::UserPoolClient")["AdminClient"]
			if !ok {
				t.Fatal("no client with the pinned logical ID AdminClient")
			}
			p := props(client)
			flows := toStrings(p["ExplicitAuthFlows"])
			sort.Strings(flows)
			if want := []string{"ALLOW_REFRESH_TOKEN_AUTH", "ALLOW_USER_SRP_AUTH"}; !slices.Equal(flows, want) {
				t.Errorf("ExplicitAuthFlows = %v, want %v", flows, want)
			}
			for k, v := range map[string]any{
				"UserPoolId": map[string]any{"Ref": "UserPool"}, "ClientName": "useradmin-" + env + "-admin",
				"GenerateSecret": false, "PreventUserExistenceErrors": "ENABLED", "EnableTokenRevocation": true,
				"AccessTokenValidity": 15.0, "IdTokenValidity": 15.0, "RefreshTokenValidity": 12 * 60.0,
				"AllowedOAuthFlowsUserPoolClient": false,
			} {
				if got, _ := json.Marshal(p[k]); string(got) != mustJSON(v) {
					t.Errorf("%s = %s, want %s", k, got, mustJSON(v))
				}
			}
			for _, k := range []string{"CallbackURLs", "AllowedOAuthFlows", "AllowedOAuthScopes"} {
				if p[k] != nil {
					t.Errorf("%s = %v: the admin client has no OAuth", k, p[k])
				}
			}
		})
	}
}

// TestAPIClients: AdminAPIClients decides which clients' ids the function
// gets, in the config's order.
func TestAPIClients(t *testing.T) {
	c, _ := Environment("stg")
	c.AdminAPIClients = []string{"admin", "app"}
	tpl := synth(t, c)
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Environment": map[string]any{"Variables": assertions.Match_ObjectLike(&map[string]any{
			"API_CLIENT_IDS": map[string]any{"Fn::Join": []any{"", []any{map[string]any{"Ref": "AdminClient"}, ",", map[string]any{"Ref": "UserPoolClient"}}}},
		})},
	})
}
