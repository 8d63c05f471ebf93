package test

import (
	"strings"
	"testing"
)

const baseTemplate = `{"Resources": {
  "UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
    "UsernameAttributes": ["email"], "UsernameConfiguration": {"CaseSensitive": false},
    "MfaConfiguration": "OFF",
    "Schema": [{"Name": "email", "Required": true, "Mutable": true}, {"Name": "name", "Mutable": true}]}},
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
