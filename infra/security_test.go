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
				if !slices.Equal(write, []string{"email"}) {
					t.Errorf("%s WriteAttributes = %v, want [email]", id, p["WriteAttributes"])
				}
				for _, w := range write {
					if w == "given_name" || w == "family_name" || strings.HasPrefix(w, "custom:") {
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

