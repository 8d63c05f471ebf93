package test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/useradmin/cognito-user-admin/infra"
)

const baseTemplate = `{"Resources": {
  "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
    "UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": false},
    "MfaConfiguration": "OFF",
    "Schema": [{"Name": "email", "Required": true, "Mutable": true}, {"Name": "name", "Mutable": true},
      {"AttributeDataType": "String", "Mutable": true, "Name": "department", "StringAttributeConstraints": {"MaxLength": "64"}}]}},
  "UserPoolClient": {"Type": "AWS::Cognito::UserPoolClient", "Properties": {"UserPoolId": {"Ref": "UserPool"}, "GenerateSecret": false, "IdTokenValidity": 60}},
  "GroupAdmins": {"Type": "AWS::Cognito::UserPoolGroup", "Properties": {"UserPoolId": {"Ref": "UserPool"}, "GroupName": "admins"}},
  "Fn": {"Type": "AWS::Lambda::Function", "Properties": {"MemorySize": 256}}
}}`

func TestReplacementGuard(t *testing.T) {
	for _, tc := range []struct {
		name     string
		from, to string // a replacement applied to baseTemplate
		want     string // "" for no finding
		approved map[string]string
	}{
		{"no change", "", "", "", nil},
		{"update in place", `"MfaConfiguration": "OFF"`, `"MfaConfiguration": "OPTIONAL"`, "", nil},
		{"stateless resource renamed", `"Fn":`, `"Fn2":`, "", nil},
		{"pool renamed", `"UserPool": {"Type"`, `"UserPoolV2": {"Type"`, "UserAdmin-prd/UserPool (AWS::Cognito::UserPool): replacement: the logical ID is gone", nil},
		{"username attributes", `"UsernameAttributes": ["email"]`, `"UsernameAttributes": ["phone_number"]`, "UserAdmin-prd/UserPool (AWS::Cognito::UserPool): replacement: UsernameAttributes changes", nil},
		{"alias attributes added", `"MfaConfiguration"`, `"AliasAttributes": ["email"], "MfaConfiguration"`, "replacement: AliasAttributes changes from (absent)", nil},
		{"case sensitivity", `"CaseSensitive": false`, `"CaseSensitive": true`, "replacement: UsernameConfiguration changes", nil},
		{"schema attribute removed", `, {"Name": "name", "Mutable": true}`, ``, `replacement: Schema attribute "name" is removed`, nil},
		{"schema attribute added", `{"Name": "name", "Mutable": true}`, `{"Name": "name", "Mutable": true}, {"Name": "custom:team", "Mutable": true}`, "", nil},
		{"custom attribute added", `"StringAttributeConstraints": {"MaxLength": "64"}}`, `"StringAttributeConstraints": {"MaxLength": "64"}}, {"AttributeDataType": "Number", "Mutable": true, "Name": "level"}`, "", nil},
		{"custom attribute removed", `,
      {"AttributeDataType": "String", "Mutable": true, "Name": "department", "StringAttributeConstraints": {"MaxLength": "64"}}`, ``, `replacement: Schema attribute "department" is removed`, nil},
		{"custom attribute lengthened", `{"MaxLength": "64"}`, `{"MaxLength": "128"}`, `replacement: Schema attribute "department" changes from`, nil},
		{"custom attribute retyped", `"AttributeDataType": "String", "Mutable": true, "Name": "department"`, `"AttributeDataType": "Number", "Mutable": true, "Name": "department"`, `replacement: Schema attribute "department" changes`, nil},
		{"custom attribute made read-only", `"AttributeDataType": "String", "Mutable": true, "Name": "department"`, `"AttributeDataType": "String", "Mutable": false, "Name": "department"`, `replacement: Schema attribute "department" changes`, nil},
		{"email no longer required", `{"Name": "email", "Required": true, "Mutable": true}`, `{"Name": "email", "Mutable": true}`, `replacement: Schema attribute "email" changes`, nil},
		{"client secret", `"GenerateSecret": false`, `"GenerateSecret": true`, "UserAdmin-prd/UserPoolClient (AWS::Cognito::UserPoolClient): replacement: GenerateSecret", nil},
		{"group renamed", `"GroupName": "admins"`, `"GroupName": "administrators"`, "UserAdmin-prd/GroupAdmins (AWS::Cognito::UserPoolGroup): replacement: GroupName", nil},
		{"approved in code", `"UsernameAttributes": ["email"]`, `"UsernameAttributes": ["phone_number"]`, "", map[string]string{"UserAdmin-prd/UserPool": "migration plan #12"}},
		{"approval for another stack", `"UsernameAttributes": ["email"]`, `"UsernameAttributes": ["phone_number"]`, "replacement", map[string]string{"UserAdmin-dev/UserPool": "dev only"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			after := baseTemplate
			if tc.from != "" {
				if !strings.Contains(after, tc.from) {
					t.Fatalf("bad case: %q not in the template", tc.from)
				}
				after = strings.Replace(after, tc.from, tc.to, 1)
			}
			got, err := Replacements("UserAdmin-prd", []byte(baseTemplate), []byte(after), tc.approved)
			if err != nil {
				t.Fatal(err)
			}
			if tc.want == "" {
				if len(got) != 0 {
					t.Errorf("findings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], tc.want) {
				t.Errorf("findings %q, want one containing %q", got, tc.want)
			}
		})
	}
}

// The pinned identity (infra.PoolIdentityOf) holds the dev pool's custom
// attribute: a template that drops or changes it is a replacement even when
// the snapshot was edited to match.
func TestPinnedAttributes(t *testing.T) {
	const stack = "UserAdmin-dev"
	raw, err := os.ReadFile(filepath.Join(synthDir, stack+".template.json"))
	if err != nil {
		t.Fatal(err)
	}
	pinned, err := json.Marshal(map[string]any{"Resources": infra.PoolIdentityOf(stack)})
	if err != nil {
		t.Fatal(err)
	}
	if got, err := Replacements(stack, pinned, raw, nil); err != nil || len(got) != 0 {
		t.Fatalf("the synthesized template against its pinned identity: %q %v", got, err)
	}
	for name, edit := range map[string]func(attr map[string]any) (keep bool){
		"removed": func(map[string]any) bool { return false },
		"lengthened": func(a map[string]any) bool {
			a["StringAttributeConstraints"] = map[string]any{"MaxLength": "128"}
			return true
		},
	} {
		t.Run(name, func(t *testing.T) {
			var tpl map[string]any
			if err := json.Unmarshal(raw, &tpl); err != nil {
				t.Fatal(err)
			}
			props := tpl["Resources"].(map[string]any)["UserPool"].(map[string]any)["Properties"].(map[string]any)
			var schema []any
			for _, a := range props["Schema"].([]any) {
				attr := a.(map[string]any)
				if attr["Name"] != "department" || edit(attr) {
					schema = append(schema, attr)
				}
			}
			props["Schema"] = schema
			after, _ := json.Marshal(tpl)
			got, err := Replacements(stack, pinned, after, nil)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != 1 || !strings.Contains(got[0], `replacement: Schema attribute "department"`) {
				t.Errorf("findings %q, want one replacement of the department attribute", got)
			}
		})
	}
}
