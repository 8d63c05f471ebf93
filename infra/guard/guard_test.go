package guard

import (
	"fmt"
	"strings"
	"testing"
)

// pool is a template whose user pool has the one schema entry attr.
func pool(attr string) []byte {
	return fmt.Appendf(nil, `{"Resources": {"UserPool": {"Type": "AWS::Cognito::UserPool", "Properties": {
  "UsernameAttributes": ["email"], "Schema": [%s]}}}}`, attr)
}

// TestStandardAttributeTyped: stating AttributeDataType String on a
// standard String attribute is the one schema change the guard lets
// through (CloudFormation updates it in place); everything near it is
// still a replacement.
func TestStandardAttributeTyped(t *testing.T) {
	for _, tc := range []struct {
		name, before, after string
		replaced            bool
	}{
		{"email typed String", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}`, false},
		{"given_name typed String", `{"Name": "given_name", "Mutable": true}`, `{"Name": "given_name", "Mutable": true, "AttributeDataType": "String"}`, false},
		{"email typed Number", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "Number", "Name": "email", "Required": true, "Mutable": true}`, true},
		{"email typed and made optional", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Mutable": true}`, true},
		{"email typed and constrained", `{"Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true, "StringAttributeConstraints": {"MaxLength": "64"}}`, true},
		{"email type dropped", `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}`, `{"Name": "email", "Required": true, "Mutable": true}`, true},
		{"email retyped", `{"AttributeDataType": "Number", "Name": "email", "Required": true, "Mutable": true}`, `{"AttributeDataType": "String", "Name": "email", "Required": true, "Mutable": true}`, true},
		{"updated_at is a Number", `{"Name": "updated_at", "Mutable": true}`, `{"AttributeDataType": "String", "Name": "updated_at", "Mutable": true}`, true},
		{"custom attribute typed", `{"Name": "department", "Mutable": true}`, `{"AttributeDataType": "String", "Name": "department", "Mutable": true}`, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Replacements("UserAdmin-prd", pool(tc.before), pool(tc.after), nil)
			if err != nil {
				t.Fatal(err)
			}
			if !tc.replaced {
				if len(got) != 0 {
					t.Errorf("findings %q, want none", got)
				}
				return
			}
			if len(got) != 1 || !strings.Contains(got[0], "replacement: Schema attribute") {
				t.Errorf("findings %q, want one schema replacement", got)
			}
		})
	}
}
