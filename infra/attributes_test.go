package infra

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/aws/aws-cdk-go/awscdk/v2/assertions"
	"github.com/aws/jsii-runtime-go"

	"github.com/useradmin/cognito-user-admin/lambda/settings"
)

// One declaration in the config reaches the pool's schema, the Lambda's
// environment and API Gateway's model of the PATCH body, and nothing else
// declares attributes.
func TestCustomAttributesFromOnePlace(t *testing.T) {
	c, _ := Environment("stg")
	c.CustomAttributes = []settings.CustomAttribute{
		{Name: "department", Type: settings.AttributeString, MaxLength: 40},
		{Name: "level", Type: settings.AttributeNumber, Min: ptr(1), Max: ptr(9)},
	}
	tpl := synth(t, c)

	pool := resources(tpl, "AWS::Cognito::UserPool")["UserPool"]
	want := []any{
		map[string]any{"AttributeDataType": "String", "Mutable": true, "Name": "email", "Required": true},
		map[string]any{"AttributeDataType": "String", "Mutable": true, "Name": "department", "StringAttributeConstraints": map[string]any{"MaxLength": "40"}},
		map[string]any{"AttributeDataType": "Number", "Mutable": true, "Name": "level", "NumberAttributeConstraints": map[string]any{"MinValue": "1", "MaxValue": "9"}},
	}
	if got := props(pool)["Schema"]; !equalJSON(got, want) {
		t.Errorf("pool schema =\n%v\nwant\n%v", got, want)
	}
	// Both clients may read the custom attributes, neither write them.
	for id, client := range resources(tpl, "AWS::Cognito::UserPoolClient") {
		read, write := toStrings(props(client)["ReadAttributes"]), toStrings(props(client)["WriteAttributes"])
		if !slices.Contains(read, "custom:department") || !slices.Contains(read, "custom:level") || !equalJSON(write, []string{"locale"}) {
			t.Errorf("%s reads %v, writes %v", id, read, write)
		}
	}

	var env map[string]any
	for _, fn := range resources(tpl, "AWS::Lambda::Function") {
		env = props(fn)["Environment"].(map[string]any)["Variables"].(map[string]any)
	}
	s, err := settings.FromEnv(func(k string) string {
		switch k {
		case settings.EnvUserPoolID:
			return "the pool's Ref"
		case settings.EnvAPIClientIDs:
			return "the admin client's Ref"
		}
		v, _ := env[k].(string)
		return v
	})
	if err != nil {
		t.Fatal(err)
	}
	if !equalJSON(s.CustomAttributes, c.CustomAttributes) {
		t.Errorf("the Lambda's attributes = %+v, want %+v", s.CustomAttributes, c.CustomAttributes)
	}

	var model map[string]any
	for _, m := range resources(tpl, "AWS::ApiGateway::Model") {
		if props(m)["Name"] == "UpdateUserRequest" {
			model = props(m)["Schema"].(map[string]any)
		}
	}
	if model == nil {
		t.Fatal("no UpdateUserRequest model")
	}
	attrs := model["properties"].(map[string]any)["attributes"].(map[string]any)
	wantProps := map[string]any{
		"department": map[string]any{"type": "string", "minLength": 1, "maxLength": 40},
		"level":      map[string]any{"type": "string", "pattern": "^-?[0-9]{1,10}$", "description": "A whole number, as a string"},
	}
	if !equalJSON(attrs["properties"], wantProps) {
		t.Errorf("model attributes = %v, want %v", attrs["properties"], wantProps)
	}
	// Undeclared names reach the Lambda, which names them in its 400.
	if !equalJSON(attrs["additionalProperties"], map[string]any{"type": "string"}) {
		t.Errorf("attributes.additionalProperties = %v", attrs["additionalProperties"])
	}
	b, _ := json.Marshal(model)
	if strings.Contains(string(b), `"additionalProperties":false`) {
		t.Errorf("the PATCH model refuses unknown fields itself, with API Gateway's generic message: %s", b)
	}
}

// Without declarations, the pool has only email, the Lambda no variable,
// and the model no declared attributes.
func TestNoCustomAttributes(t *testing.T) {
	tpl := envTemplate(t, "prd")
	if got := props(resources(tpl, "AWS::Cognito::UserPool")["UserPool"])["Schema"]; !equalJSON(got, []any{map[string]any{"AttributeDataType": "String", "Mutable": true, "Name": "email", "Required": true}}) {
		t.Errorf("prd schema = %v", got)
	}
	tpl.HasResourceProperties(jsii.String("AWS::Lambda::Function"), map[string]any{
		"Environment": map[string]any{"Variables": map[string]any{settings.EnvCustomAttributes: assertions.Match_Absent()}},
	})
}

func TestCustomAttributeValidation(t *testing.T) {
	for name, tc := range map[string]struct {
		attrs []settings.CustomAttribute
		want  string
	}{
		"name with a colon":     {[]settings.CustomAttribute{{Name: "custom:team", Type: "String", MaxLength: 5}}, "name must be"},
		"name too long":         {[]settings.CustomAttribute{{Name: "abcdefghijklmnopqrstu", Type: "String", MaxLength: 5}}, "name must be"},
		"unknown type":          {[]settings.CustomAttribute{{Name: "team", Type: "Boolean"}}, "Type must be"},
		"string without length": {[]settings.CustomAttribute{{Name: "team", Type: "String"}}, "MaxLength"},
		"string too long":       {[]settings.CustomAttribute{{Name: "team", Type: "String", MaxLength: 4096}}, "MaxLength"},
		"number with length":    {[]settings.CustomAttribute{{Name: "level", Type: "Number", MaxLength: 3}}, "MaxLength applies"},
		"number bounds swapped": {[]settings.CustomAttribute{{Name: "level", Type: "Number", Min: ptr(5), Max: ptr(1)}}, "greater than"},
		"declared twice": {[]settings.CustomAttribute{{Name: "team", Type: "String", MaxLength: 5},
			{Name: "team", Type: "String", MaxLength: 6}}, "twice"},
	} {
		t.Run(name, func(t *testing.T) {
			c, _ := Environment("dev")
			c.CustomAttributes = tc.attrs
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), "CustomAttributes:") || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("Validate() = %v, want CustomAttributes: … %s", err, tc.want)
			}
		})
	}
}

func ptr(n int) *int { return &n }
