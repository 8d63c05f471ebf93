package infra

import (
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/aws/jsii-runtime-go"
)

// TestClientAttributes: both clients state what a user's own token may
// read and write. Nothing admins manage with PATCH (the names, the custom
// attributes) is writable by either; an unset or empty write list would
// mean every standard attribute.
func TestClientAttributes(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		t.Run(env, func(t *testing.T) {
			c, _ := Environment(env)
			wantRead := []string{"email", "email_verified", "family_name", "given_name"}
			for _, a := range c.CustomAttributes {
				wantRead = append(wantRead, "custom:"+a.Name)
			}
			sort.Strings(wantRead)
			if env == "dev" && !slices.Contains(wantRead, "custom:department") {
				t.Fatal("dev ships the department attribute: the test needs one")
			}
			for _, id := range []string{"UserPoolClient", "AdminClient"} {
				p := props(resources(envTemplate(t, env), "AWS::Cognito::UserPoolClient")[id])
				write := toStrings(p["WriteAttributes"])
				if !slices.Equal(write, []string{"locale"}) {
					t.Errorf("%s WriteAttributes = %v, want [locale]", id, p["WriteAttributes"])
				}
				for _, w := range write {
					if w == "email" || w == "email_verified" || w == "given_name" || w == "family_name" || strings.HasPrefix(w, "custom:") {
						t.Errorf("%s: a user may write %s, which admins manage", id, w)
					}
				}
				read := toStrings(p["ReadAttributes"])
				sort.Strings(read)
				if !slices.Equal(read, wantRead) {
					t.Errorf("%s ReadAttributes = %v, want %v", id, read, wantRead)
				}
			}
		})
	}
}

// TestAuthorizerNoCache: API Gateway caches a Cognito authorizer's result
// for 300 s unless told otherwise, and would admit a token from its cache
// after the token expired.
func TestAuthorizerNoCache(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		envTemplate(t, env).HasResourceProperties(jsii.String("AWS::ApiGateway::Authorizer"), map[string]any{
			"Type":                         "COGNITO_USER_POOLS",
			"AuthorizerResultTtlInSeconds": 0,
		})
	}
}

// TestSchemaTyped: every entry of the pool's schema states its data type
// (aws-cdk#8585: without it CloudFormation fails later pool updates), and
// the standard email entry is exactly what infra.PoolIdentity pins.
func TestSchemaTyped(t *testing.T) {
	for _, env := range []string{"dev", "stg", "prd"} {
		schema := props(resources(envTemplate(t, env), "AWS::Cognito::UserPool")["UserPool"])["Schema"].([]any)
		if !equalJSON(schema[0], map[string]any{"AttributeDataType": "String", "Mutable": true, "Name": "email", "Required": true}) {
			t.Errorf("%s: the first schema entry is %v, want email typed String", env, schema[0])
		}
		for _, a := range schema {
			if a.(map[string]any)["AttributeDataType"] == nil {
				t.Errorf("%s: schema entry %v has no AttributeDataType", env, a)
			}
		}
		pinned := PoolIdentity["UserPool"].(map[string]any)["Properties"].(map[string]any)["Schema"].([]any)
		if !equalJSON(schema[0], pinned[0]) {
			t.Errorf("%s: schema entry %v, PoolIdentity pins %v", env, schema[0], pinned[0])
		}
	}
}

// TestAlarmKeyBound: CloudWatch may use the alarm topic's key, and publish
// to the topic, only for this account's alarms of this stack, each named:
// the bare service principal would let any account's alarm do both.
func TestAlarmKeyBound(t *testing.T) {
	tpl := envTemplate(t, "prd")
	var names []string
	for _, a := range resources(tpl, "AWS::CloudWatch::Alarm") {
		names = append(names, props(a)["AlarmName"].(string))
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("prd has no alarms")
	}
	check := func(what string, doc any) {
		t.Helper()
		var found bool
		for _, s := range doc.(map[string]any)["Statement"].([]any) {
			st := s.(map[string]any)
			if !equalJSON(st["Principal"], map[string]any{"Service": "cloudwatch.amazonaws.com"}) {
				continue
			}
			found = true
			cond, _ := st["Condition"].(map[string]any)
			if !equalJSON(cond["StringEquals"], map[string]any{"aws:SourceAccount": map[string]any{"Ref": "AWS::AccountId"}}) {
				t.Errorf("%s: CloudWatch's statement is not bound to this account: %v", what, cond)
			}
			arnLike, _ := cond["ArnLike"].(map[string]any)
			parts, _ := arnLike["aws:SourceArn"].(map[string]any)["Fn::Join"].([]any)[1].([]any)
			last, _ := parts[len(parts)-1].(string)
			pattern, ok := strings.CutPrefix(last, ":alarm:")
			if !ok || !strings.Contains(mustJSONTest(parts), `":cloudwatch:"`) || pattern != "UserAdmin-prd *" {
				t.Errorf("%s: source %v is not this stack's alarms", what, arnLike)
			}
			for _, n := range names {
				if !strings.HasPrefix(n, strings.TrimSuffix(pattern, "*")) {
					t.Errorf("%s: alarm %q is not named as the key's pattern %q admits: it could not publish", what, n, pattern)
				}
			}
			if len(cond) != 2 {
				t.Errorf("%s: conditions %v", what, cond)
			}
		}
		if !found {
			t.Errorf("%s: no statement for CloudWatch", what)
		}
	}
	_, key := only(t, tpl, "AWS::KMS::Key")
	check("key policy", props(key)["KeyPolicy"])
	_, topic := only(t, tpl, "AWS::SNS::TopicPolicy")
	check("topic policy", props(topic)["PolicyDocument"])
}
